-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION migrate" to load this file. \quit

-- State lives in schema migrate; the functions live in the extension's schema (by default the
-- first schema on search_path) so that `SELECT migrate_upgrade('head')` works from plain psql.
-- The build replaces the next line with state.sql, the DDL pgmigrate --no-extension also runs.
-- The state of migrate, in schema migrate: every uploaded revision, the applied head(s) and an
-- audit log of every step. This file is the one source of that DDL. The build puts it into the
-- extension's script (migrate--<version>.sql, which adds the functions) and into pgmigrate, which
-- runs it itself with --no-extension (managed databases that allow no C extension). Every
-- statement is idempotent, so the client can run it again on a database that has part of it;
-- inside CREATE EXTENSION, IF NOT EXISTS refuses an existing object the extension does not own.
CREATE SCHEMA IF NOT EXISTS migrate;
COMMENT ON SCHEMA migrate IS 'state of the migrate extension: revisions, applied version, audit log';

-- Every uploaded revision, parsed.
CREATE TABLE IF NOT EXISTS migrate.revisions (
    revision        text PRIMARY KEY CHECK (revision ~ '^[A-Za-z0-9_]{1,64}$'),
    down_revisions  text[] NOT NULL DEFAULT '{}',
    depends_on      text[] NOT NULL DEFAULT '{}',
    branch_labels   text[] NOT NULL DEFAULT '{}',
    message         text NOT NULL DEFAULT '',
    transactional   boolean NOT NULL DEFAULT true,
    lock_timeout    text,
    upgrade_sql     text NOT NULL,
    upgrade_line    integer NOT NULL,
    downgrade_sql   text,
    downgrade_line  integer,
    verify_sql      text,
    verify_line     integer,
    checksum        text NOT NULL,
    filename        text,
    uploaded_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    content         text
);
-- The file exactly as uploaded: the runner parses it again and checks it against checksum before
-- running any section, so what runs is what the checksum covers (the columns above are derived
-- from it, for queries). Tables made by migrate 0.1.0 lack it.
ALTER TABLE migrate.revisions ADD COLUMN IF NOT EXISTS content text;

-- The applied head(s), one row per head, like alembic_version.
CREATE TABLE IF NOT EXISTS migrate.version (
    revision text PRIMARY KEY REFERENCES migrate.revisions (revision)
);

-- Append-only audit of every step.
CREATE TABLE IF NOT EXISTS migrate.log (
    id               bigserial PRIMARY KEY,
    revision         text NOT NULL,
    direction        text NOT NULL,
    down_revision    text NOT NULL DEFAULT '',
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    duration_ms      double precision,
    "session_user"   name NOT NULL DEFAULT session_user,
    checksum         text,
    application_name text DEFAULT pg_catalog.current_setting('application_name'),
    lock_waits       jsonb,
    locks            jsonb,
    rewritten        text[]
);
-- Lock-safe apply and the lock trace (0.5.0): the lock waits a step's attempts timed out on, with
-- the sessions in the way; the relations the step held locks on, with the strongest mode; the
-- relations it rewrote (their relfilenode changed). Logs made by earlier releases lack them.
ALTER TABLE migrate.log ADD COLUMN IF NOT EXISTS lock_waits jsonb;
ALTER TABLE migrate.log ADD COLUMN IF NOT EXISTS locks jsonb;
ALTER TABLE migrate.log ADD COLUMN IF NOT EXISTS rewritten text[];
-- 'remove': a stored revision that was never applied, dropped from the store (migrate_remove).
ALTER TABLE migrate.log DROP CONSTRAINT IF EXISTS log_direction_check;
ALTER TABLE migrate.log ADD CONSTRAINT log_direction_check
    CHECK (direction IN ('upgrade', 'downgrade', 'stamp', 'remove'));

-- The session that holds the migration lock across commits: pgmigrate while it runs a
-- transactional: false revision outside a transaction (the lock itself, on migrate.version, ends
-- with each transaction). At most one row, written and removed under that lock; a row whose
-- session has ended holds nothing.
CREATE TABLE IF NOT EXISTS migrate.lock_holder (
    pid           integer NOT NULL,
    backend_start timestamptz,
    revision      text NOT NULL,
    since         timestamptz NOT NULL DEFAULT pg_catalog.now()
);

-- Reading the state needs no privilege beyond these (the sequence too, so that any role that may
-- read the state can pg_dump it). Writing it is the owner's: through the extension, the engine
-- writes as the state's owner, and callers need only EXECUTE on the state-changing functions.
GRANT USAGE ON SCHEMA migrate TO PUBLIC;
GRANT SELECT ON migrate.revisions, migrate.version, migrate.log, migrate.lock_holder TO PUBLIC;
GRANT SELECT ON SEQUENCE migrate.log_id_seq TO PUBLIC;

-- pg_dump + restore keeps the whole migration state (only possible inside CREATE EXTENSION).
SELECT pg_catalog.pg_extension_config_dump('migrate.revisions', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.version', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.log', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.log_id_seq', '');

-- Functions live in the extension's schema (unqualified here: CREATE EXTENSION puts them in
-- @extschema@), so `SELECT migrate_upgrade('head')` works from plain psql.
--
-- search_path: the read-only functions pin it in their declaration. The state-changing ones
-- (add, upgrade, downgrade, stamp) pin it internally instead: their bookkeeping runs with
-- `pg_catalog, pg_temp`, while the migration SQL they apply runs with the caller's search_path,
-- so that `CREATE TABLE agents` lands where `psql -f` would put it. A SET clause here would hide
-- the caller's search_path from them.

-- Parses one migration file and stores (or updates) its revision; returns the revision id.
CREATE FUNCTION migrate_add(content text, filename text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_add'
LANGUAGE C VOLATILE;

-- migrate_add for several files (parents first), with the same checks and rows, in a few queries:
-- the stored graph is checked once for all of them, not once per file (pgmigrate's upload).
CREATE FUNCTION migrate_add_all(contents text[], filenames text[])
RETURNS TABLE (revision text)
AS 'MODULE_PATHNAME', 'migrate_add_all'
LANGUAGE C VOLATILE;

-- Applies every revision up to target inside the caller's transaction; one row per step.
CREATE FUNCTION migrate_upgrade(target text DEFAULT 'head')
RETURNS TABLE (revision text, down_revision text, message text, duration_ms double precision)
AS 'MODULE_PATHNAME', 'migrate_upgrade'
LANGUAGE C VOLATILE ROWS 10;

-- Reverts applied revisions down to target; one row per step.
CREATE FUNCTION migrate_downgrade(target text)
RETURNS TABLE (revision text, down_revision text, message text, duration_ms double precision)
AS 'MODULE_PATHNAME', 'migrate_downgrade'
LANGUAGE C VOLATILE ROWS 10;

-- The same plans, committing after each revision, for long histories (one transaction over
-- thousands of revisions exhausts the lock table). CALL only outside a transaction block; a
-- rerun after an interruption continues from the last committed revision. NOTICEs report steps.
CREATE PROCEDURE migrate_upgrade_per_revision(target text DEFAULT 'head')
AS 'MODULE_PATHNAME', 'migrate_upgrade_per_revision'
LANGUAGE C;

CREATE PROCEDURE migrate_downgrade_per_revision(target text)
AS 'MODULE_PATHNAME', 'migrate_downgrade_per_revision'
LANGUAGE C;

-- Sets the version rows to target (several revisions: separated by commas or spaces) without
-- running any migration SQL.
CREATE FUNCTION migrate_stamp(target text, purge boolean DEFAULT false)
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_stamp'
LANGUAGE C VOLATILE;

-- Removes stored revisions that were never applied (several: separated by commas or spaces), so
-- that they can never be planned; an applied one is refused (its stored downgrade is what makes
-- rollback possible without the files). Returns the ids removed; each gets a 'remove' log row.
CREATE FUNCTION migrate_remove(rev text)
RETURNS TABLE (revision text, message text)
AS 'MODULE_PATHNAME', 'migrate_remove'
LANGUAGE C VOLATILE;

-- Records one step that pgmigrate ran itself (the statements of a transactional: false revision
-- cannot run inside a function): its version and log rows, written as the extension's owner like
-- every other step. Only the next step from the current version is accepted.
CREATE FUNCTION migrate_record(direction text, revision text, duration_ms double precision)
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_record'
LANGUAGE C VOLATILE;

-- The same with the step's lock waits (jsonb text) and lock trace, for migrate.log (0.5.0).
CREATE FUNCTION migrate_record(direction text, revision text, duration_ms double precision,
                               lock_waits text, locks text, rewritten text[])
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_record'
LANGUAGE C VOLATILE;

-- Takes the migration lock (a lock on migrate.version that only the state's owner may take, taken
-- as that owner) for the rest of the transaction, as every state-changing function does first.
-- pgmigrate calls it with nowait inside a savepoint, to say whom it waits for while it waits.
CREATE FUNCTION migrate_lock(nowait boolean DEFAULT false)
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_lock'
LANGUAGE C VOLATILE;

-- Holds the lock across the commits around a transactional: false revision that pgmigrate runs
-- itself: until this session records it (migrate_record) or ends, other migrators are refused.
CREATE FUNCTION migrate_hold_lock(revision text)
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_hold_lock'
LANGUAGE C VOLATILE;

-- The applied revisions (the version rows).
CREATE FUNCTION migrate_current()
RETURNS TABLE (revision text, is_head boolean, message text)
AS 'MODULE_PATHNAME', 'migrate_current'
LANGUAGE C STABLE ROWS 1
SET search_path = pg_catalog, pg_temp;

-- The heads of the stored revision graph.
CREATE FUNCTION migrate_heads()
RETURNS TABLE (revision text, branch_labels text[], message text, is_current boolean)
AS 'MODULE_PATHNAME', 'migrate_heads'
LANGUAGE C STABLE ROWS 1
SET search_path = pg_catalog, pg_temp;

-- The branch points of the stored revision graph.
CREATE FUNCTION migrate_branches()
RETURNS TABLE (revision text, branches_into text[], message text)
AS 'MODULE_PATHNAME', 'migrate_branches'
LANGUAGE C STABLE ROWS 1
SET search_path = pg_catalog, pg_temp;

-- The whole graph, newest first, with applied/current flags; entry is Alembic's history line
-- (or its verbose block).
CREATE FUNCTION migrate_history(verbose boolean DEFAULT false)
RETURNS TABLE (revision text, down_revision text, message text, is_head boolean,
               is_branch_point boolean, is_merge_point boolean, is_applied boolean,
               is_current boolean, entry text)
AS 'MODULE_PATHNAME', 'migrate_history'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;

-- One revision in full (several for a target such as 'heads').
CREATE FUNCTION migrate_show(rev text)
RETURNS TABLE (revision text, down_revisions text[], depends_on text[], branch_labels text[],
               message text, filename text, checksum text, transactional boolean,
               lock_timeout text, upgrade_sql text, downgrade_sql text, verify_sql text,
               is_applied boolean, entry text)
AS 'MODULE_PATHNAME', 'migrate_show'
LANGUAGE C STABLE ROWS 1
SET search_path = pg_catalog, pg_temp;

-- What lint (the rules under squawk's names, graded by this database's catalog) says of the
-- revisions `migrate_upgrade(target)` would apply, in order; a target applied already: its own.
-- No SET search_path: table names resolve as the migrations' would (the engine pins its own).
CREATE FUNCTION migrate_lint(target text DEFAULT 'heads')
RETURNS TABLE (revision text, line integer, rule text, level text, message text, help text,
               catalog text, waived text)
AS 'MODULE_PATHNAME', 'migrate_lint'
LANGUAGE C STABLE;

-- The SQL that upgrade or downgrade to target would run, version bookkeeping included.
CREATE FUNCTION migrate_script(command text, target text)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_script'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;

-- Raises 'Target database is not up to date.' unless the version rows are the head(s).
CREATE FUNCTION migrate_check()
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_check'
LANGUAGE C STABLE
SET search_path = pg_catalog, pg_temp;

-- Changing the state is a privilege: grant EXECUTE on these to the roles that deploy, and nothing
-- else: these functions write the state tables as the extension's owner (the caller needs no
-- write right on them), while the migration SQL they apply runs as the caller.
REVOKE EXECUTE ON FUNCTION migrate_add(text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION migrate_add_all(text[], text[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION migrate_upgrade(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION migrate_downgrade(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION migrate_stamp(text, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION migrate_remove(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION migrate_record(text, text, double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION migrate_record(text, text, double precision, text, text, text[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION migrate_lock(boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION migrate_hold_lock(text) FROM PUBLIC;
REVOKE EXECUTE ON PROCEDURE migrate_upgrade_per_revision(text) FROM PUBLIC;
REVOKE EXECUTE ON PROCEDURE migrate_downgrade_per_revision(text) FROM PUBLIC;

-- A role that may create objects in this schema can put a function beside these that takes their
-- name (an overload of migrate_upgrade with one more defaulted argument makes every call
-- ambiguous; an exact match can run in place of one): say so at install time. pgmigrate refuses
-- to call into a schema holding such a function (naming it).
DO $check$
DECLARE
    creators text;
BEGIN
    SELECT pg_catalog.string_agg(CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                                      ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,
                                 ', ' ORDER BY 1)
      INTO creators
      FROM pg_catalog.pg_namespace n,
           pg_catalog.aclexplode(COALESCE(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) a
     WHERE n.nspname OPERATOR(pg_catalog.=) pg_catalog.current_schema()
       AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'
       AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner;
    IF creators IS NOT NULL THEN
        RAISE WARNING 'roles other than its owner may create objects in schema %, where migrate''s functions are: %',
                      pg_catalog.current_schema(), creators
            USING DETAIL = 'A function they create there under a name of migrate''s can make its calls ambiguous or run in their place.',
                  HINT = 'Revoke that right (REVOKE CREATE ON SCHEMA ... FROM PUBLIC), or install migrate in a schema of its own (CREATE EXTENSION migrate SCHEMA ...).';
    END IF;
END
$check$;
