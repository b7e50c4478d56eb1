#!/usr/bin/env bash
# Checks the example project (migrations/) on a real server with psql alone; it does not use
# the migrate tool. Usage:
#
#   tests/examples/check_examples.sh LIBPQ_URL      (a superuser connection: URL or key=value)
#
# It creates a scratch database and two roles (removed again, also on failure), then:
#   - checks each file's header (allowed keys, revision = file name, down_revision chain);
#   - applies the sections (text between the "-- migrate:" marker lines) with psql -1, as a
#     non-superuser owner role: upgrade 001 002 003 004, downgrade 004 003 002 001, and again as
#     the connecting superuser; every downgrade must restore the previous pg_dump --schema-only
#     exactly and the last one must leave the database as it was (an empty schema);
#   - runs every verify section read-only and requires true;
#   - seeds two tenants with duplicate current facts before 003 and checks 003's backfill,
#     its unique index, and that a 003 downgrade/upgrade round trip keeps the data;
#   - checks row-level security as a plain role (the application's) at 003 and 004, and as
#     the tables' owner at 003 (FORCE): with app.current_org = A only A's rows are visible and
#     B's cannot be written; unset or empty, nothing is visible and nothing fails;
#   - checks 004: the owner is no longer held to the policies (it sees every tenant), so its
#     pg_dump (row_security off, as pg_dump runs) dumps every row, where at 003 it failed;
#   - checks the CHECK constraints, the tenant-safe composite foreign keys and the ON DELETE
#     behaviour the files document.
# Prints one line per check and a summary; exits non-zero on any failure. Against a server of a
# later major than pg_dump's, the checks that compare dumps are skipped and listed as such.
set -euo pipefail

url=${1:?usage: check_examples.sh LIBPQ_URL}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${MIGRATIONS_DIR:-$here/../../migrations}
revs=(001 002 003 004)
files=()
for r in "${revs[@]}"; do
	f=$(ls "$dir"/*_"$r"_*.sql 2>/dev/null) || { echo "check_examples: no file for revision $r in $dir" >&2; exit 1; }
	files+=("$f")
done

tag=$$
db=migrate_examples_$tag
owner=mx_owner_$tag
app=mx_app_$tag
work=$(mktemp -d /tmp/check_examples.XXXXXX)
A=aaaaaaaa-0000-4000-8000-000000000001
B=bbbbbbbb-0000-4000-8000-000000000002

# A URL or key=value string for the same server with another database.
with_db() {
	case $1 in
	postgres://* | postgresql://*) if [[ $1 == *\?* ]]; then echo "$1&dbname=$2"; else echo "$1?dbname=$2"; fi ;;
	*) echo "$1 dbname=$2" ;;
	esac
}
dburl=$(with_db "$url" "$db")

admin() { psql -X -q -At -v ON_ERROR_STOP=1 "$url" "$@"; }
run() { psql -X -q -At -v ON_ERROR_STOP=1 "$dburl" "$@"; }

cleanup() {
	admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	admin -c "DROP ROLE IF EXISTS $app" -c "DROP ROLE IF EXISTS $owner" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
skipped=0
skip() { skipped=$((skipped + 1)); printf '  skip  %s (%s)\n' "$1" "$no_dump"; }
ok() { passed=$((passed + 1)); printf '  ok    %s\n' "$1"; }
bad() { failed=$((failed + 1)); printf '  FAIL  %s\n' "$1"; [[ -z ${2:-} ]] || printf '%s\n' "$2" | sed 's/^/        /' | head -40; }
die() { bad "$1" "${2:-}"; printf '\n%d passed, %d failed (stopped early)\n' "$passed" "$failed"; exit 1; }

# section FILE NAME: the body of "-- migrate:NAME" (up to the next marker line).
section() {
	awk -v want="$2" '
		/^-- migrate:[a-z]+[ \t]*$/ { cur = $2; sub(/^migrate:/, "", cur); next }
		cur == want { print }' "$1"
}
# header FILE KEY: the value of a header line (before the first section marker).
header() {
	awk -v key="$2" '
		/^-- migrate:/ { exit }
		$0 ~ "^-- " key ":" { sub("^-- " key ":[ \t]*", ""); sub(/[ \t]+$/, ""); print; exit }' "$1"
}

# apply FILE SECTION ROLE: one transaction, as ROLE (empty: the connecting user).
apply() {
	local lt
	lt=$(header "$1" lock_timeout)
	{
		[[ -z $3 ]] || echo "SET LOCAL ROLE $3;"
		[[ -z $lt ]] || echo "SET LOCAL lock_timeout = '$lt';"
		section "$1" "$2"
	} | run -1 -f - >"$work/apply.out" 2>&1
}

# verify FILE ROLE: the verify section, read-only, must return exactly "t".
verify() {
	local out
	out=$({
		echo "BEGIN READ ONLY;"
		[[ -z $2 ]] || echo "SET LOCAL ROLE $2;"
		section "$1" verify
		echo "ROLLBACK;"
	} | run -f - 2>&1) || true
	[[ $out == t ]] && ok "verify $(basename "$1")${2:+ as owner}" || bad "verify $(basename "$1")${2:+ as owner}" "$out"
}

# check NAME SQL [PRELUDE]: SQL returns true; PRELUDE (settings, writes) runs first in the
# same transaction, which is rolled back.
check() {
	local out
	out=$(printf 'BEGIN;\n%s\nSELECT (%s)::text;\nROLLBACK;\n' "${3:-}" "$2" | run -f - 2>&1) || true
	[[ $out == true ]] && ok "$1" || bad "$1" "$out"
}

# fails NAME SQLSTATE SQL [PRELUDE]: SQL fails with that SQLSTATE.
fails() {
	local out
	out=$(printf '\\set VERBOSITY sqlstate\nBEGIN;\n%s\n%s;\nROLLBACK;\n' "${4:-}" "$3" | run -f - 2>&1) && true
	[[ $out == *"ERROR:  $2"* ]] && ok "$1" || bad "$1" "expected SQLSTATE $2, got: ${out:-success}"
}

# pg_dump 15.14+ wraps its output in \restrict/\unrestrict lines with a random key: drop them.
# pg_dump refuses a server of a later major (no_dump says so; ctest -L pgmajors runs 15's pg_dump
# against 16+): then the checks that compare dumps are skipped, each one named.
dump() {
	[[ -z $no_dump ]] || return 0
	pg_dump --schema-only --no-password "$dburl" | grep -vE '^\\(un)?restrict ' >"$work/$1.sql"
}
same_dump() {
	[[ -z $no_dump ]] || { skip "$1"; return; }
	if diff -u "$work/$2.sql" "$work/$3.sql" >"$work/diff" 2>&1; then ok "$1"; else bad "$1" "$(cat "$work/diff")"; fi
}

echo "== check_examples: $dir"

# --- headers -------------------------------------------------------------------------------
prev=none
for i in "${!revs[@]}"; do
	f=${files[$i]}
	name=$(basename "$f")
	# Before the first section marker: only blank lines and "-- key: value" with a known key.
	stray=$(awk '/^-- migrate:/ { exit }
		/^[ \t]*$/ { next }
		/^-- (revision|down_revision|message|branch_labels|depends_on|transactional|lock_timeout):/ { next }
		{ print FNR ": " $0 }' "$f")
	rev=$(header "$f" revision)
	down=$(header "$f" down_revision)
	if [[ -z $stray && $rev == "${revs[$i]}" && $name == *_"$rev"_* && ${down:-none} == "$prev" &&
		-n $(header "$f" message) ]] &&
		grep -qx -- '-- migrate:upgrade' "$f" && grep -qx -- '-- migrate:downgrade' "$f"; then
		ok "header $name (revision $rev, down_revision ${down:-none})"
	else
		bad "header $name" "revision '$rev'; down_revision '$down' (want $prev); stray header lines: ${stray:-none}"
	fi
	prev=$rev
done

# --- scratch database and roles ------------------------------------------------------------
[[ $(admin -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user") == t ]] ||
	die "connection is a superuser" "check_examples needs a superuser URL (it creates a database and roles)"
server_major=$(admin -c "SELECT current_setting('server_version_num')::int / 10000")
dump_major=$(pg_dump --version | sed -nE 's/^pg_dump \(PostgreSQL\) ([0-9]+).*/\1/p')
no_dump=
((${dump_major:-0} >= server_major)) || no_dump="pg_dump ${dump_major:-?} cannot dump PostgreSQL $server_major"
admin -c "CREATE ROLE $owner NOLOGIN NOSUPERUSER NOBYPASSRLS" \
	-c "CREATE ROLE $app NOLOGIN NOSUPERUSER NOBYPASSRLS" \
	-c "CREATE DATABASE $db OWNER $owner TEMPLATE template0" >/dev/null
dump s0

# --- upgrade as the non-superuser owner ----------------------------------------------------
echo "-- upgrade 001 002 as owner $owner"
apply "${files[0]}" upgrade "$owner" || die "upgrade 001" "$(cat "$work/apply.out")"
ok "upgrade 001"
dump s1
verify "${files[0]}" "$owner"
apply "${files[1]}" upgrade "$owner" || die "upgrade 002" "$(cat "$work/apply.out")"
ok "upgrade 002"
dump s2
verify "${files[1]}" "$owner"

# Two tenants (seeded as the superuser, which bypasses row-level security).
seed() { # seed ORG LETTER
	run -v org="$1" -v x="$2" >/dev/null <<'SQL'
INSERT INTO organizations (id, name) VALUES (:'org', 'org ' || :'x');
INSERT INTO teams (org_id, name) VALUES (:'org', 'research');
INSERT INTO users (org_id, team_id, email)
    SELECT :'org', id, 'alice@' || :'x' || '.test' FROM teams WHERE org_id = :'org';
INSERT INTO users (org_id, email) VALUES (:'org', 'bob@' || :'x' || '.test');
INSERT INTO agents (org_id, owner_user_id, name)
    SELECT :'org', id, 'alice-bot' FROM users WHERE org_id = :'org' AND email LIKE 'alice@%';
INSERT INTO agents (org_id, owner_team_id, name)
    SELECT :'org', id, 'team-bot' FROM teams WHERE org_id = :'org';
INSERT INTO api_keys (org_id, user_id, key_prefix, key_hash)
    SELECT :'org', id, 'mk_' || :'x' || 'u', sha256(convert_to('user key ' || :'x', 'UTF8'))
    FROM users WHERE org_id = :'org' AND email LIKE 'alice@%';
INSERT INTO api_keys (org_id, agent_id, key_prefix, key_hash)
    SELECT :'org', id, 'mk_' || :'x' || 'a', sha256(convert_to('agent key ' || :'x', 'UTF8'))
    FROM agents WHERE org_id = :'org' AND name = 'alice-bot';
INSERT INTO sessions (org_id, user_id, agent_id, title)
    SELECT :'org', u.id, a.id, 'first chat'
    FROM users u JOIN agents a ON a.owner_user_id = u.id WHERE u.org_id = :'org';
INSERT INTO episodes (org_id, session_id, role, content, tags, metadata)
    SELECT :'org', s.id, r.role, r.content, r.tags, '{"lang": "en"}'
    FROM sessions s,
         (VALUES ('user', 'I moved to Berlin.', '{location}'::text[]),
                 ('assistant', 'Noted.', '{}'::text[])) AS r(role, content, tags)
    WHERE s.org_id = :'org';
SQL
}
seed "$A" a
seed "$B" b
# Facts for 003's backfill: ids encode the org (a.../b...) and the case.
run -v A="$A" -v B="$B" >/dev/null <<'SQL'
INSERT INTO memory_facts (id, org_id, subject, predicate, object, valid_from, valid_until, created_at, source_episode_id) VALUES
 -- three open facts: a chain f1 -> f2 -> f3, f3 stays open
 ('a0000000-0000-4000-8000-000000000001', :'A', 'alice', 'works_at', 'acme',    '2024-01-01', NULL, '2024-01-01', NULL),
 ('a0000000-0000-4000-8000-000000000002', :'A', 'alice', 'works_at', 'globex',  '2025-01-01', NULL, '2025-01-01', NULL),
 ('a0000000-0000-4000-8000-000000000003', :'A', 'alice', 'works_at', 'initech', '2025-06-01', NULL, '2025-06-01', NULL),
 -- two open facts from one instant: the earlier-created one closes 1 microsecond later
 ('a0000000-0000-4000-8000-000000000004', :'A', 'alice', 'likes', 'tea',    '2025-02-01', NULL, '2025-02-01 10:00', NULL),
 ('a0000000-0000-4000-8000-000000000005', :'A', 'alice', 'likes', 'coffee', '2025-02-01', NULL, '2025-02-01 10:05', NULL),
 -- closed by the application the documented way: linked, not changed
 ('a0000000-0000-4000-8000-000000000006', :'A', 'alice', 'lives_in', 'paris',  '2020-01-01', '2023-01-01', '2020-01-01', NULL),
 ('a0000000-0000-4000-8000-000000000007', :'A', 'alice', 'lives_in', 'berlin', '2023-01-01', NULL,         '2023-01-01', NULL),
 -- expired with a gap: not a supersession
 ('a0000000-0000-4000-8000-000000000008', :'A', 'bob', 'role', 'intern',   '2020-01-01', '2021-01-01', '2020-01-01', NULL),
 ('a0000000-0000-4000-8000-000000000009', :'A', 'bob', 'role', 'engineer', '2022-01-01', NULL,         '2022-01-01', NULL),
 -- a future fact supersedes the current one when it takes effect
 ('a0000000-0000-4000-8000-00000000000a', :'A', 'bob', 'team', 'core',  '2024-01-01', NULL, '2024-01-01', NULL),
 ('a0000000-0000-4000-8000-00000000000b', :'A', 'bob', 'team', 'infra', '2999-01-01', NULL, '2024-02-01', NULL),
 -- alone: untouched
 ('a0000000-0000-4000-8000-00000000000c', :'A', 'carol', 'email', 'carol@a.test', '2024-01-01', NULL, '2024-01-01', NULL),
 -- org B: same subject and predicate as A's chain, one fact: untouched
 ('b0000000-0000-4000-8000-000000000001', :'B', 'alice', 'works_at', 'b-corp', '2026-01-01', NULL, '2026-01-01', NULL),
 -- org B: its own duplicates
 ('b0000000-0000-4000-8000-000000000002', :'B', 'alice', 'likes', 'jazz', '2024-01-01', NULL, '2024-01-01', NULL),
 ('b0000000-0000-4000-8000-000000000003', :'B', 'alice', 'likes', 'rock', '2024-03-01', NULL, '2024-03-01', NULL);
UPDATE memory_facts f SET source_episode_id = e.id
FROM episodes e WHERE e.org_id = f.org_id AND e.role = 'user';
SQL
ok "seeded two tenants and 15 facts"

echo "-- upgrade 003 as owner (row-level security forced, app.current_org unset)"
apply "${files[2]}" upgrade "$owner" || die "upgrade 003" "$(cat "$work/apply.out")"
ok "upgrade 003"
dump s3
verify "${files[2]}" "$owner"
verify "${files[2]}" ""

expected="(VALUES
 ('a0000000-0000-4000-8000-000000000001'::uuid, '2025-01-01'::timestamptz, 'a0000000-0000-4000-8000-000000000002'::uuid),
 ('a0000000-0000-4000-8000-000000000002', '2025-06-01', 'a0000000-0000-4000-8000-000000000003'),
 ('a0000000-0000-4000-8000-000000000003', NULL, NULL),
 ('a0000000-0000-4000-8000-000000000004', '2025-02-01 00:00:00.000001', 'a0000000-0000-4000-8000-000000000005'),
 ('a0000000-0000-4000-8000-000000000005', NULL, NULL),
 ('a0000000-0000-4000-8000-000000000006', '2023-01-01', 'a0000000-0000-4000-8000-000000000007'),
 ('a0000000-0000-4000-8000-000000000007', NULL, NULL),
 ('a0000000-0000-4000-8000-000000000008', '2021-01-01', NULL),
 ('a0000000-0000-4000-8000-000000000009', NULL, NULL),
 ('a0000000-0000-4000-8000-00000000000a', '2999-01-01', 'a0000000-0000-4000-8000-00000000000b'),
 ('a0000000-0000-4000-8000-00000000000b', NULL, NULL),
 ('a0000000-0000-4000-8000-00000000000c', NULL, NULL),
 ('b0000000-0000-4000-8000-000000000001', NULL, NULL),
 ('b0000000-0000-4000-8000-000000000002', '2024-03-01', 'b0000000-0000-4000-8000-000000000003'),
 ('b0000000-0000-4000-8000-000000000003', NULL, NULL)) AS e(id, valid_until, superseded_by)"
check "003 backfill: chains, ties, links, gaps, future facts, per tenant" \
	"(SELECT count(*) = 15 FROM memory_facts)
	 AND NOT EXISTS (SELECT 1 FROM $expected LEFT JOIN memory_facts f USING (id)
	                 WHERE f.id IS NULL OR f.valid_until IS DISTINCT FROM e.valid_until
	                    OR f.superseded_by IS DISTINCT FROM e.superseded_by)"
check "003 backfill: objects, valid_from and provenance untouched" \
	"(SELECT count(*) = 15 FROM memory_facts WHERE source_episode_id IS NOT NULL)
	 AND (SELECT string_agg(object, ',' ORDER BY id) FROM memory_facts)
	     = 'acme,globex,initech,tea,coffee,paris,berlin,intern,engineer,core,infra,carol@a.test,b-corp,jazz,rock'"
check "003 keeps row-level security forced on memory_facts" \
	"(SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = 'memory_facts'::regclass)"
fails "003: a second open fact for one subject and predicate is refused" 23505 \
	"INSERT INTO memory_facts (org_id, subject, predicate, object) VALUES ('$A', 'alice', 'works_at', 'hooli')"
check "003: another tenant may hold the same subject and predicate" \
	"(SELECT count(*) = 2 FROM memory_facts WHERE subject = 'bob' AND predicate = 'role' AND valid_until IS NULL)" \
	"INSERT INTO memory_facts (org_id, subject, predicate, object) VALUES ('$B', 'bob', 'role', 'cto');"
check "003: superseding the documented way works (close, insert, link)" \
	"(SELECT superseded_by IS NOT NULL AND valid_until = '2026-01-01' FROM memory_facts WHERE id = 'a0000000-0000-4000-8000-000000000003')
	 AND (SELECT count(*) = 1 FROM memory_facts WHERE org_id = '$A' AND subject = 'alice' AND predicate = 'works_at' AND valid_until IS NULL)" \
	"UPDATE memory_facts SET valid_until = '2026-01-01' WHERE id = 'a0000000-0000-4000-8000-000000000003';
	 WITH new AS (INSERT INTO memory_facts (org_id, subject, predicate, object, valid_from)
	              VALUES ('$A', 'alice', 'works_at', 'hooli', '2026-01-01') RETURNING id)
	 UPDATE memory_facts SET superseded_by = new.id FROM new WHERE memory_facts.id = 'a0000000-0000-4000-8000-000000000003';"
fails "003: a superseded fact must be closed" 23514 \
	"UPDATE memory_facts SET superseded_by = 'a0000000-0000-4000-8000-000000000005' WHERE id = 'a0000000-0000-4000-8000-000000000003'"
fails "003: a fact cannot be superseded by another tenant's fact" 23503 \
	"UPDATE memory_facts SET superseded_by = 'b0000000-0000-4000-8000-000000000003' WHERE id = 'a0000000-0000-4000-8000-000000000001'"
check "003: deleting the newer fact unlinks the older, which stays closed" \
	"(SELECT superseded_by IS NULL AND valid_until = '2025-06-01' FROM memory_facts WHERE id = 'a0000000-0000-4000-8000-000000000002')" \
	"DELETE FROM memory_facts WHERE id = 'a0000000-0000-4000-8000-000000000003';"
run -c "COPY (SELECT id, org_id, subject, predicate, object, confidence, valid_from, valid_until,
                     source_episode_id, created_at, superseded_by FROM memory_facts ORDER BY id) TO STDOUT" >"$work/facts3"

# --- constraints, tenant-safe references, ON DELETE (as the superuser) ----------------------
echo "-- constraints and ON DELETE"
u_a="(SELECT id FROM users WHERE org_id = '$A' AND email LIKE 'alice@%')"
t_a="(SELECT id FROM teams WHERE org_id = '$A')"
t_b="(SELECT id FROM teams WHERE org_id = '$B')"
s_a="(SELECT id FROM sessions WHERE org_id = '$A')"
s_b="(SELECT id FROM sessions WHERE org_id = '$B')"
ag_a="(SELECT id FROM agents WHERE org_id = '$A' AND name = 'alice-bot')"
fails "agent with two owners is refused" 23514 \
	"INSERT INTO agents (org_id, owner_user_id, owner_team_id, name) VALUES ('$A', $u_a, $t_a, 'x')"
fails "agent with no owner is refused" 23514 "INSERT INTO agents (org_id, name) VALUES ('$A', 'x')"
fails "api key for a user and an agent is refused" 23514 \
	"INSERT INTO api_keys (org_id, user_id, agent_id, key_prefix, key_hash) VALUES ('$A', $u_a, $ag_a, 'mk_x', sha256('x'))"
fails "api key for nobody is refused" 23514 \
	"INSERT INTO api_keys (org_id, key_prefix, key_hash) VALUES ('$A', 'mk_x', sha256('x'))"
fails "api key hash must be a SHA-256" 23514 \
	"INSERT INTO api_keys (org_id, user_id, key_prefix, key_hash) VALUES ('$A', $u_a, 'mk_x', '\\x0102')"
fails "episode role outside the allowed set is refused" 23514 \
	"INSERT INTO episodes (org_id, session_id, role, content) VALUES ('$A', $s_a, 'robot', 'x')"
fails "episode metadata must be an object" 23514 \
	"INSERT INTO episodes (org_id, session_id, role, content, metadata) VALUES ('$A', $s_a, 'user', 'x', '[]')"
fails "confidence above 1 is refused" 23514 \
	"INSERT INTO memory_facts (org_id, subject, predicate, object, confidence) VALUES ('$A', 's', 'p', 'o', 1.5)"
fails "confidence NaN is refused" 23514 \
	"INSERT INTO memory_facts (org_id, subject, predicate, object, confidence) VALUES ('$A', 's', 'p', 'o', 'NaN')"
fails "valid_until must follow valid_from" 23514 \
	"INSERT INTO memory_facts (org_id, subject, predicate, object, valid_from, valid_until) VALUES ('$A', 's', 'p', 'o', '2025-01-01', '2025-01-01')"
fails "a user cannot join another tenant's team" 23503 \
	"INSERT INTO users (org_id, team_id, email) VALUES ('$A', $t_b, 'eve@a.test')"
fails "an episode cannot join another tenant's session" 23503 \
	"INSERT INTO episodes (org_id, session_id, role, content) VALUES ('$A', $s_b, 'user', 'x')"
# keep_org_id (001) puts org_id back only in a foreign key's SET NULL, never for a statement.
fails "a statement cannot set org_id to NULL (keep_org_id is for SET NULL actions only)" 23502 \
	"UPDATE sessions SET org_id = NULL, user_id = NULL WHERE org_id = '$A'"
check "GIN index on episodes.tags serves a containment query" \
	"(SELECT count(*) = 2 FROM episodes WHERE tags @> '{location}')"
check "deleting a user: their agent and keys go, sessions stay with user_id NULL" \
	"(SELECT count(*) = 0 FROM agents WHERE org_id = '$A' AND name = 'alice-bot')
	 AND (SELECT count(*) = 0 FROM api_keys WHERE org_id = '$A')
	 AND (SELECT count(*) = 1 FROM sessions WHERE org_id = '$A' AND user_id IS NULL AND agent_id IS NULL)
	 AND (SELECT count(*) = 2 FROM episodes WHERE org_id = '$A')" \
	"DELETE FROM users WHERE org_id = '$A' AND email LIKE 'alice@%';"
check "deleting a team: users stay with team_id NULL, the team's agent goes" \
	"(SELECT count(*) = 2 FROM users WHERE org_id = '$A' AND team_id IS NULL)
	 AND (SELECT count(*) = 1 FROM agents WHERE org_id = '$A')" \
	"DELETE FROM teams WHERE org_id = '$A';"
check "deleting a session deletes its episodes; facts stay with source_episode_id NULL" \
	"(SELECT count(*) = 0 FROM episodes WHERE org_id = '$A')
	 AND (SELECT count(*) = 12 FROM memory_facts WHERE org_id = '$A' AND source_episode_id IS NULL)" \
	"DELETE FROM sessions WHERE org_id = '$A';"
check "deleting an organization deletes everything it owns, and nothing else" \
	"(SELECT count(*) = 0 FROM (SELECT org_id FROM teams UNION ALL SELECT org_id FROM users
	   UNION ALL SELECT org_id FROM agents UNION ALL SELECT org_id FROM api_keys
	   UNION ALL SELECT org_id FROM sessions UNION ALL SELECT org_id FROM episodes
	   UNION ALL SELECT org_id FROM memory_facts) t WHERE org_id = '$A')
	 AND (SELECT count(*) = 3 FROM memory_facts WHERE org_id = '$B')
	 AND (SELECT count(*) = 2 FROM api_keys WHERE org_id = '$B')" \
	"DELETE FROM organizations WHERE id = '$A';"

# --- row-level security ----------------------------------------------------------------------
echo "-- row-level security at 003"
run -c "GRANT USAGE ON SCHEMA public TO $app" \
	-c "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO $app" >/dev/null
tables=(teams users agents api_keys sessions episodes memory_facts)
# rls_checks ROLE LABEL: tenant isolation holds ROLE.
rls_checks() {
	local who=$1 label=$2
	as_a="SET LOCAL ROLE $who; SET LOCAL app.current_org = '$A';"
	only_a="(SELECT count(*) = 1 AND bool_and(id = '$A') FROM organizations)"
	none="(SELECT count(*) = 0 FROM organizations)"
	for t in "${tables[@]}"; do
		only_a+=" AND (SELECT count(*) > 0 AND bool_and(org_id = '$A') FROM $t)"
		none+=" AND (SELECT count(*) = 0 FROM $t)"
	done
	check "$label, org A: sees A's rows only, in every table" "$only_a" "$as_a"
	check "$label, org A: updates and deletes do not reach B's rows" \
		"(SELECT count(*) = 3 FROM memory_facts WHERE org_id = '$B')" \
		"$as_a UPDATE memory_facts SET object = 'x' WHERE org_id = '$B'; DELETE FROM memory_facts WHERE org_id = '$B'; RESET ROLE;"
	check "$label, org A: may write its own rows" \
		"(SELECT count(*) = 1 FROM episodes WHERE content = 'hello')" \
		"$as_a INSERT INTO episodes (org_id, session_id, role, content) SELECT '$A', id, 'user', 'hello' FROM sessions;"
	fails "$label, org A: cannot insert a row for B" 42501 \
		"INSERT INTO teams (org_id, name) VALUES ('$B', 'intruders')" "$as_a"
	fails "$label, org A: cannot insert B's organization" 42501 \
		"INSERT INTO organizations (id, name) VALUES ('$B', 'x')" "$as_a"
	fails "$label, org A: cannot move a row to B" 42501 \
		"UPDATE memory_facts SET org_id = '$B' WHERE subject = 'carol'" "$as_a"
	check "$label, unset: sees nothing, no error" "$none" "SET LOCAL ROLE $who;"
	check "$label, empty after RESET: sees nothing, no error" "$none" \
		"SET LOCAL ROLE $who; SET app.current_org = '$A'; RESET app.current_org;"
	fails "$label, unset: cannot insert" 42501 \
		"INSERT INTO teams (org_id, name) VALUES ('$A', 'x')" "SET LOCAL ROLE $who;"
}
rls_checks "$app" "003, application role"
rls_checks "$owner" "003, owner (FORCE)"
# owner_dump: pg_dump as the owner (row_security off, as pg_dump always runs unless told).
owner_dump() { pg_dump --no-password --data-only --role "$owner" "$dburl" >"$work/owner_dump.sql" 2>&1; }
if [[ -n $no_dump ]]; then
	skip "003: the owner's pg_dump fails (FORCE): the reason for 004"
elif owner_dump; then
	bad "003: the owner's pg_dump fails (FORCE): the reason for 004" "$(head -5 "$work/owner_dump.sql")"
else
	grep -q 'query would be affected by row-level security policy' "$work/owner_dump.sql" &&
		ok "003: the owner's pg_dump fails (FORCE): the reason for 004" ||
		bad "003: the owner's pg_dump fails (FORCE): the reason for 004" "$(head -5 "$work/owner_dump.sql")"
fi

echo "-- upgrade 004 as owner"
apply "${files[3]}" upgrade "$owner" || die "upgrade 004" "$(cat "$work/apply.out")"
ok "upgrade 004"
dump s4
verify "${files[3]}" "$owner"
verify "${files[3]}" ""
check "004: row-level security enabled, not forced, with its policy, on all 8 tables" \
	"(SELECT count(*) = 8 AND bool_and(relrowsecurity AND NOT relforcerowsecurity
	         AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation'))
	  FROM pg_class c WHERE relnamespace = 'public'::regnamespace AND relkind = 'r')"
rls_checks "$app" "004, application role"
all="(SELECT count(*) = 2 FROM organizations)"
for t in "${tables[@]}"; do
	all+=" AND (SELECT count(DISTINCT org_id) = 2 FROM $t)"
done
check "004, owner: not held to the policies, sees both tenants in every table" "$all" "SET LOCAL ROLE $owner;"
check "004, owner: writes any tenant's rows (it migrates and restores them)" \
	"(SELECT count(*) = 1 FROM teams WHERE name = 'ops')" \
	"SET LOCAL ROLE $owner; INSERT INTO teams (org_id, name) VALUES ('$B', 'ops');"
if [[ -n $no_dump ]]; then
	skip "004: the owner's pg_dump holds every tenant's rows"
elif owner_dump; then
	rows=$(awk '/^COPY public\.memory_facts /{on=1; next} /^\\\.$/{on=0} on' "$work/owner_dump.sql" | wc -l)
	orgs=$(awk '/^COPY public\.organizations /{on=1; next} /^\\\.$/{on=0} on' "$work/owner_dump.sql" | wc -l)
	[[ $rows == 15 && $orgs == 2 ]] && ok "004: the owner's pg_dump holds every tenant's rows (15 facts, 2 organizations)" ||
		bad "004: the owner's pg_dump holds every tenant's rows" "memory_facts rows: $rows, organizations: $orgs"
else
	bad "004: the owner's pg_dump succeeds" "$(head -5 "$work/owner_dump.sql")"
fi
run -c "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM $app" -c "REVOKE ALL ON SCHEMA public FROM $app" >/dev/null

# --- downgrades -------------------------------------------------------------------------------
echo "-- downgrade 004, 003, round trip, downgrade 002 001"
apply "${files[3]}" downgrade "$owner" || die "downgrade 004" "$(cat "$work/apply.out")"
dump d3
same_dump "downgrade 004 restores 003's schema exactly" s3 d3
apply "${files[2]}" downgrade "$owner" || die "downgrade 003" "$(cat "$work/apply.out")"
dump d2
same_dump "downgrade 003 restores 002's schema exactly" s2 d2
check "downgrade 003 keeps every fact and its interval (closed facts stay closed)" \
	"(SELECT count(*) = 15 FROM memory_facts)
	 AND NOT EXISTS (SELECT 1 FROM $expected LEFT JOIN memory_facts f USING (id)
	                 WHERE f.id IS NULL OR f.valid_until IS DISTINCT FROM e.valid_until)"
apply "${files[2]}" upgrade "$owner" || die "upgrade 003 again" "$(cat "$work/apply.out")"
dump r3
same_dump "upgrade 003 again gives the same schema" s3 r3
run -c "COPY (SELECT id, org_id, subject, predicate, object, confidence, valid_from, valid_until,
                     source_episode_id, created_at, superseded_by FROM memory_facts ORDER BY id) TO STDOUT" >"$work/facts3b"
if diff -u "$work/facts3" "$work/facts3b" >"$work/diff"; then
	ok "003 round trip: every fact comes back identical, superseded_by included"
else
	bad "003 round trip: facts differ" "$(cat "$work/diff")"
fi
verify "${files[2]}" ""
apply "${files[2]}" downgrade "$owner" || die "downgrade 003 (2)" "$(cat "$work/apply.out")"
apply "${files[1]}" downgrade "$owner" || die "downgrade 002" "$(cat "$work/apply.out")"
dump d1
same_dump "downgrade 002 restores 001's schema exactly" s1 d1
apply "${files[0]}" downgrade "$owner" || die "downgrade 001" "$(cat "$work/apply.out")"
dump d0
same_dump "downgrade 001 restores the empty database exactly" s0 d0
check "nothing is left in schema public" \
	"NOT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = 'public'::regnamespace)
	 AND NOT EXISTS (SELECT 1 FROM pg_type WHERE typnamespace = 'public'::regnamespace)
	 AND NOT EXISTS (SELECT 1 FROM pg_proc WHERE pronamespace = 'public'::regnamespace)
	 AND NOT EXISTS (SELECT 1 FROM pg_policy)"

# --- the whole cycle again, as the superuser, on an empty database -------------------------
echo "-- cycle as $(admin -c 'SELECT current_user')"
for i in 0 1 2 3; do
	apply "${files[$i]}" upgrade "" || die "upgrade ${revs[$i]} as superuser" "$(cat "$work/apply.out")"
	dump "su$((i + 1))"
	verify "${files[$i]}" ""
done
for i in 3 2 1 0; do
	apply "${files[$i]}" downgrade "" || die "downgrade ${revs[$i]} as superuser" "$(cat "$work/apply.out")"
	dump "sd$i"
	same_dump "downgrade ${revs[$i]} as superuser restores the previous schema" "$([[ $i == 0 ]] && echo s0 || echo "su$i")" "sd$i"
done

printf '\n%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
[[ $failed -eq 0 ]]
