#!/usr/bin/env bash
# e2e_noext
# upgrade, downgrade, current, history -i, check, stamp against a database, every target form,
# Alembic's words and exit codes.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
linear_project migrations
URL=$(new_db main)

pgm -d "$URL" current
expect_rc 0 "current at base"
expect_out ""
pgm -d "$URL" check
expect_rc 1 "check at base"
expect_err_has "FAILED: Target database is not up to date."

pgm -d "$URL" upgrade head
expect_rc 0 "upgrade head"
expect_out "$(printf 'Running upgrade  -> 001, create t1\nRunning upgrade 001 -> 002, add b\nRunning upgrade 002 -> 003, create t3')"
expect_eq "003" "$(sql "$URL" "SELECT revision FROM migrate.version")" "version row"
expect_eq "3" "$(sql "$URL" "SELECT count(*) FROM migrate.log WHERE direction = 'upgrade'")" "log rows"
expect_eq "pgmigrate" "$(sql "$URL" "SELECT DISTINCT application_name FROM migrate.log")" "application_name"
pgm -d "$URL" current
expect_out "003 (head)"
pgm -d "$URL" check
expect_rc 0 "check at head"
expect_out "No pending upgrades"
pgm -d "$URL" upgrade head
expect_rc 0 "upgrade at head is a no-op"
expect_out ""

pgm -d "$URL" history --indicate-current
expect_out "$(printf '002 -> 003 (head) (current), create t3\n001 -> 002, add b\n<base> -> 001, create t1')"

# relative and partial targets
pgm -d "$URL" downgrade -1
expect_rc 0 "downgrade -1"
expect_out "Running downgrade 003 -> 002, create t3"
pgm -d "$URL" downgrade -2
expect_out "$(printf 'Running downgrade 002 -> 001, add b\nRunning downgrade 001 -> , create t1')"
pgm -d "$URL" current
expect_out ""
pgm -d "$URL" downgrade -1
expect_rc 1 "downgrade -1 at base"
expect_err_has "Relative revision -1 didn't produce 1 migrations"
pgm -d "$URL" upgrade +2
expect_out "$(printf 'Running upgrade  -> 001, create t1\nRunning upgrade 001 -> 002, add b')"
pgm -d "$URL" upgrade +5
expect_rc 1 "upgrade +5"
expect_err_has "Relative revision +5 didn't produce 5 migrations"
pgm -d "$URL" downgrade 001
expect_out "Running downgrade 002 -> 001, add b"
pgm -d "$URL" upgrade head-1
expect_out "Running upgrade 001 -> 002, add b"
pgm -d "$URL" upgrade 003
expect_rc 0 "an exact id"
expect_out "Running upgrade 002 -> 003, create t3"
pgm -d "$URL" downgrade base
expect_rc 0 "downgrade base"
expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM migrate.version")" "no version rows"
expect_eq "" "$(sql "$URL" "SELECT to_regclass('t1')")" "t1 dropped"
pgm -d "$URL" upgrade 001+1
expect_out_has "Running upgrade 001 -> 002, add b"
pgm -d "$URL" upgrade nothere
expect_rc 1 "unknown target"
expect_err_has "FAILED: Can't locate revision identified by 'nothere'"
pgm -d "$URL" upgrade heads
expect_rc 0 "upgrade heads"
pgm -d "$URL" upgrade 001:003
expect_rc 1 "a range online"
expect_err_has "Range revision not allowed"

# stamp
pgm -d "$URL" stamp 001
expect_rc 0 "stamp 001"
expect_out "Running stamp_revision 003 -> 001"
expect_eq "yes" "$(sql "$URL" "SELECT CASE WHEN to_regclass('t3') IS NOT NULL THEN 'yes' END")" "stamp runs no SQL"
pgm -d "$URL" current
expect_out "001"
pgm -d "$URL" stamp head
expect_out "Running stamp_revision 001 -> 003"
pgm -d "$URL" stamp base
expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM migrate.version")" "stamp base"
pgm -d "$URL" stamp head
sql "$URL" "INSERT INTO migrate.revisions (revision, upgrade_sql, upgrade_line, checksum) VALUES ('zzz', 'SELECT 1', 1, 'x'); INSERT INTO migrate.version VALUES ('zzz')" >/dev/null
pgm -d "$URL" stamp --purge 002
expect_rc 0 "stamp --purge"
expect_eq "002" "$(sql "$URL" "SELECT string_agg(revision, ',') FROM migrate.version")" "purged to 002"
sql "$URL" "DELETE FROM migrate.revisions WHERE revision = 'zzz'" >/dev/null
pgm -d "$URL" stamp heads
expect_rc 0

# the database is the truth: current works without the files (Alembic cannot)
mkdir empty
pgm -d "$URL" --dir empty current
expect_rc 0 "current from an empty directory"
expect_out_has "003"
cd empty
pgm -d "$URL" current
cd ..
expect_rc 0 "current with no migrations directory"
expect_out "003 (head)"
expect_err_has "No migrations directory"

# --verbose, show current, JSON
pgm -d "$URL" current --verbose
expect_out_has "Current revision(s) for $URL:"
expect_out_has "Rev: 003 (head) (current)"
pgm -d "$URL" --json current
expect_eq "003" "$(json '{current,0,revision}')" "--json current"
expect_eq "true" "$(json '{current,0,is_head}')" "--json current is_head"
pgm -d "$URL" --json downgrade -1
expect_rc 0
expect_eq "003" "$(json '{steps,0,revision}')" "--json downgrade step"
expect_eq "002" "$(json '{current,0}')" "--json downgrade current"
expect_err_has "Running downgrade 003 -> 002"
pgm -d "$URL" --json check
expect_rc 1 "--json check"
expect_eq "false" "$(json '{up_to_date}')" "--json up_to_date"
expect_eq "Target database is not up to date." "$(json '{error,message}')" "--json error"
expect_eq "55000" "$(json '{error,sqlstate}')" "--json sqlstate"
pgm -q -d "$URL" upgrade head
expect_rc 0 "-q"
expect_out ""

# DATABASE_URL and global options after the command
DATABASE_URL="$URL" pgm current
expect_out "003 (head)"
pgm current -d "$URL"
expect_out "003 (head)"

# a failing step: nothing stays, the error names revision, direction and line
rev migrations/20260101_0003_004_broken.sql 004 003 "broken" "CREATE TABLE t4 (id int);
SELECT 1;
INSERT INTO nowhere VALUES (1);" "DROP TABLE t4;"
pgm -d "$URL" upgrade head
expect_rc 1 "failing step"
expect_err_has 'FAILED: relation "nowhere" does not exist'
expect_err_has "revision 004 (upgrade)"
expect_err_has "line 8"
expect_err_has "SQLSTATE: 42P01"
expect_eq "" "$(sql "$URL" "SELECT to_regclass('t4')")" "nothing of 004 stays"
expect_eq "003" "$(sql "$URL" "SELECT revision FROM migrate.version")" "version unchanged"
rm migrations/20260101_0003_004_broken.sql

finish
