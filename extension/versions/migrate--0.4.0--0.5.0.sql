-- migrate 0.4.0 -> 0.5.0: the audit log records each step's lock waits (lock-safe apply's retries
-- and the sessions in the way) and its lock trace (relations locked, relations rewritten).
\echo Use "ALTER EXTENSION migrate UPDATE" to load this file. \quit

ALTER TABLE migrate.log ADD COLUMN lock_waits jsonb;
ALTER TABLE migrate.log ADD COLUMN locks jsonb;
ALTER TABLE migrate.log ADD COLUMN rewritten text[];
