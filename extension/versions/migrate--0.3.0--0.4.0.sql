-- migrate 0.3.0 -> 0.4.0: pgmigrate uploads a directory in one call whose graph check runs once
-- (migrate_add looks for revisions naming each file it stores: quadratic over a fresh directory).
\echo Use "ALTER EXTENSION migrate UPDATE" to load this file. \quit

CREATE FUNCTION migrate_add_all(contents text[], filenames text[])
RETURNS TABLE (revision text)
AS 'MODULE_PATHNAME', 'migrate_add_all'
LANGUAGE C VOLATILE;
REVOKE EXECUTE ON FUNCTION migrate_add_all(text[], text[]) FROM PUBLIC;

-- Whoever may upload one file may upload several.
DO $grant$
DECLARE
    grantee_row record;
BEGIN
    FOR grantee_row IN
        SELECT DISTINCT a.grantee
        FROM pg_catalog.pg_proc p
        CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) a
        WHERE p.oid OPERATOR(pg_catalog.=) 'migrate_add(text, text)'::pg_catalog.regprocedure
          AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
          AND a.grantee OPERATOR(pg_catalog.<>) p.proowner
          AND a.grantee OPERATOR(pg_catalog.<>) 0
    LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION migrate_add_all(text[], text[]) TO %I',
                                  pg_catalog.pg_get_userbyid(grantee_row.grantee));
    END LOOP;
END
$grant$;
