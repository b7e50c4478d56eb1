#!/usr/bin/env bash
# e2e_noext
# --sql: the script from the files alone (or reading only the current version), applied with
# psql, gives the same schema, version rows and revisions as the online commands.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
cp -r "$E2E_SOURCE_DIR/migrations" migrations
rm -f migrations/README.md
ONLINE=$(new_db online)
OFFLINE=$(new_db offline)

# upgrade head: online vs psql -f of the offline script
pgm -d "$ONLINE" upgrade head
expect_rc 0 "online upgrade head"
pgm upgrade head --sql
expect_rc 0 "upgrade head --sql without a database"
printf '%s\n' "$OUT" >up.sql
grep -q '^BEGIN;$' up.sql && grep -q '^COMMIT;$' up.sql && pass || fail "BEGIN; ... COMMIT;"
grep -q '^-- Running upgrade  -> 001, initial schema$' up.sql && pass || fail "-- Running upgrade comments"
"$PSQL" -Xq -v ON_ERROR_STOP=1 -f up.sql "$OFFLINE" >psql.out 2>&1 && pass || fail "psql -f up.sql: $(cat psql.out)"
expect_same_schema "$ONLINE" "$OFFLINE" "schema after upgrade head"
q="SELECT string_agg(revision, ',' ORDER BY revision) FROM migrate.version"
expect_eq "$(sql "$ONLINE" "$q")" "$(sql "$OFFLINE" "$q")" "version rows after upgrade head"
q="SELECT string_agg(revision || ':' || checksum, ',' ORDER BY revision) FROM migrate.revisions"
expect_eq "$(sql "$ONLINE" "$q")" "$(sql "$OFFLINE" "$q")" "stored revisions"
q="SELECT string_agg(revision || ':' || direction, ',' ORDER BY id) FROM migrate.log"
expect_eq "$(sql "$ONLINE" "$q")" "$(sql "$OFFLINE" "$q")" "log rows"
# the online client sees the offline database as up to date
pgm -d "$OFFLINE" check
expect_rc 0 "check after the offline script"

# downgrade -1 --sql with a database: reads the current version, changes nothing
before=$(sql "$OFFLINE" "SELECT count(*) FROM migrate.log")
pgm -d "$OFFLINE" downgrade -1 --sql
expect_rc 0 "downgrade -1 --sql with a database"
printf '%s\n' "$OUT" >down1.sql
grep -q '^-- Running downgrade 004 -> 003, row level security for the application role, not the owner$' down1.sql &&
	pass || fail "downgrade -1 script"
expect_eq "$before" "$(sql "$OFFLINE" "SELECT count(*) FROM migrate.log")" "--sql changes nothing"
expect_eq "004" "$(sql "$OFFLINE" "SELECT revision FROM migrate.version")" "--sql leaves the version"
pgm -d "$ONLINE" downgrade -1
"$PSQL" -Xq -v ON_ERROR_STOP=1 -f down1.sql "$OFFLINE" >psql.out 2>&1 && pass || fail "psql -f down1.sql: $(cat psql.out)"
expect_same_schema "$ONLINE" "$OFFLINE" "schema after downgrade -1"

# a range, from the files alone
pgm downgrade 003:base --sql
expect_rc 0 "downgrade 003:base --sql"
printf '%s\n' "$OUT" >down2.sql
pgm -d "$ONLINE" downgrade base
"$PSQL" -Xq -v ON_ERROR_STOP=1 -f down2.sql "$OFFLINE" >psql.out 2>&1 && pass || fail "psql -f down2.sql: $(cat psql.out)"
expect_same_schema "$ONLINE" "$OFFLINE" "schema after downgrade base"
expect_eq "0" "$(sql "$OFFLINE" "SELECT count(*) FROM migrate.version")" "no version rows"

pgm upgrade 001:003 --sql
expect_rc 0 "upgrade 001:003 --sql"
expect_out_lacks "Running upgrade  -> 001"
expect_out_has "-- Running upgrade 002 -> 003, fact supersession"

# Alembic's refusal
pgm downgrade -1 --sql
expect_rc 1 "relative downgrade without a range"
expect_err_has "FAILED: downgrade with --sql requires <fromrev>:<torev>"
pgm --json upgrade head --sql
expect_rc 0 "--json --sql"
[[ "$(json '{sql}')" == BEGIN* ]] && pass || fail "--json carries the script"

# nothing is uploaded by --sql with a database (in client mode not even the state tables)
FRESH=$(new_db fresh)
pgm -d "$FRESH" upgrade head --sql
expect_rc 0
if [[ -z $NOEXT ]]; then
	expect_eq "0" "$(sql "$FRESH" "SELECT count(*) FROM migrate.revisions")" "--sql uploads nothing"
else
	expect_eq "" "$(sql "$FRESH" "SELECT to_regnamespace('migrate')")" "--sql creates nothing"
fi

# A script that would replace an applied revision by changed content is refused when it runs,
# naming both checksums, as an online upload is; nothing of it stays.
CHANGED=$(new_db changed)
pgm -d "$CHANGED" upgrade 002
expect_rc 0
applied=$(sql "$CHANGED" "SELECT checksum FROM migrate.revisions WHERE revision = '002'")
file002=$(ls migrations/*_002_*.sql)
echo "-- a comment that changes the checksum" >>"$file002"
pgm upgrade 001:head --sql
printf '%s\n' "$OUT" >changed.sql
db_snapshot "$CHANGED" >before.snap
"$PSQL" -Xq -v ON_ERROR_STOP=1 -f changed.sql "$CHANGED" >psql.out 2>&1
expect_eq "3" "$?" "psql stops at the changed revision"
grep -q "revision 002 has changed since it was applied" psql.out && pass || fail "refusal: $(cat psql.out)"
grep -q "Applied checksum $applied, new checksum" psql.out && pass || fail "both checksums: $(cat psql.out)"
expect_unchanged before.snap "$CHANGED" "after the refused script"

finish
