# Helpers for the end-to-end tests (source it): a database per test, pgmigrate runs with their
# output and exit status captured, and checks that count what passed and failed.
#   PGMIGRATE      the binary          E2E_CLUSTER   the cluster directory (its port file)
#   PG_BINDIR      psql, pg_dump       E2E_SOURCE_DIR the source tree (example migrations)
set -uo pipefail
: "${PGMIGRATE:?set PGMIGRATE to the pgmigrate binary}"
: "${E2E_CLUSTER:?set E2E_CLUSTER to the cluster directory}"
PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir)}
PSQL="$PG_BINDIR/psql"
PORT=$(cat "$E2E_CLUSTER/port")
BASE_URL="postgresql://postgres@127.0.0.1:$PORT"
TEST=$(basename "$0" .sh)
TEST=${TEST#test_}
# Client mode (the e2e_noext label runs scripts again with PGMIGRATE_NO_EXTENSION=1, which pgmigrate
# reads itself), as on a managed database: new_db installs no extension, and the database belongs
# to NOEXT_ROLE, a plain role (no superuser, cannot create extensions), whose URL it returns. The
# databases get names of their own (e2e_clientmode_<test>_...), so both modes of a script can run
# at once without one's cleanup dropping the other's databases.
NOEXT=${PGMIGRATE_NO_EXTENSION:-}
NOEXT_ROLE=e2e_app
[[ -n $NOEXT ]] && TEST=clientmode_$TEST
WORK=$(mktemp -d "/tmp/pgmigrate-e2e-$TEST.XXXXXX")
unset DATABASE_URL PGMIGRATE_DIR PGHOST PGDATABASE PGSERVICE PGPASSWORD
unset PGAPPNAME
passed=0
failed=0
DATABASES=()

cleanup() {
	# new_db usually runs in a $(...) subshell, where adding to DATABASES is lost: find them by name.
	local db
	mapfile -t -O ${#DATABASES[@]} DATABASES < <("$PSQL" -XqAt "$BASE_URL/postgres" \
		-c "SELECT datname FROM pg_database WHERE datname LIKE 'e2e\_${TEST}\_%'" 2>/dev/null)
	# Every DROP DATABASE waits for a checkpoint; drops running at once share one, so they go
	# a few at a time (one by one, a test's cleanup could take longer than the test).
	local running=0
	for db in "${DATABASES[@]}"; do
		"$PSQL" -XqAt "$BASE_URL/postgres" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 &
		if ((++running >= 6)); then
			wait -n
			running=$((running - 1))
		fi
	done
	wait
	rm -rf "$WORK"
}
trap cleanup EXIT

# new_db NAME [--no-extension]: a fresh database; prints its URL. In client mode (NOEXT) it is
# NOEXT_ROLE's, without the extension.
new_db() {
	local name="e2e_${TEST}_$1"
	DATABASES+=("$name")
	if [[ -n $NOEXT ]]; then
		noext_role
		PGOPTIONS="-c client_min_messages=warning" "$PSQL" -XqAt "$BASE_URL/postgres" -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" -c "CREATE DATABASE \"$name\" OWNER $NOEXT_ROLE" >/dev/null
		echo "postgresql://$NOEXT_ROLE@127.0.0.1:$PORT/$name"
		return
	fi
	PGOPTIONS="-c client_min_messages=warning" "$PSQL" -XqAt "$BASE_URL/postgres" -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" -c "CREATE DATABASE \"$name\"" >/dev/null
	if [[ ${2:-} != --no-extension ]]; then
		"$PSQL" -XqAt "$BASE_URL/$name" -c "CREATE EXTENSION migrate" >/dev/null
	fi
	echo "$BASE_URL/$name"
}

# noext_role: NOEXT_ROLE exists (created once per cluster; scripts running at once may race).
noext_role() {
	"$PSQL" -XqAt "$BASE_URL/postgres" -c "DO \$\$ BEGIN CREATE ROLE $NOEXT_ROLE LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
		EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END \$\$" >/dev/null
}

# readme_grants ROLE: the grants of "Granting migration rights to a deploy role" (docs/security.md),
# for ROLE: the documented block is what the tests run.
readme_grants() {
	local grants
	grants=$(sed -n '/^## Granting migration rights to a deploy role/,/^```$/{//!p}' "$E2E_SOURCE_DIR/docs/security.md" |
		sed -n '/^```sql$/,$p' | sed '1d')
	echo "${grants//deploy/$1}"
}

# sql URL QUERY: one value per line, unaligned.
sql() {
	"$PSQL" -XqAt -v ON_ERROR_STOP=1 "$1" -c "$2"
}

# pgm ARGS...: runs pgmigrate; sets OUT, ERR and RC.
pgm() {
	"$PGMIGRATE" "$@" >"$WORK/.out" 2>"$WORK/.err" </dev/null
	RC=$?
	OUT=$(cat "$WORK/.out")
	ERR=$(cat "$WORK/.err")
}

_where() { # the test script's line that failed: the first caller outside this file
	local i
	for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
		if [[ ${BASH_SOURCE[i]} != "${BASH_SOURCE[0]}" ]]; then
			echo "${BASH_SOURCE[i]##*/}:${BASH_LINENO[i - 1]}"
			return
		fi
	done
	echo "lib.sh"
}

pass() {
	passed=$((passed + 1))
}

fail() {
	failed=$((failed + 1))
	echo "FAIL ($(_where)): $1" >&2
	echo "  last command: rc=$RC" >&2
	[[ -n ${OUT:-} ]] && echo "  stdout: ${OUT//$'\n'/$'\n'          }" >&2
	[[ -n ${ERR:-} ]] && echo "  stderr: ${ERR//$'\n'/$'\n'          }" >&2
	return 0
}

expect_rc() {
	if [[ $RC -eq $1 ]]; then pass; else fail "${2:-exit status} expected $1, got $RC"; fi
}

expect_eq() { # expected actual description
	if [[ "$1" == "$2" ]]; then pass; else fail "${3:-value}: expected [$1], got [$2]"; fi
}

expect_out() {
	if [[ "$OUT" == "$1" ]]; then pass; else fail "stdout expected [$1]"; fi
}

expect_out_has() {
	if [[ "$OUT" == *"$1"* ]]; then pass; else fail "stdout should contain [$1]"; fi
}

expect_out_lacks() {
	if [[ "$OUT" != *"$1"* ]]; then pass; else fail "stdout should not contain [$1]"; fi
}

expect_err_has() {
	if [[ "$ERR" == *"$1"* ]]; then pass; else fail "stderr should contain [$1]"; fi
}

expect_nowhere() {
	if [[ "$OUT" != *"$1"* && "$ERR" != *"$1"* ]]; then pass; else fail "[$1] must not be printed"; fi
}

# json PATH: a value of the JSON document in OUT (PostgreSQL parses it: no jq needed), e.g.
# json '{steps,0,revision}'.
json() {
	"$PSQL" -XqAt "$BASE_URL/postgres" -v doc="$OUT" -v path="$1" <<<"SELECT (:'doc'::jsonb) #>> :'path';"
}

# rev FILE ID DOWN MESSAGE UPGRADE [DOWNGRADE] [EXTRA_HEADER]: writes a migration file.
rev() {
	local file=$1 id=$2 down=$3 message=$4 up=$5 downsql=${6-__none__} extra=${7:-}
	{
		echo "-- revision: $id"
		echo "-- down_revision: $down"
		echo "-- message: $message"
		[[ -n $extra ]] && echo "$extra"
		echo
		echo "-- migrate:upgrade"
		echo "$up"
		if [[ $downsql != __none__ ]]; then
			echo
			echo "-- migrate:downgrade"
			echo "$downsql"
		fi
	} >"$file"
}

# A linear project of three revisions in DIR: 001 creates t1, 002 adds t1.b, 003 creates t3.
linear_project() {
	mkdir -p "$1"
	rev "$1/20260101_0000_001_create_t1.sql" 001 none "create t1" "CREATE TABLE t1 (id int PRIMARY KEY);" "DROP TABLE t1;"
	rev "$1/20260101_0001_002_add_b.sql" 002 001 "add b" "ALTER TABLE t1 ADD COLUMN b text;" "ALTER TABLE t1 DROP COLUMN b;"
	rev "$1/20260101_0002_003_create_t3.sql" 003 002 "create t3" "CREATE TABLE t3 (id int);" "DROP TABLE t3;"
}

# pg_dump refuses a server of a later major (ctest -L pgmajors runs 15's client against 16+). The
# helpers below then print a line no other call prints, so that comparing two of them fails and
# says why, instead of passing on two empty dumps.
SERVER_MAJOR=$("$PSQL" -XqAt "$BASE_URL/postgres" -c "SELECT current_setting('server_version_num')::int / 10000" 2>/dev/null)
PG_DUMP_MAJOR=$("$PG_BINDIR/pg_dump" --version | sed -nE 's/^pg_dump \(PostgreSQL\) ([0-9]+).*/\1/p')
PG_DUMP_REFUSED=
((${PG_DUMP_MAJOR:-0} >= ${SERVER_MAJOR:-0})) || PG_DUMP_REFUSED="pg_dump ${PG_DUMP_MAJOR:-?} cannot dump PostgreSQL $SERVER_MAJOR"
pg_dump_refused() {
	[[ -n $PG_DUMP_REFUSED ]] || return 1
	echo "$PG_DUMP_REFUSED (call $BASHPID.$RANDOM.$SECONDS)"
}

# schema_of URL [PG_DUMP_ARGS...]: the schema of a database, as pg_dump prints it, without the
# migrate extension's own rows.
schema_of() {
	pg_dump_refused && return 1
	"$PG_BINDIR/pg_dump" --schema-only --no-owner --exclude-schema=migrate "$@" |
		grep -v -e '^--' -e '^$' -e '^\\restrict' -e '^\\unrestrict'
}

# pg_dump --schema-only, comparable: no comments or blank lines, and the lines inside CREATE TABLE
# sorted (a column added by ALTER TABLE comes last; its place in the table is not the schema's business).
normalized_dump() { # URL [PG_DUMP_ARGS...]
	local inside=0 line body=()
	while IFS= read -r line; do
		if [[ $inside -eq 1 ]]; then
			if [[ $line == ")"* ]]; then
				printf '%s\n' "${body[@]}" | sort
				echo "$line"
				inside=0
				body=()
			else
				body+=("${line%,}")
			fi
			continue
		fi
		echo "$line"
		[[ $line == "CREATE "*"TABLE "*"(" ]] && inside=1
	done < <(schema_of "$@")
}

# expect_same_schema URL1 URL2 DESCRIPTION: pg_dump --schema-only of both agree.
expect_same_schema() {
	local d
	if d=$(diff <(schema_of "$1") <(schema_of "$2")); then pass; else fail "${3:-schema} differs:"$'\n'"$d"; fi
}

# db_snapshot URL [QUERY...]: what a failed or interrupted run must leave unchanged: the whole
# schema (pg_dump --schema-only, without PostgreSQL 15.14+'s random \restrict lines), every column of
# every row of the state tables, and the output of each extra QUERY.
db_snapshot() {
	local url=$1
	shift
	local extra=()
	for q in "$@"; do extra+=(-c "$q"); done
	pg_dump_refused && return 1
	"$PG_BINDIR/pg_dump" --schema-only "$url" | grep -v -e '^\\restrict' -e '^\\unrestrict'
	"$PSQL" -XqAt -v ON_ERROR_STOP=1 "$url" \
		-c "SELECT 'version', * FROM migrate.version ORDER BY revision" \
		-c "SELECT 'log', * FROM migrate.log ORDER BY id" \
		-c "SELECT 'revision', * FROM migrate.revisions ORDER BY revision" "${extra[@]}" 2>&1
}

# expect_unchanged SNAPSHOT_FILE URL DESCRIPTION [QUERY...]: db_snapshot agrees with the file.
expect_unchanged() {
	local file=$1 url=$2 what=$3 d
	shift 3
	if d=$(diff "$file" <(db_snapshot "$url" "$@")); then pass; else fail "${what:-database} changed:"$'\n'"$d"; fi
}

finish() {
	echo "$TEST: $passed passed, $failed failed"
	[[ $failed -eq 0 ]]
	exit $?
}
