-- Privileges: a role without grants may read the state and call the read-only functions, but
-- can neither change the state nor write the state tables.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_privileges;
\c regress_privileges
CREATE EXTENSION migrate;
CREATE ROLE regress_migrate_reader;
CREATE ROLE regress_migrate_deployer;

SELECT migrate_add($m$-- revision: 001
-- down_revision: none
-- message: initial schema
-- migrate:upgrade
CREATE TABLE priv_orgs (id int);
-- migrate:downgrade
DROP TABLE priv_orgs;
$m$, '20260223_1800_001_initial_schema.sql');
SELECT revision FROM migrate_upgrade('head');

SET ROLE regress_migrate_reader;

-- Read-only functions work.
SELECT * FROM migrate_current();
SELECT revision, is_current FROM migrate_history();
SELECT revision FROM migrate_heads();
SELECT revision, is_applied FROM migrate_show('001');
SELECT migrate_check();
SELECT count(*) FROM migrate.version;

-- State-changing functions are refused.
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: sneaky
-- migrate:upgrade
SELECT 1;
$m$);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_downgrade('base');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_stamp('base');
\echo :LAST_ERROR_SQLSTATE

-- And the state tables cannot be written directly.
DELETE FROM migrate.version;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO migrate.revisions (revision, upgrade_sql, upgrade_line, checksum) VALUES ('x', '', 1, '');
\echo :LAST_ERROR_SQLSTATE
UPDATE migrate.log SET duration_ms = 0;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- A deploy role gets EXECUTE plus write access to the state; its migrations run as itself.
GRANT EXECUTE ON FUNCTION migrate_add(text, text), migrate_upgrade(text), migrate_downgrade(text)
  TO regress_migrate_deployer;
GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA migrate TO regress_migrate_deployer;
GRANT USAGE ON SEQUENCE migrate.log_id_seq TO regress_migrate_deployer;
GRANT CREATE ON SCHEMA public TO regress_migrate_deployer;
SET ROLE regress_migrate_deployer;
SELECT migrate_add($m$-- revision: 002
-- down_revision: 001
-- message: deployed
-- migrate:upgrade
CREATE TABLE priv_teams (id int);
-- migrate:downgrade
DROP TABLE priv_teams;
$m$, '20260223_1810_002_deployed.sql');
SELECT revision FROM migrate_upgrade('head');
SELECT tableowner FROM pg_tables WHERE tablename = 'priv_teams';
SELECT "session_user" = session_user AS logged_session_user FROM migrate.log WHERE revision = '002';
-- Its migrations cannot do what the role cannot.
SELECT migrate_add($m$-- revision: 003
-- down_revision: 002
-- message: too much
-- migrate:upgrade
DROP TABLE priv_orgs;
$m$, '20260223_1820_003_too_much.sql');
SELECT revision FROM migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM migrate_downgrade('001');
RESET ROLE;

SELECT revision FROM migrate_downgrade('base');
REVOKE CREATE ON SCHEMA public FROM regress_migrate_deployer;
DROP EXTENSION migrate;
DROP ROLE regress_migrate_reader;
DROP ROLE regress_migrate_deployer;
\c :regress_home
DROP DATABASE regress_privileges;
