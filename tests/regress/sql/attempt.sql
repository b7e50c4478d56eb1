-- Lock-safe apply's attempt is one subtransaction around the whole plan, not one per revision: a
-- plan of 100 revisions in one transaction assigns one subtransaction id (the attempt's), far under
-- the backend's cache of 64, which, once overflowed, slows every other session's snapshots.
-- Counted from the transaction id counter, so this test runs alone in its schedule group.
-- A database of its own (dropped at the end), so that nothing left behind reaches another test.
\set regress_home :DBNAME
CREATE DATABASE regress_attempt;
\c regress_attempt
CREATE EXTENSION migrate;
DO $$
BEGIN
    FOR i IN 1..100 LOOP
        PERFORM migrate_add(format(E'-- revision: r%s\n-- down_revision: %s\n-- message: t%s\n'
                                   '-- migrate:upgrade\nCREATE TABLE t%s (id bigint PRIMARY KEY);\n'
                                   '-- migrate:downgrade\nDROP TABLE t%s;\n',
                                   i, CASE WHEN i = 1 THEN 'none' ELSE 'r' || (i - 1) END, i, i, i),
                            format('20260101_%s_r%s.sql', lpad(i::text, 4, '0'), i));
    END LOOP;
END
$$;
SET client_min_messages = warning;
BEGIN;
SELECT pg_current_xact_id() AS before_xid \gset
SELECT count(*) AS steps FROM migrate_upgrade('head');
COMMIT;
-- The ids assigned in between: the transaction's subtransactions, one (an autovacuum ANALYZE in
-- the meantime could take one more; one per revision would be 100).
SELECT pg_current_xact_id()::text::bigint - :'before_xid'::text::bigint - 1 < 10 AS far_fewer_than_one_per_revision;
SELECT count(*) AS applied FROM migrate.log WHERE direction = 'upgrade';
\c :regress_home
DROP DATABASE regress_attempt;
