-- migrate 0.2.0 -> 0.3.0: the migration lock needs the migrating privilege (it was an advisory
-- lock, which any role could take and hold to stop every migration).
\echo Use "ALTER EXTENSION migrate UPDATE" to load this file. \quit

-- The session that holds the lock across the commits around a transactional: false revision.
CREATE TABLE migrate.lock_holder (
    pid           integer NOT NULL,
    backend_start timestamptz,
    revision      text NOT NULL,
    since         timestamptz NOT NULL DEFAULT pg_catalog.now()
);
GRANT SELECT ON migrate.lock_holder TO PUBLIC;

CREATE FUNCTION migrate_lock(nowait boolean DEFAULT false)
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_lock'
LANGUAGE C VOLATILE;
REVOKE EXECUTE ON FUNCTION migrate_lock(boolean) FROM PUBLIC;

CREATE FUNCTION migrate_hold_lock(revision text)
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_hold_lock'
LANGUAGE C VOLATILE;
REVOKE EXECUTE ON FUNCTION migrate_hold_lock(text) FROM PUBLIC;

-- Whoever may upgrade may take the lock, hold it across a transactional: false revision and
-- record that revision, and remove never-applied revisions as pgmigrate's files rule does. (An
-- update from 0.1.0, whose deploy roles recorded such revisions with table rights that 0.2.0
-- revoked, gave them none of these.)
DO $grant$
DECLARE
    grantee_row record;
BEGIN
    FOR grantee_row IN
        SELECT DISTINCT a.grantee
        FROM pg_catalog.pg_proc p
        CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) a
        WHERE p.oid OPERATOR(pg_catalog.=) 'migrate_upgrade(text)'::pg_catalog.regprocedure
          AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
          AND a.grantee OPERATOR(pg_catalog.<>) p.proowner
          AND a.grantee OPERATOR(pg_catalog.<>) 0
    LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION migrate_lock(boolean), migrate_hold_lock(text), '
                                  'migrate_record(text, text, double precision), migrate_remove(text) TO %I',
                                  pg_catalog.pg_get_userbyid(grantee_row.grantee));
    END LOOP;
END
$grant$;
