#!/usr/bin/env bash
# Fleets: one command over 50 databases on two clusters (-d repeated, --targets FILE or stdin),
# --jobs at a time; one target prepared to fail; --continue-on-error, --canary, the summary and
# --json; a second run is a no-op for the upgraded ones and retries the failure; client mode too.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
cp -r "$E2E_SOURCE_DIR/migrations" migrations
rm -f migrations/README.md
HEAD=$(ls migrations/*.sql | tail -1 | sed -E 's/.*_([0-9]+)_[^/]*$/\1/')

# A second cluster beside the suite's (its own port and socket directory).
CLUSTER2="$E2E_CLUSTER-fleet"
"$E2E_SOURCE_DIR/scripts/cluster.sh" start "$CLUSTER2" "$E2E_STAGE" >/dev/null || {
	echo "cannot start the second cluster" >&2
	exit 1
}
BASE2="postgresql://postgres@127.0.0.1:$(cat "$CLUSTER2/port")"
stop_second() {
	cleanup
	"$E2E_SOURCE_DIR/scripts/cluster.sh" stop "$CLUSTER2" >/dev/null 2>&1
	rm -rf "$CLUSTER2"
}
trap stop_second EXIT

# make_fleet BASE PREFIX COUNT [--no-extension]: databases PREFIX_1..COUNT, copies of one template
# (with the extension unless told); prints their URLs. The suite's cleanup drops e2e_fleet_*.
make_fleet() {
	local base=$1 prefix=$2 count=$3 i
	sql "$base/postgres" "CREATE DATABASE ${prefix}_template"
	[[ ${4:-} == --no-extension ]] || sql "$base/${prefix}_template" "CREATE EXTENSION migrate"
	for ((i = 1; i <= count; i++)); do
		echo "CREATE DATABASE ${prefix}_$i TEMPLATE ${prefix}_template;"
	done | "$PSQL" -XqAt "$base/postgres" >/dev/null
	for ((i = 1; i <= count; i++)); do
		echo "$base/${prefix}_$i"
	done
}

make_fleet "$BASE_URL" e2e_fleet_a 25 >targets.txt
make_fleet "$BASE2" e2e_fleet_b 25 >>targets.txt
expect_eq 50 "$(wc -l <targets.txt)" "50 targets"
BAD="$BASE2/e2e_fleet_b_17"
sql "$BAD" "CREATE TABLE organizations (conflict int)" # the example's first revision creates it
{
	echo "# the tenant databases"
	echo
	cat targets.txt
} >fleet.txt

# --continue-on-error: 49 upgraded, the one reported with its error, exit 1.
pgm --targets fleet.txt --jobs 8 --continue-on-error upgrade head
expect_rc 1 "a fleet with one failure exits 1"
expect_out_has "50 databases in"
expect_out_has "49 upgraded, 1 failed"
expect_out_has "$BAD: FAILED: relation \"organizations\" already exists"
expect_err_has "FAILED: 1 of 50 databases failed"
expect_err_has "$BAD: FAILED: relation \"organizations\" already exists"
expect_eq "$HEAD" "$(sql "$BASE_URL/e2e_fleet_a_1" "SELECT revision FROM migrate.version")" "a target is at head"
expect_eq "$HEAD" "$(sql "$BASE2/e2e_fleet_b_25" "SELECT revision FROM migrate.version")" "the other cluster's too"
expect_eq "0" "$(sql "$BAD" "SELECT count(*) FROM migrate.version")" "the failed target has no version row"
expect_eq "0" "$(sql "$BAD" "SELECT count(*) FROM migrate.log WHERE direction = 'upgrade'")" \
	"and logged no step: nothing half-applied"
expect_eq "1" "$(sql "$BAD" "SELECT count(*) FROM information_schema.columns WHERE table_name = 'organizations'")" \
	"its own table untouched"
# one line per target
expect_eq 50 "$(grep -c ': upgraded (\|: FAILED: ' <<<"$OUT")" "a line per target"

# Second run: a no-op for 49, the failure retried (and failing again), stdin as the list.
"$PGMIGRATE" --targets - --jobs 8 --continue-on-error --json upgrade head <fleet.txt >run2.json 2>run2.err
RC=$?
expect_rc 1 "the second run still fails on the bad target"
summary=$(python3 -c 'import json,sys; d=json.load(open("run2.json")); print(json.dumps(d["summary"], sort_keys=True), len(d["targets"]), d["ok"])')
expect_eq '{"already at head": 49, "failed": 1} 50 False' "$summary" "--json: the no-op runs and the retried failure"
python3 -c 'import json,sys; d=json.load(open("run2.json"))
bad=[t for t in d["targets"] if not t["ok"]]
assert len(bad)==1 and bad[0]["target"].endswith("e2e_fleet_b_17"), bad
assert "already exists" in bad[0]["result"]["error"]["message"]
assert all(t["result"]["steps"]==[] for t in d["targets"] if t["ok"])' && pass || fail "--json per target"
expect_eq "$HEAD" "$(sql "$BASE_URL/e2e_fleet_a_1" "SELECT revision FROM migrate.version")" "still at head"
expect_eq "4" "$(sql "$BASE_URL/e2e_fleet_a_1" "SELECT count(*) FROM migrate.log WHERE direction = 'upgrade'")" \
	"the no-op run applied nothing again"

# --canary 1 with the failing target first: nothing else is touched.
mapfile -t fresh < <(make_fleet "$BASE_URL" e2e_fleet_c 5)
pgm --canary 1 -d "$BAD" "${fresh[@]/#/-d}" upgrade head
expect_rc 1 "the canary fails"
expect_out_has "$BAD: FAILED"
expect_out_has "5 not started"
for url in "${fresh[@]}"; do
	[[ $(sql "$url" "SELECT count(*) FROM migrate.revisions") == 0 ]] || fail "canary: $url was touched"
done
pass
# Without --continue-on-error the run stops starting targets after a failure (jobs 1: in order).
pgm --jobs 1 -d "$BAD" -d "${fresh[0]}" upgrade head
expect_rc 1 "stop after the first failure"
expect_out_has "1 failed, 1 not started"
expect_eq "0" "$(sql "${fresh[0]}" "SELECT count(*) FROM migrate.revisions")" "the target after it was not started"
# A good canary lets the rest run.
pgm --canary 2 --jobs 3 "${fresh[@]/#/-d}" upgrade head
expect_rc 0 "a good canary, then the rest"
expect_out_has "5 upgraded"
pgm "${fresh[@]/#/-d}" current
expect_rc 0 "current over a fleet"
expect_eq 5 "$(grep -c ": at $HEAD (head) (" <<<"$OUT")" "current: each target at head"
pgm "${fresh[@]/#/-d}" check
expect_rc 0 "check over a fleet"
# lint reads the sections' SQL, which the other commands' project leaves out
pgm "${fresh[@]/#/-d}" lint
expect_rc 0 "lint over a fleet"
expect_out_has "5 databases in"
# A password in a target is never printed.
pgm -d "postgresql://postgres:fleet_secret_pw@127.0.0.1:$(cat "$E2E_CLUSTER/port")/e2e_fleet_c_1" -d "${fresh[1]}" current
expect_rc 0 "a target with a password"
expect_nowhere fleet_secret_pw "the password"
# Commands that write files or print one script take one database.
pgm -d "${fresh[0]}" -d "${fresh[1]}" revision -m x
expect_rc 2 "revision over a fleet is a usage error"
pgm -d "${fresh[0]}" -d "${fresh[1]}" upgrade head --sql
expect_rc 2 "--sql over a fleet is a usage error"
pgm --targets missing.txt current
expect_rc 1 "a missing targets file"
expect_err_has "cannot read the targets file missing.txt"

# Client mode: a fleet of databases without the extension, owned by a plain role.
noext_role
mapfile -t plain < <(make_fleet "$BASE_URL" e2e_fleet_d 6 --no-extension)
for url in "${plain[@]}"; do
	sql "$url" "ALTER DATABASE ${url##*/} OWNER TO $NOEXT_ROLE; ALTER SCHEMA public OWNER TO $NOEXT_ROLE" >/dev/null
done
as_app=("${plain[@]/postgresql:\/\/postgres@/postgresql://$NOEXT_ROLE@}")
pgm --no-extension --jobs 3 "${as_app[@]/#/-d}" upgrade head
expect_rc 0 "a client-mode fleet"
expect_out_has "6 upgraded"
expect_eq "$HEAD" "$(sql "${plain[5]}" "SELECT revision FROM migrate.version")" "client mode: at head"
expect_eq "" "$(sql "${plain[5]}" "SELECT extname FROM pg_extension WHERE extname = 'migrate'")" "without the extension"

echo "fleet: $passed passed, $failed failed"
((failed == 0))
