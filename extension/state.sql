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
