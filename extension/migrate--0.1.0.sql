-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION migrate" to load this file. \quit

-- State lives in schema migrate; the functions live in the extension's schema (by default the
-- first schema on search_path) so that `SELECT migrate_upgrade('head')` works from plain psql.
CREATE SCHEMA migrate;
COMMENT ON SCHEMA migrate IS 'state of the migrate extension: revisions, applied version, audit log';

-- Every uploaded revision, parsed.
CREATE TABLE migrate.revisions (
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
    uploaded_at     timestamptz NOT NULL DEFAULT pg_catalog.now()
);

-- The applied head(s), one row per head, like alembic_version.
CREATE TABLE migrate.version (
    revision text PRIMARY KEY REFERENCES migrate.revisions (revision)
);

-- Append-only audit of every step.
CREATE TABLE migrate.log (
    id               bigserial PRIMARY KEY,
    revision         text NOT NULL,
    direction        text NOT NULL CHECK (direction IN ('upgrade', 'downgrade', 'stamp')),
    down_revision    text NOT NULL DEFAULT '',
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    duration_ms      double precision,
    session_user     name NOT NULL DEFAULT session_user,
    checksum         text,
    application_name text DEFAULT pg_catalog.current_setting('application_name')
);

SELECT pg_catalog.pg_extension_config_dump('migrate.revisions', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.version', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.log', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.log_id_seq', '');

-- FUNCTIONS: declared by the extension helper (see extension/README or functions.cpp).
