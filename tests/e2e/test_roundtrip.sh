#!/usr/bin/env bash
# e2e_noext
# pgmigrate test: the up/down round trip on a scratch database, which catches a downgrade that
# does not undo its upgrade; the scratch database is always dropped.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
cp -r "$E2E_SOURCE_DIR/migrations" migrations
ADMIN="$BASE_URL/postgres"
# scratch_left: whether the scratch database the last run created (named in its stderr) still
# exists. By name, not by counting: the client-mode run of this script shares the cluster.
scratch_left() {
	local name
	name=$(sed -n 's/^Created scratch database //p' <<<"$ERR")
	[[ -n $name ]] || { echo "no scratch database named"; return; }
	sql "$ADMIN" "SELECT count(*) FROM pg_database WHERE datname = '$name'"
}

pgm -d "$ADMIN" test
expect_rc 0 "the example project round-trips"
expect_out_has "Running upgrade 002 -> 003, fact supersession"
expect_out_has "Running downgrade 001 -> , initial schema"
expect_out_has "OK: 4 revisions upgraded one at a time; 4 downgrades restored the schema exactly"
expect_eq 0 "$(scratch_left)" "scratch database dropped"

# The example up to head, down to base and up again in a database of this script (in client mode
# the plain role's), and at head it is schema/ (check --schema introspects both through the
# catalogs, as autogenerate does). ctest -L pgmajors runs this on every major.
EX=$(new_db example)
for step in "upgrade head" "downgrade base" "upgrade head"; do
	pgm -d "$EX" $step
	expect_rc 0 "the example: $step"
	if [[ $step == "downgrade base" ]]; then
		expect_eq "0|0" "$(sql "$EX" "SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace),
			(SELECT count(*) FROM pg_proc p WHERE pronamespace = 'public'::regnamespace AND NOT EXISTS
			 (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e'))")" "nothing of the example left at base"
	fi
done
pgm -d "$EX" check --schema "$E2E_SOURCE_DIR/schema" --shadow-url "$ADMIN"
expect_rc 0 "the example at head is at head and is schema/"
expect_out "No pending upgrades"

# a downgrade that forgets to drop a column
mkdir forgetful
linear_project forgetful
rev forgetful/20260101_0001_002_add_b.sql 002 001 "add b" "ALTER TABLE t1 ADD COLUMN b text;" "SELECT 1;"
pgm -d "$ADMIN" --dir forgetful test
expect_rc 1 "test catches the forgotten DROP COLUMN"
expect_err_has "FAILED: the downgrade of revision 002 does not restore the schema from before its upgrade"
expect_err_has "+ column public.t1.b text"
expect_err_has "20260101_0001_002_add_b.sql"
expect_eq 0 "$(scratch_left)" "scratch database dropped after a failure"
pgm -d "$ADMIN" --dir forgetful --json test
expect_rc 1
expect_eq "002" "$(json '{failed_revision}')" "--json failed_revision"

# an index left behind, a type left behind
linear_project leaky
rev leaky/20260101_0002_003_create_t3.sql 003 002 "create t3" "CREATE TABLE t3 (id int); CREATE TYPE mood AS ENUM ('a', 'b');" "DROP TABLE t3;"
pgm -d "$ADMIN" --dir leaky test
expect_rc 1 "a type left behind"
expect_err_has "+ type public.mood e 'a','b'"

# an irreversible revision stops the downgrade checks without failing
linear_project oneway
rev oneway/20260101_0000_001_create_t1.sql 001 none "create t1" "CREATE TABLE t1 (id int PRIMARY KEY);"
pgm -d "$ADMIN" --dir oneway test
expect_rc 0 "irreversible base revision"
expect_out_has "stopped at irreversible revision 001"

# a given scratch database is used and kept
SCRATCH=$(new_db scratch)
pgm -d "$ADMIN" test --scratch-url "$SCRATCH"
expect_rc 0 "--scratch-url"
expect_eq "0" "$(sql "$SCRATCH" "SELECT count(*) FROM migrate.version")" "scratch back at base"

# a non-transactional revision round-trips too
linear_project nontx
rev nontx/20260101_0003_004_index.sql 004 003 "index" "CREATE INDEX CONCURRENTLY t3_id_idx ON t3 (id);" \
	"DROP INDEX CONCURRENTLY t3_id_idx;" "-- transactional: false"
pgm -d "$ADMIN" --dir nontx test
expect_rc 0 "test with a transactional: false revision"

finish
