#!/usr/bin/env bash
# e2e_noext
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
expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM migrate.lock_holder")" "no hold left behind"

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
expect_err_has "$(printf '  Committed before the failure: 001, 002, 003\n  The database is now at 003.')"
pgm -d "$PER" --dir per upgrade head
expect_rc 1 "one transaction: all or nothing"
expect_eq "003" "$(sql "$PER" "SELECT revision FROM migrate.version")" "still 003"
expect_nowhere "Committed before the failure"
# A plan mixing transactional: false revisions is not all-or-nothing: a later failure says which
# revisions stayed committed and where the database is now.
MIX=$(new_db mix)
mkdir mix
rev mix/20260101_0000_001_create_t1.sql 001 none "create t1" "CREATE TABLE t1 (id int PRIMARY KEY, b text);" "DROP TABLE t1;
SELECT 1/0;"
rev mix/20260101_0001_002_t2.sql 002 001 "t2" "CREATE TABLE t2 (id int);" "DROP TABLE t2;"
rev mix/20260101_0002_003_index.sql 003 002 "index" "CREATE INDEX CONCURRENTLY t1_b_idx ON t1 (b);" \
	"DROP INDEX CONCURRENTLY t1_b_idx;" "-- transactional: false"
rev mix/20260101_0003_004_fails.sql 004 003 "fails" "CREATE TABLE t4 (id int);
SELECT 1/0;" "DROP TABLE t4;"
pgm -d "$MIX" --dir mix upgrade 001
expect_rc 0
pgm -d "$MIX" --dir mix upgrade head
expect_rc 1 "a failure after a transactional: false revision"
expect_err_has "FAILED: division by zero"
expect_err_has "$(printf '  Committed before the failure: 002, 003 (transactional: false)\n  The database is now at 003.')"
expect_eq "003" "$(sql "$MIX" "SELECT revision FROM migrate.version")" "at 003, as reported"
expect_eq "" "$(sql "$MIX" "SELECT to_regclass('t4')")" "004 rolled back"
pgm -d "$MIX" --dir mix --json upgrade head
expect_rc 1
expect_eq "" "$(json '{error,items}')" "a rerun that commits nothing reports nothing committed"
# downgrades likewise: 004 commits before 003 (transactional: false) runs, which commits on its own;
# 002 rolls back with 001, whose downgrade fails
rev mix/20260101_0003_004_fails.sql 004 003 "fails" "CREATE TABLE t4 (id int);" "DROP TABLE t4;"
pgm -d "$MIX" --dir mix upgrade head
expect_rc 0
pgm -d "$MIX" --dir mix --json downgrade base
expect_rc 1 "a failing downgrade after a transactional: false one"
expect_eq "The database is now at 002." "$(json '{error,items,1}')" "--json: the items"
expect_err_has "$(printf '  Committed before the failure: 004 (downgrade), 003 (downgrade, transactional: false)\n  The database is now at 002.')"
expect_eq "002" "$(sql "$MIX" "SELECT revision FROM migrate.version")" "at 002, as reported"

pgm -d "$PER" --dir per downgrade base --transaction-per-revision
expect_rc 0 "per-revision downgrade"
expect_eq "0" "$(sql "$PER" "SELECT count(*) FROM migrate.version")" "at base"

finish
