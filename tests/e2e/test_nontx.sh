#!/usr/bin/env bash
# transactional: false revisions (CREATE INDEX CONCURRENTLY) run statement by statement outside
# a transaction block; --transaction-per-revision commits after each revision.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
linear_project migrations
rev migrations/20260101_0003_004_index.sql 004 003 "index concurrently" \
	"CREATE INDEX CONCURRENTLY t1_b_idx ON t1 (b);
-- a comment; with a semicolon
CREATE INDEX CONCURRENTLY t3_id_idx ON t3 (id);" \
	"DROP INDEX CONCURRENTLY t3_id_idx;
DROP INDEX CONCURRENTLY t1_b_idx;" "-- transactional: false
-- lock_timeout: 2s"
rev migrations/20260101_0004_005_after.sql 005 004 "after" "CREATE TABLE t5 (id int);" "DROP TABLE t5;"
URL=$(new_db main)

pgm -d "$URL" upgrade head
expect_rc 0 "upgrade through a transactional: false revision"
expect_out "$(printf 'Running upgrade  -> 001, create t1\nRunning upgrade 001 -> 002, add b\nRunning upgrade 002 -> 003, create t3\nRunning upgrade 003 -> 004, index concurrently\nRunning upgrade 004 -> 005, after')"
expect_eq "true,true" "$(sql "$URL" "SELECT string_agg(indisvalid::text, ',') FROM pg_index WHERE indexrelid IN ('t1_b_idx'::regclass, 't3_id_idx'::regclass)")" "both indexes built and valid"
expect_eq "005" "$(sql "$URL" "SELECT revision FROM migrate.version")" "version"
expect_eq "5" "$(sql "$URL" "SELECT count(*) FROM migrate.log WHERE direction = 'upgrade'")" "a log row per step"
expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()")" "no lock left behind"

pgm -d "$URL" downgrade 003
expect_rc 0 "downgrade through it"
expect_out "$(printf 'Running downgrade 005 -> 004, after\nRunning downgrade 004 -> 003, index concurrently')"
expect_eq "" "$(sql "$URL" "SELECT to_regclass('t1_b_idx')")" "index dropped"

# the extension alone refuses it, with a hint to use pgmigrate
if [[ -z $NOEXT ]]; then
	sql "$URL" "SELECT * FROM migrate_upgrade('head')" >/dev/null 2>"$WORK/psql.err"
	grep -q "pgmigrate" "$WORK/psql.err" && pass || fail "migrate_upgrade() refuses transactional: false: $(cat "$WORK/psql.err")"
fi

# --sql: the script leaves the transaction for it
pgm upgrade 003:004 --sql
expect_rc 0
expect_out_has "COMMIT;"
expect_out_has "CREATE INDEX CONCURRENTLY t1_b_idx ON t1 (b);"

# a failure half-way: what ran stays, the version stays at the last completed revision
rev migrations/20260101_0003_004_index.sql 004 003 "index concurrently" \
	"CREATE INDEX CONCURRENTLY IF NOT EXISTS t1_b_idx ON t1 (b);
CREATE INDEX CONCURRENTLY t3_id_idx ON t3 (nope);" \
	"DROP INDEX CONCURRENTLY IF EXISTS t3_id_idx;
DROP INDEX CONCURRENTLY IF EXISTS t1_b_idx;" "-- transactional: false"
pgm -d "$URL" upgrade head
expect_rc 1 "a failing statement"
expect_err_has 'FAILED: column "nope" does not exist'
expect_err_has "revision 004 (upgrade)"
expect_err_has "line 8"
expect_err_has "1 of its statements ran before this one and stay committed"
expect_eq "003" "$(sql "$URL" "SELECT revision FROM migrate.version")" "version stays at 003"
expect_eq "t1_b_idx" "$(sql "$URL" "SELECT to_regclass('t1_b_idx')")" "the statement before it stays"
rev migrations/20260101_0003_004_index.sql 004 003 "index concurrently" \
	"CREATE INDEX CONCURRENTLY IF NOT EXISTS t1_b_idx ON t1 (b);
CREATE INDEX CONCURRENTLY t3_id_idx ON t3 (id);" \
	"DROP INDEX CONCURRENTLY IF EXISTS t3_id_idx;
DROP INDEX CONCURRENTLY IF EXISTS t1_b_idx;" "-- transactional: false"
pgm -d "$URL" upgrade head
expect_rc 0 "rerun after the fix"
expect_eq "005" "$(sql "$URL" "SELECT revision FROM migrate.version")" "version at head"

# --transaction-per-revision: a failure keeps the revisions before it
PER=$(new_db per)
linear_project per
rev per/20260101_0003_004_fail.sql 004 003 "fails" "SELECT 1/0;" "SELECT 1;"
pgm -d "$PER" --dir per upgrade head --transaction-per-revision
expect_rc 1 "per-revision run with a failing revision"
expect_err_has "division by zero"
expect_eq "003" "$(sql "$PER" "SELECT revision FROM migrate.version")" "committed up to 003"
pgm -d "$PER" --dir per upgrade head
expect_rc 1 "one transaction: all or nothing"
expect_eq "003" "$(sql "$PER" "SELECT revision FROM migrate.version")" "still 003"
pgm -d "$PER" --dir per downgrade base --transaction-per-revision
expect_rc 0 "per-revision downgrade"
expect_eq "0" "$(sql "$PER" "SELECT count(*) FROM migrate.version")" "at base"

finish
