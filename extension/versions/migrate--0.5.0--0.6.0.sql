-- migrate 0.5.0 -> 0.6.0: migrate.summary, the engine's summary of the stored revisions, which a
-- deploy with nothing to do compares its files with (see migrate--0.6.0.sql). It starts empty: the
-- engine's next upload or removal writes it, and until then pgmigrate reads the revisions.
\echo Use "ALTER EXTENSION migrate UPDATE" to load this file. \quit

CREATE TABLE migrate.summary (
    revisions bigint NOT NULL,
    digest    text NOT NULL
);
GRANT SELECT ON migrate.summary TO PUBLIC;
CREATE FUNCTION migrate.forget_summary() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $forget$
BEGIN
    DELETE FROM migrate.summary;
    RETURN NULL;
END
$forget$;
REVOKE EXECUTE ON FUNCTION migrate.forget_summary() FROM PUBLIC;
CREATE TRIGGER forget_summary AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON migrate.revisions
    FOR EACH STATEMENT EXECUTE FUNCTION migrate.forget_summary();
