-- migrate 0.4.0 -> 0.5.0: the audit log records each step's lock waits (lock-safe apply's retries
-- and the sessions in the way) and its lock trace (relations locked, relations rewritten).
\echo Use "ALTER EXTENSION migrate UPDATE" to load this file. \quit

ALTER TABLE migrate.log ADD COLUMN lock_waits jsonb;
ALTER TABLE migrate.log ADD COLUMN locks jsonb;
ALTER TABLE migrate.log ADD COLUMN rewritten text[];

-- The same with the step's lock waits (jsonb text) and lock trace, for migrate.log (0.5.0).
CREATE FUNCTION migrate_record(direction text, revision text, duration_ms double precision,
                               lock_waits text, locks text, rewritten text[])
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_record'
LANGUAGE C VOLATILE;
REVOKE EXECUTE ON FUNCTION migrate_record(text, text, double precision, text, text, text[]) FROM PUBLIC;

-- Whoever may record a step may record it with its trace.
DO $grant$
DECLARE
    grantee_row record;
BEGIN
    FOR grantee_row IN
        SELECT DISTINCT a.grantee
        FROM pg_catalog.pg_proc p
        CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) a
        WHERE p.oid OPERATOR(pg_catalog.=) 'migrate_record(text, text, double precision)'::pg_catalog.regprocedure
          AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
          AND a.grantee OPERATOR(pg_catalog.<>) p.proowner
          AND a.grantee OPERATOR(pg_catalog.<>) 0
    LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION migrate_record(text, text, double precision, text, text, text[]) TO %I',
                                  pg_catalog.pg_get_userbyid(grantee_row.grantee));
    END LOOP;
END
$grant$;

-- What lint (the rules under squawk's names, graded by this database's catalog) says of the
-- revisions `migrate_upgrade(target)` would apply, in order; a target applied already: its own.
-- No SET search_path: table names resolve as the migrations' would (the engine pins its own).
CREATE FUNCTION migrate_lint(target text DEFAULT 'heads')
RETURNS TABLE (revision text, line integer, rule text, level text, message text, help text,
               catalog text, waived text)
AS 'MODULE_PATHNAME', 'migrate_lint'
LANGUAGE C STABLE;
