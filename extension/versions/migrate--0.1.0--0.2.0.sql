-- migrate 0.1.0 -> 0.2.0: the runner verifies what it runs, and the state changes only through
-- the engine.
\echo Use "ALTER EXTENSION migrate UPDATE" to load this file. \quit

-- Each revision's file as uploaded, so that its checksum can be verified before it runs. Rows
-- stored by 0.1.0 have none: the runner refuses to run them until their file is uploaded again
-- (pgmigrate does so on its next command; migrate_add of the same content fills it in).
ALTER TABLE migrate.revisions ADD COLUMN IF NOT EXISTS content text;

-- Removing a never-applied revision is logged.
ALTER TABLE migrate.log DROP CONSTRAINT IF EXISTS log_direction_check;
ALTER TABLE migrate.log ADD CONSTRAINT log_direction_check
    CHECK (direction IN ('upgrade', 'downgrade', 'stamp', 'remove'));

-- Any role that may read the state may dump it.
GRANT SELECT ON SEQUENCE migrate.log_id_seq TO PUBLIC;

CREATE FUNCTION migrate_remove(rev text)
RETURNS TABLE (revision text, message text)
AS 'MODULE_PATHNAME', 'migrate_remove'
LANGUAGE C VOLATILE;
REVOKE EXECUTE ON FUNCTION migrate_remove(text) FROM PUBLIC;

-- Records one step that pgmigrate ran itself (the statements of a transactional: false revision
-- cannot run inside a function): its version and log rows, written as the extension's owner like
-- every other step. Only the next step from the current version is accepted.
CREATE FUNCTION migrate_record(direction text, revision text, duration_ms double precision)
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_record'
LANGUAGE C VOLATILE;
REVOKE EXECUTE ON FUNCTION migrate_record(text, text, double precision) FROM PUBLIC;

-- The state-changing functions now write the state as the extension's owner: the write rights
-- 0.1.0 asked deploy roles to hold are no longer needed, and with them a role could edit what
-- the runner executes or forge the audit log. Revoke every right but SELECT from everyone but
-- the owner (grants to a deploy role of EXECUTE on the functions stay).
DO $revoke$
DECLARE
    grant_row record;
BEGIN
    FOR grant_row IN
        SELECT c.oid::pg_catalog.regclass AS relation, a.grantee, a.privilege_type, c.relkind
        FROM pg_catalog.pg_class c
        CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
        WHERE c.relnamespace OPERATOR(pg_catalog.=) 'migrate'::pg_catalog.regnamespace
          AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'S']::"char"[])
          AND a.grantee OPERATOR(pg_catalog.<>) c.relowner
          AND a.privilege_type OPERATOR(pg_catalog.<>) 'SELECT'
    LOOP
        EXECUTE pg_catalog.format('REVOKE %s ON %s %s FROM %s', grant_row.privilege_type,
            CASE WHEN grant_row.relkind OPERATOR(pg_catalog.=) 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
            grant_row.relation,
            CASE WHEN grant_row.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                 ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(grant_row.grantee)) END);
    END LOOP;
END
$revoke$;
