#!/usr/bin/env bash
# Citus: the distributed memory schema (examples/citus) on a coordinator and two workers of its
# own (scripts/citus.sh; Citus is built and installed by the citus_install fixture). Up, down and
# up through pgmigrate and through SELECT migrate_upgrade('head') on the coordinator; DDL reaches
# every shard on the workers; two concurrent migrators apply each revision once; a failing
# revision leaves the coordinator and every worker unchanged; transactional: false revisions
# (CREATE INDEX CONCURRENTLY on a distributed table); row-level security; client mode;
# pgmigrate test.
: "${E2E_SOURCE_DIR:?}" "${E2E_STAGE:?}"
CITUS=${E2E_CITUS:-$(mktemp -d /tmp/pgmigrate-e2e-citus-cluster.XXXXXX)}
# Four shards per table (Citus's default is 32): still spread over both workers, and creating and
# dropping the example's tables a dozen times stays quick.
CITUS_NODE_OPTS="-c citus.shard_count=4" "$E2E_SOURCE_DIR/scripts/citus.sh" start "$CITUS" "$E2E_STAGE" >/dev/null || {
	echo "citus: cannot start the Citus cluster" >&2
	exit 1
}
export E2E_CLUSTER=$CITUS/coordinator # lib.sh: the coordinator is the suite's server
source "$(dirname "$0")/lib.sh"
stop_citus() {
	cleanup
	"$E2E_SOURCE_DIR/scripts/citus.sh" stop "$CITUS" >/dev/null 2>&1
	rm -rf "$CITUS"
}
trap stop_citus EXIT
cd "$WORK" || exit 1
W1=$(cat "$CITUS/worker1/port")
W2=$(cat "$CITUS/worker2/port")
EXAMPLE=$E2E_SOURCE_DIR/examples/citus/migrations
TABLES=(organizations teams users agents api_keys sessions episodes memory_facts)

# citus_db NAME [--no-extension]: database e2e_citus_NAME on the coordinator and both workers,
# Citus in each (Citus's metadata is per database), the workers added; migrate on the
# coordinator unless told. Prints the coordinator's URL.
citus_db() {
	local name="e2e_citus_$1" port
	for port in "$PORT" "$W1" "$W2"; do
		# (Citus notes that it does not create the database on the other nodes: that is done here)
		PGOPTIONS="-c client_min_messages=warning" sql "postgresql://postgres@127.0.0.1:$port/postgres" "CREATE DATABASE $name" >/dev/null &&
			sql "postgresql://postgres@127.0.0.1:$port/$name" "CREATE EXTENSION citus" >/dev/null || return 1
	done
	sql "$BASE_URL/$name" "SELECT citus_set_coordinator_host('127.0.0.1', $PORT)" >/dev/null &&
		sql "$BASE_URL/$name" "SELECT citus_add_node('127.0.0.1', $W1)" >/dev/null &&
		sql "$BASE_URL/$name" "SELECT citus_add_node('127.0.0.1', $W2)" >/dev/null || return 1
	if [[ ${2:-} != --no-extension ]]; then
		sql "$BASE_URL/$name" "CREATE EXTENSION migrate" >/dev/null || return 1
	fi
	echo "$BASE_URL/$name"
}

# on_worker URL PORT QUERY: QUERY in URL's database on the worker at PORT. Citus hides the shards
# from the catalog on workers (they are tables of their own there): show them.
on_worker() {
	PGOPTIONS="-c citus.override_table_visibility=off" sql "postgresql://postgres@127.0.0.1:$2/${1##*/}" "$3"
}

# shards URL TABLE: "placements on worker1/worker2" of TABLE, from the coordinator's metadata.
shards() {
	sql "$1" "SELECT count(*) FILTER (WHERE nodeport = $W1) || '/' || count(*) FILTER (WHERE nodeport = $W2)
		FROM citus_shards WHERE table_name = '$2'::regclass"
}

# on_workers URL QUERY: "worker1/worker2" results of a count.
on_workers() {
	echo "$(on_worker "$1" "$W1" "$2")/$(on_worker "$1" "$W2" "$2")"
}

# shards_with URL TABLE COLUMN: "worker1/worker2" counts of TABLE's shards that have COLUMN,
# looked up on the workers themselves.
shards_with() {
	on_workers "$1" "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		WHERE c.relname ~ '^$2_[0-9]+\$' AND a.attname = '$3' AND NOT a.attisdropped"
}

# shard_tables URL: "worker1/worker2" counts of the example's shard tables.
shard_tables() {
	on_workers "$1" "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname ~ '^(${TABLES[*]// /|})_[0-9]+\$'"
}

# worker_state URL: what a failed revision must leave unchanged on the workers: their schemas,
# shards included, and no prepared (two-phase) transaction left.
worker_state() {
	local port
	for port in "$W1" "$W2"; do
		# pg_dump locks every table it dumps, which Citus allows on a shard only with manual changes on
		PGOPTIONS="-c citus.override_table_visibility=off -c citus.enable_manual_changes_to_shards=on" schema_of "postgresql://postgres@127.0.0.1:$port/${1##*/}"
		on_worker "$1" "$port" "SELECT 'prepared', count(*) FROM pg_prepared_xacts"
	done
}

# 1. The example through pgmigrate: up, down, up. Every table distributed and co-located; the
#    shards are on both workers; downgrading to base drops them there too.
URL=$(citus_db pgm) || { echo "citus: cannot create a Citus database" >&2; exit 1; }
# CREATE EXTENSION migrate on the coordinator: Citus creates it on the workers too, so migrate
# must be installed on every node (here all of them load it from the stage).
expect_eq "migrate/migrate" "$(on_workers "$URL" "SELECT extname FROM pg_extension WHERE extname = 'migrate'")" \
	"Citus created the extension on the workers"
pgm -d "$URL" --dir "$EXAMPLE" upgrade head
expect_rc 0 "pgmigrate upgrade head on the coordinator"
expect_out_has "Running upgrade 002 -> 003, fact supersession"
expect_eq "8 1" "$(sql "$URL" "SELECT count(*) || ' ' || count(DISTINCT colocationid) FROM pg_dist_partition")" \
	"eight distributed tables, one co-location group"
placements=$(shards "$URL" memory_facts)
[[ $placements =~ ^[1-9][0-9]*/[1-9][0-9]*$ ]] && pass || fail "memory_facts has shards on both workers: $placements"
expect_eq "$placements" "$(shards_with "$URL" memory_facts superseded_by)" \
	"003's column is on every memory_facts shard of both workers"
expect_eq "$placements" "$(shards_with "$URL" episodes tags)" "001's columns are on every shard"
pgm -d "$URL" --dir "$EXAMPLE" downgrade 002
expect_rc 0 "downgrade to 002"
expect_eq "0/0" "$(shards_with "$URL" memory_facts superseded_by)" "003's column is gone from every shard"
expect_eq "$placements" "$(shards "$URL" memory_facts)" "the shards stay"
pgm -d "$URL" --dir "$EXAMPLE" downgrade base
expect_rc 0 "downgrade to base"
expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM pg_dist_partition")" "no distributed table left"
expect_eq "0/0" "$(shard_tables "$URL")" "no shard left on the workers"
pgm -d "$URL" --dir "$EXAMPLE" upgrade head
expect_rc 0 "upgrade again"
expect_eq "003" "$(sql "$URL" "SELECT revision FROM migrate.version")" "at head"
expect_eq "$placements" "$(shards_with "$URL" memory_facts superseded_by)" "the column on every shard again"

# 2. The same through SQL on the coordinator: migrate_add, then migrate_upgrade('head'),
#    migrate_downgrade('base'), migrate_upgrade('head').
SQLURL=$(citus_db sql)
# add_file URL FILE: migrate_add(content, file name), as from psql; the content exactly (its
# final newline too, so the checksum is the one pgmigrate computes).
add_file() {
	local content
	content=$(cat "$2" && echo .)
	"$PSQL" -XqAt -v ON_ERROR_STOP=1 "$1" -v content="${content%.}" -v name="${2##*/}" \
		<<<"SELECT migrate_add(:'content', :'name');" >/dev/null
}
for f in "$EXAMPLE"/*.sql; do
	add_file "$SQLURL" "$f" || fail "migrate_add ${f##*/}"
done
for step in "migrate_upgrade('head')" "migrate_downgrade('base')" "migrate_upgrade('head')"; do
	OUT=$(sql "$SQLURL" "SELECT string_agg(revision, ' ' ORDER BY revision) FROM $step" 2>"$WORK/.err")
	RC=$?
	ERR=$(cat "$WORK/.err")
	expect_rc 0 "SELECT $step"
done
expect_eq "001 002 003" "$OUT" "migrate_upgrade('head') applied the three revisions"
expect_eq "003" "$(sql "$SQLURL" "SELECT revision FROM migrate.version")" "SQL: at head"
expect_eq "$placements" "$(shards_with "$SQLURL" memory_facts superseded_by)" \
	"SQL: the column on every shard"
expect_eq "6 3" "$(sql "$SQLURL" "SELECT count(*) FILTER (WHERE direction = 'upgrade') || ' ' || count(*) FILTER (WHERE direction = 'downgrade') FROM migrate.log")" \
	"SQL: the log has every step"

# 3. Two migrators at once on the coordinator: both wait for a third session that holds the
#    migration lock; when it goes, one applies every revision and the other finds nothing to do.
LOCKURL=$(citus_db lock)
pgm -d "$LOCKURL" --dir "$EXAMPLE" stamp base # uploads the revisions: the lock holder below needs migrate.version
"$PSQL" -XqAt "$LOCKURL" -c "SELECT pg_backend_pid()" \
	-c "BEGIN; LOCK TABLE migrate.version IN SHARE ROW EXCLUSIVE MODE; SELECT pg_sleep(120); COMMIT" >holder.out 2>&1 &
holder=$!
for _ in $(seq 300); do # until the holder has the lock
	[[ $(sql "$LOCKURL" "SELECT count(*) FROM pg_locks WHERE relation = 'migrate.version'::regclass AND granted AND mode = 'ShareRowExclusiveLock'") == 1 ]] && break
	sleep 0.1
done
"$PGMIGRATE" -d "$LOCKURL" --dir "$EXAMPLE" upgrade head >a.out 2>a.err &
a=$!
"$PGMIGRATE" -d "$LOCKURL" --dir "$EXAMPLE" upgrade head >b.out 2>b.err &
b=$!
for _ in $(seq 600); do # until both say they wait, then the holder goes
	grep -q "Waiting for another migration" a.err && grep -q "Waiting for another migration" b.err && break
	sleep 0.1
done
grep -q "Waiting for another migration" a.err && grep -q "Waiting for another migration" b.err && pass ||
	fail "both waited for the lock: $(cat a.err b.err)"
sql "$LOCKURL" "SELECT pg_terminate_backend($(head -1 holder.out))" >/dev/null
wait "$holder"
wait "$a"
RC=$?
expect_rc 0 "the first concurrent migrator"
wait "$b"
RC=$?
expect_rc 0 "the second concurrent migrator"
expect_eq "3" "$(cat a.out b.out | grep -c '^Running upgrade')" "three steps printed in all"
expect_eq "001:1 002:1 003:1" "$(sql "$LOCKURL" "SELECT string_agg(revision || ':' || n, ' ' ORDER BY revision)
	FROM (SELECT revision, count(*) n FROM migrate.log WHERE direction = 'upgrade' GROUP BY revision) s")" \
	"each revision applied once"
expect_eq "003" "$(sql "$LOCKURL" "SELECT revision FROM migrate.version")" "at head"
expect_eq "8" "$(sql "$LOCKURL" "SELECT count(*) FROM pg_dist_partition")" "the tables distributed once"

# 4. A failing revision: 004 adds a column to agents (reaching every shard), then a CHECK that a
#    row on one worker violates. Nothing stays: not on the coordinator, not on any worker, and no
#    prepared transaction is left behind.
cp -r "$EXAMPLE" project
org=$(sql "$URL" "INSERT INTO organizations (name) VALUES ('acme') RETURNING id")
sql "$URL" "INSERT INTO memory_facts (org_id, subject, predicate, object, confidence)
	VALUES ('$org', 'alice', 'works_at', 'acme', 0.2)" >/dev/null
rev project/20260301_1230_004_fail.sql 004 003 "fails on a worker" \
	"ALTER TABLE agents ADD COLUMN capabilities text[] NOT NULL DEFAULT '{}';
ALTER TABLE memory_facts ADD CONSTRAINT memory_facts_confident CHECK (confidence >= 0.5);" \
	"ALTER TABLE memory_facts DROP CONSTRAINT memory_facts_confident;
ALTER TABLE agents DROP COLUMN capabilities;"
add_file "$URL" project/*_004_fail.sql # uploaded before the snapshot: a failed upgrade keeps the upload
db_snapshot "$URL" >before.coordinator
worker_state "$URL" >before.workers
pgm -d "$URL" --dir project upgrade head
expect_rc 1 "a revision failing on a worker fails"
expect_err_has "memory_facts_confident"
expect_err_has "revision 004 (upgrade), file 20260301_1230_004_fail.sql"
expect_unchanged before.coordinator "$URL" "the coordinator"
d=$(diff before.workers <(worker_state "$URL")) && pass || fail "the workers changed:"$'\n'"$d"
expect_eq "0/0" "$(shards_with "$URL" agents capabilities)" "no agents shard has the column"

# 5. transactional: false: CREATE INDEX CONCURRENTLY on a distributed table. pgmigrate runs it
#    outside a transaction block and Citus builds the index on every shard; migrate_upgrade()
#    refuses it as on plain PostgreSQL.
rm project/*_004_fail.sql
rev project/20260301_1230_004_episode_roles.sql 004 003 "index episodes by role, concurrently" \
	"CREATE INDEX CONCURRENTLY episodes_role_idx ON episodes (org_id, role);" \
	"DROP INDEX CONCURRENTLY episodes_role_idx;" "-- transactional: false"
add_file "$SQLURL" project/*_004_*.sql || fail "migrate_add 004"
OUT=$(sql "$SQLURL" "SELECT * FROM migrate_upgrade('head')" 2>&1)
RC=$?
expect_rc 1 "migrate_upgrade() refuses a transactional: false revision"
expect_out_has "pgmigrate"
pgm -d "$URL" --dir project upgrade head
expect_rc 0 "pgmigrate runs CREATE INDEX CONCURRENTLY on a distributed table"
idx="SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
	WHERE c.relname ~ '^episodes_role_idx_[0-9]+\$' AND i.indisvalid"
expect_eq "$(shards "$URL" episodes)" "$(on_workers "$URL" "$idx")" \
	"a valid index on every episodes shard"

# A failing CREATE INDEX CONCURRENTLY (a unique index over duplicates on one shard): pgmigrate
# fails naming the revision, the version stays at 004, and, as on plain PostgreSQL, an INVALID
# index is left behind (on the coordinator and the shards where it was built): the limit
# README.md documents (drop it before retrying).
sql "$URL" "INSERT INTO memory_facts (org_id, subject, predicate, object) VALUES ('$org', 'bob', 'likes', 'tea'), ('$org', 'carol', 'likes', 'tea')" >/dev/null
rev project/20260301_1240_005_unique_objects.sql 005 004 "unique objects, concurrently" \
	"CREATE UNIQUE INDEX CONCURRENTLY memory_facts_object_key ON memory_facts (org_id, object);" \
	"DROP INDEX CONCURRENTLY memory_facts_object_key;" "-- transactional: false"
pgm -d "$URL" --dir project upgrade head
expect_rc 1 "a failing CREATE INDEX CONCURRENTLY on a distributed table fails"
expect_err_has "is duplicated"
expect_err_has "Revision 005 runs outside a transaction (transactional: false)"
expect_eq "004" "$(sql "$URL" "SELECT revision FROM migrate.version")" "the version stays at 004"
expect_eq "false" "$(sql "$URL" "SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'memory_facts_object_key'::regclass")" \
	"an invalid index stays on the coordinator, as on plain PostgreSQL"
# It exists on some shards only: dropping it needs IF EXISTS, which Citus passes on to each shard.
OUT=$(sql "$URL" "DROP INDEX CONCURRENTLY memory_facts_object_key" 2>&1)
[[ $OUT == *"does not exist"* ]] && pass || fail "DROP INDEX without IF EXISTS fails on a shard without it: $OUT"
sql "$URL" "DROP INDEX CONCURRENTLY IF EXISTS memory_facts_object_key" >/dev/null && pass || fail "DROP INDEX CONCURRENTLY IF EXISTS"
expect_eq "" "$(sql "$URL" "SELECT to_regclass('memory_facts_object_key')")" "the invalid index is gone"
rm project/*_005_*.sql
pgm -d "$URL" --dir project downgrade 003
expect_rc 0 "DROP INDEX CONCURRENTLY on a distributed table"
expect_eq "0/0" "$(on_workers "$URL" "$idx")" "the index is gone from every shard"
rm project/*_004_*.sql

# 6. Limits found here (README.md): Citus refuses ON DELETE SET NULL on a foreign key that
#    includes the distribution column, and ADD CONSTRAINT beside other subcommands; the
#    revision fails with Citus's message and nothing of it stays.
rev project/20260301_1230_004_set_null.sql 004 003 "set null" \
	"ALTER TABLE agents ADD COLUMN backup_user_id uuid;
ALTER TABLE agents ADD CONSTRAINT agents_backup_user_fk FOREIGN KEY (org_id, backup_user_id)
    REFERENCES users (org_id, id) ON DELETE SET NULL (backup_user_id);" "ALTER TABLE agents DROP COLUMN backup_user_id;"
pgm -d "$URL" --dir project upgrade head
expect_rc 1 "ON DELETE SET NULL on a distributed table's composite foreign key"
expect_err_has "SET NULL or SET DEFAULT is not supported in ON DELETE operation when distribution key is included in the foreign key constraint"
expect_eq "0/0" "$(shards_with "$URL" agents backup_user_id)" "its column did not stay on any shard"
rev project/20260301_1230_004_set_null.sql 004 003 "two constraints at once" \
	"ALTER TABLE agents ADD CONSTRAINT agents_name_short CHECK (length(name) < 200), ADD CONSTRAINT agents_model_short CHECK (length(model) < 200);" \
	"ALTER TABLE agents DROP CONSTRAINT agents_name_short, DROP CONSTRAINT agents_model_short;"
pgm -d "$URL" --dir project upgrade head
expect_rc 1 "ADD CONSTRAINT with another subcommand"
expect_err_has "cannot execute ADD CONSTRAINT command with other subcommands"
rm project/*_004_*.sql

# 7. Row-level security (002) on the shards, for an application role: with
#    citus.propagate_set_commands = 'local' (here ALTER ROLE ... SET) a SET LOCAL app.current_org
#    reaches the workers and a tenant sees exactly its rows and cannot write another's; without
#    it, or with set_config() instead of SET LOCAL, the workers never see the setting and the
#    tenant sees no rows at all (closed, not open).
sql "$URL" "CREATE ROLE e2e_citus_app LOGIN; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO e2e_citus_app" >/dev/null
org2=$(sql "$URL" "INSERT INTO organizations (name) VALUES ('globex') RETURNING id")
sql "$URL" "INSERT INTO teams (org_id, name) VALUES ('$org', 'a1'), ('$org2', 'b1'), ('$org2', 'b2')" >/dev/null
APP=${URL/postgres@/e2e_citus_app@}
as_tenant() { # ORG SQL...: statements in one transaction as the application role, tenant ORG
	local o=$1
	shift
	"$PSQL" -XqAt "$APP" -c "BEGIN" -c "SET LOCAL app.current_org = '$o'" "${@/#/-c}" -c "COMMIT" 2>&1
}
expect_eq "0" "$(as_tenant "$org2" "SELECT count(*) FROM teams")" "without propagation the workers see no tenant: no rows"
expect_eq "0" "$(as_tenant "$org2" "SELECT count(*) FROM teams WHERE org_id = '$org2'")" "not even for one tenant's shard"
sql "$URL" "ALTER ROLE e2e_citus_app SET citus.propagate_set_commands = 'local'" >/dev/null
expect_eq "2" "$(as_tenant "$org2" "SELECT count(*) FROM teams")" "with propagation: the tenant's rows"
expect_eq "1" "$(as_tenant "$org" "SELECT count(*) FROM teams WHERE name LIKE '%1'")" "and only the tenant's"
out=$(as_tenant "$org2" "INSERT INTO teams (org_id, name) VALUES ('$org', 'intruder')")
[[ $out == *"new row violates row-level security policy"* ]] && pass || fail "another tenant's row is refused on the shard: $out"
out=$("$PSQL" -XqAt "$APP" -c "BEGIN" -c "SELECT set_config('app.current_org', '$org2', true)" -c "SELECT count(*) FROM teams" -c "COMMIT" 2>&1)
expect_eq "$org2"$'\n'"0" "$out" "set_config() does not reach the workers: no rows"

# 8. Client mode (--no-extension): up, down, up, with the same shard checks. pgmigrate sends a
#    transactional section as one message on plain PostgreSQL, but statement by statement on
#    Citus, which forwards CREATE INDEX to the workers as the whole message it came in, where
#    several statements are refused (shown here with psql):
OUT=$(sql "$URL" "CREATE INDEX agents_a_idx ON agents (org_id, name); CREATE INDEX agents_b_idx ON agents (org_id, model)" 2>&1)
[[ $OUT == *"cannot insert multiple commands into a prepared statement"* ]] && pass ||
	fail "Citus refuses CREATE INDEX in a multi-statement message: $OUT"
NOEXTURL=$(citus_db noext --no-extension)
for target in head base head; do
	[[ $target == base ]] && cmd=downgrade || cmd=upgrade
	pgm --no-extension -d "$NOEXTURL" --dir "$EXAMPLE" "$cmd" "$target"
	expect_rc 0 "client mode: $cmd $target"
done
expect_eq "003" "$(sql "$NOEXTURL" "SELECT revision FROM migrate.version")" "client mode: at head"
expect_eq "" "$(sql "$NOEXTURL" "SELECT extname FROM pg_extension WHERE extname = 'migrate'")" "without the extension"
expect_eq "$placements" "$(shards_with "$NOEXTURL" memory_facts superseded_by)" \
	"client mode: the column on every shard"

# 9. pgmigrate test (each downgrade restores the coordinator's schema exactly) on a scratch
#    database prepared for Citus, given with --scratch-url; the scratch database it would create
#    itself has no Citus, so the first create_distributed_table() fails there.
SCRATCH=$(citus_db scratch)
pgm -d "$URL" --dir "$EXAMPLE" test --scratch-url "$SCRATCH"
expect_rc 0 "pgmigrate test on a Citus scratch database"
expect_out_has "3 downgrades restored the schema exactly"
pgm -d "$URL" --dir "$EXAMPLE" test
expect_rc 1 "pgmigrate test with a scratch database of its own"
expect_err_has "function create_distributed_table(unknown, unknown) does not exist"

finish
