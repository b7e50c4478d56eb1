#!/usr/bin/env bash
# revision --autogenerate and check --schema. The corpus tests/autogen/pairs/NN_name/{before,after}.sql:
# for each pair, the drafted upgrade takes `before` to `after` and its downgrade takes it back, judged
# by pg_dump --schema-only (normalised) and by the engine's own introspection (pgmigrate diff finds
# nothing). The example project's evolution is three more pairs, built from migrations/. Then: the
# draft's warnings and hints, no shadow database left after a failure or a signal, --shadow-url,
# check --schema's exit codes, the shipped schema/ agreeing with migrations/, and README's loop (edit
# schema/, draft, upgrade, check passes).
source "$(dirname "$0")/lib.sh"

PAIRS="$E2E_SOURCE_DIR/tests/autogen/pairs"
SERVER="$BASE_URL/postgres"
# Roles are cluster-wide: the grant and policy pairs name this one.
sql "$SERVER" "DO \$\$ BEGIN CREATE ROLE autogen_reader; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" >/dev/null

# migration_file PATH ID DOWN MESSAGE SQL_FILE: a revision whose upgrade is the file's SQL.
migration_file() {
	{
		echo "-- revision: $2"
		echo "-- down_revision: $3"
		echo "-- message: $4"
		echo
		echo "-- migrate:upgrade"
		cat "$5"
	} >"$1"
}

# section FILE NAME: the body of one section of a migration file.
section() {
	awk -v want="-- migrate:$2" '/^-- migrate:/ { on = ($0 == want); next } on' "$1"
}

shadows_left() {
	sql "$SERVER" "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgmigrate\_shadow\_%'"
}

# The example project's own evolution, as pairs: the schema after each of its revisions.
mkdir -p "$WORK/pairs/45_memory_initial" "$WORK/pairs/46_memory_row_level_security" \
	"$WORK/pairs/47_memory_fact_supersession" "$WORK/pairs/48_memory_rls_for_application_role"
memory_upto() { # N: the upgrade sections of revisions 001..N, concatenated
	local f
	for f in "$E2E_SOURCE_DIR"/migrations/*.sql; do
		local rev; rev=$(basename "$f" | cut -d_ -f3)
		(( 10#$rev <= $1 )) && section "$f" upgrade
	done
}
echo "SELECT; -- an empty database" >"$WORK/pairs/45_memory_initial/before.sql"
memory_upto 1 >"$WORK/pairs/45_memory_initial/after.sql"
memory_upto 1 >"$WORK/pairs/46_memory_row_level_security/before.sql"
memory_upto 2 >"$WORK/pairs/46_memory_row_level_security/after.sql"
memory_upto 2 >"$WORK/pairs/47_memory_fact_supersession/before.sql"
memory_upto 3 >"$WORK/pairs/47_memory_fact_supersession/after.sql"
memory_upto 3 >"$WORK/pairs/48_memory_rls_for_application_role/before.sql"
memory_upto 4 >"$WORK/pairs/48_memory_rls_for_application_role/after.sql"

started=$SECONDS
count=0
for dir in "$PAIRS"/${AUTOGEN_PAIRS:-*}/ "$WORK"/pairs/${AUTOGEN_PAIRS:-*}/; do
	[[ -d $dir ]] || continue
	count=$((count + 1))
	name=$(basename "$dir")
	proj="$WORK/$name/migrations"
	mkdir -p "$proj"
	migration_file "$proj/20260101_0000_001_before.sql" 001 none before "$dir/before.sql"

	pgm -d "$SERVER" --dir "$proj" revision --autogenerate -m "$name" --schema "$dir/after.sql"
	if [[ $name == *_no_change ]]; then
		expect_rc 0 "$name: autogenerate"
		expect_out "No changes in schema detected."
		expect_eq 1 "$(ls "$proj" | wc -l)" "$name: files in the project (no new file)"
		continue
	fi
	expect_rc 0 "$name: autogenerate"
	draft=$(ls "$proj"/*_002_*.sql 2>/dev/null)
	if [[ -z $draft ]]; then
		fail "$name: no draft written"
		continue
	fi
	[[ -n ${AUTOGEN_SHOW:-} ]] && cat "$draft"

	# On a real database: the upgrade gives `after`, the downgrade `before` again, in pg_dump's view
	# and in the engine's (pgmigrate diff finds nothing).
	# Three databases, created and filled side by side: this loop is the corpus's time.
	db="$BASE_URL/e2e_${TEST}_$name" want_after="$BASE_URL/e2e_${TEST}_${name}_after"
	want_before="$BASE_URL/e2e_${TEST}_${name}_before"
	for d in "$name" "${name}_after" "${name}_before"; do
		"$PSQL" -XqAt "$SERVER" -c "CREATE DATABASE \"e2e_${TEST}_$d\"" >/dev/null &
	done
	wait
	sql "$want_after" "\\i $dir/after.sql" >/dev/null 2>&1 || echo "$name: after.sql does not apply" >>"$WORK/.bad" &
	sql "$want_before" "\\i $dir/before.sql" >/dev/null 2>&1 || echo "$name: before.sql does not apply" >>"$WORK/.bad" &
	pgm -d "$db" --dir "$proj" --no-extension upgrade head
	expect_rc 0 "$name: upgrade head"
	wait
	[[ -s $WORK/.bad ]] && fail "$(cat "$WORK/.bad")" && rm "$WORK/.bad"
	if d=$(diff <(normalized_dump "$want_after") <(normalized_dump "$db")); then pass; else
		fail "$name: after the upgrade, pg_dump differs from after.sql ('<' wanted, '>' got):"$'\n'"$d"
	fi
	pgm diff "$db" "$want_after"
	expect_out "No changes in schema detected."
	pgm -d "$db" --dir "$proj" --no-extension downgrade 001
	expect_rc 0 "$name: downgrade 001"
	if d=$(diff <(normalized_dump "$want_before") <(normalized_dump "$db")); then pass; else
		fail "$name: after the downgrade, pg_dump differs from before.sql ('<' wanted, '>' got):"$'\n'"$d"
	fi
	pgm diff "$db" "$want_before"
	expect_out "No changes in schema detected."
	"$PSQL" -XqAt "$SERVER" -c "DROP DATABASE \"e2e_${TEST}_$name\"" -c "DROP DATABASE \"e2e_${TEST}_${name}_after\"" \
		-c "DROP DATABASE \"e2e_${TEST}_${name}_before\"" >/dev/null
done
echo "autogen: $count pairs in $((SECONDS - started)) s"
expect_eq 0 "$(shadows_left)" "shadow databases left after the corpus"
[[ -n ${AUTOGEN_PAIRS:-} ]] && finish # a subset: the checks below read particular pairs

# The head with the draft is the schema: a second autogenerate (from shadow databases) finds nothing.
proj="$WORK/47_memory_fact_supersession/migrations"
pgm -d "$SERVER" --dir "$proj" revision --autogenerate -m again --schema "$WORK/pairs/47_memory_fact_supersession/after.sql"
expect_out "No changes in schema detected."
expect_eq 2 "$(ls "$proj" | wc -l)" "files in the project (no new file)"
# And the draft's downgrade, run as an upgrade on top, gives `before` back.
mkdir -p "$WORK/down"
cp "$proj"/*.sql "$WORK/down/"
section "$(ls "$proj"/*_002_*.sql)" downgrade >"$WORK/downgrade.sql"
migration_file "$WORK/down/20260101_0002_003_down.sql" 003 002 down "$WORK/downgrade.sql"
pgm -d "$SERVER" --dir "$WORK/down" revision --autogenerate -m again --schema "$WORK/pairs/47_memory_fact_supersession/before.sql"
expect_out "No changes in schema detected."

# The draft: both sections, warnings on data loss, the rename hint, readable groups.
draft=$(ls "$WORK/05_rename_hint/migrations/"*_002_*.sql)
expect_eq 1 "$(grep -c '^-- migrate:downgrade' "$draft")" "downgrade section in the draft"
expect_eq 1 "$(grep -c 'a rename cannot be told from a drop and an add' <(section "$draft" upgrade))" "rename hint"
expect_eq 1 "$(grep -c '^-- WARNING: data loss' <(section "$draft" upgrade))" "data-loss warning above DROP COLUMN"
draft=$(ls "$WORK/07_type_narrowing/migrations/"*_002_*.sql)
expect_eq 2 "$(grep -c '^-- WARNING: data loss: column .* changes type' <(section "$draft" upgrade))" "narrowing warnings"
expect_eq 0 "$(grep -c 'WARNING' <(section "$draft" downgrade))" "widening back has no warning"
draft=$(ls "$WORK/25_enum_remove_value/migrations/"*_002_*.sql)
expect_eq 1 "$(grep -c "^-- WARNING: data loss: type public.status loses value(s) 'pending'" "$draft")" "enum value drop warning"
draft=$(ls "$WORK/02_drop_table/migrations/"*_002_*.sql)
expect_eq 1 "$(grep -c '^-- WARNING: data loss: drops table public.b' "$draft")" "drop table warning"

# A failed run (bad SQL in the schema) names the file and line and leaves no shadow database.
proj="$WORK/fail/migrations"
mkdir -p "$proj" "$WORK/fail/schema"
migration_file "$proj/20260101_0000_001_a.sql" 001 none a "$PAIRS/01_create_table/before.sql"
printf 'CREATE TABLE ok (id int);\n\nCREATE TABLE broken (id int,, x int);\n' >"$WORK/fail/schema/01_tables.sql"
pgm -d "$SERVER" --dir "$proj" revision --autogenerate -m x --schema "$WORK/fail/schema"
expect_rc 1
expect_err_has "FAILED: schema file $WORK/fail/schema/01_tables.sql failed: syntax error"
expect_err_has "01_tables.sql, line 3"
expect_eq 0 "$(shadows_left)" "shadow databases left after a failure"
expect_eq 1 "$(ls "$proj" | wc -l)" "no file written after a failure"
pgm -d "$SERVER" --dir "$proj" revision --autogenerate -m x --schema "$WORK/nowhere"
expect_rc 1
expect_err_has "schema path $WORK/nowhere does not exist"

# Ctrl-C and SIGTERM in the middle (a slow schema file): the shadow databases are dropped.
printf 'CREATE TABLE ok (id int);\nSELECT pg_sleep(30);\n' >"$WORK/fail/schema/01_tables.sql"
# Twice each, once while the schema file sleeps, once as soon as a shadow database exists (while
# the two are still being set up, by two threads).
for round in "INT sleep" "TERM sleep" "INT early" "TERM early"; do
	read -r sig when <<<"$round"
	"$PGMIGRATE" -d "$SERVER" --dir "$proj" revision --autogenerate -m x --schema "$WORK/fail/schema" \
		>"$WORK/sig.out" 2>"$WORK/sig.err" &
	pid=$!
	for _ in $(seq 200); do
		if [[ $when == early ]]; then
			[[ $(shadows_left) -ge 1 ]] && break
		else
			# in a shadow database that exists: the last round's backend may linger after its drop
			[[ $(sql "$SERVER" "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid() AND datname LIKE 'pgmigrate_shadow%'") == 1 ]] && break
		fi
		sleep 0.05
	done
	# (the head's shadow database may be read and dropped already: the two are built at once)
	[[ $(shadows_left) -ge 1 ]] && pass || fail "no shadow database while the run sleeps ($sig)"
	kill -s "$sig" "$pid"
	wait "$pid"
	RC=$?
	[[ $RC -ne 0 ]] && pass || fail "SIG$sig: exit status should not be 0"
	ERR=$(cat "$WORK/sig.err")
	expect_eq 0 "$(shadows_left)" "shadow databases left after SIG$sig"
	expect_nowhere "could not drop"
done

# SIGKILL leaves the shadow databases behind: only this role may connect to them (CONNECT revoked
# from PUBLIC), and the next run drops them (their process is gone), with a note.
"$PGMIGRATE" -d "$SERVER" --dir "$proj" revision --autogenerate -m x --schema "$WORK/fail/schema" \
	>"$WORK/sig.out" 2>"$WORK/sig.err" &
pid=$!
for _ in $(seq 200); do
	[[ $(sql "$SERVER" "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid() AND datname LIKE 'pgmigrate_shadow%'") == 1 ]] && break
	sleep 0.05
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
left=$(sql "$SERVER" "SELECT string_agg(datname, ' ') FROM pg_database WHERE datname LIKE 'pgmigrate\_shadow\_%\_$(printf '%x' "$pid")\_%'")
[[ -n $left ]] && pass || fail "SIGKILL: a shadow database is left"
# (A shadow database is created closed to connections, and opened once CONNECT is revoked.)
expect_eq "" "$(sql "$SERVER" "SELECT string_agg(datname, ' ') FROM pg_database WHERE datname LIKE 'pgmigrate\_shadow\_%' AND datallowconn AND has_database_privilege('public', oid, 'CONNECT')")" \
	"PUBLIC may connect to no shadow database"
# Not stale: another host's (or container's) recent one; stale: another host's from 1970.
now=$(printf '%x' "$(date +%s)")
sql "$SERVER" "CREATE DATABASE pgmigrate_shadow_${now}_00000000_1_1_0001" >/dev/null
sql "$SERVER" "CREATE DATABASE pgmigrate_shadow_1_00000000_1_1_0002" >/dev/null
printf 'CREATE TABLE ok (id int);\n' >"$WORK/fail/schema/01_tables.sql"
pgm -d "$SERVER" --dir "$proj" revision --autogenerate -m x --schema "$WORK/fail/schema"
expect_rc 0 "autogenerate after a killed run"
# Dropped by this run, or by the other mode's script running beside it on the same server, which
# finds them stale too: either way they are gone, and this run says so for any it dropped.
for db in $left; do
	expect_eq "" "$(sql "$SERVER" "SELECT datname FROM pg_database WHERE datname = '$db'")" "stale $db dropped"
done
[[ $ERR != *"Dropped stale database pgmigrate_shadow_"*"_$(printf '%x' "$pid")_"* ]] ||
	expect_err_has "(its process $pid on this host is gone: a killed run left it)"
expect_err_has "Dropped stale database pgmigrate_shadow_1_00000000_1_1_0002 (made on another host"
expect_eq "pgmigrate_shadow_${now}_00000000_1_1_0001" "$(sql "$SERVER" "SELECT string_agg(datname, ' ') FROM pg_database WHERE datname LIKE 'pgmigrate\_shadow\_%'")" \
	"only the recent one of another host is left"
sql "$SERVER" "DROP DATABASE pgmigrate_shadow_${now}_00000000_1_1_0001" >/dev/null
rm -f "$proj"/*_002_x.sql

# --shadow-url: the shadow databases go to that server; the target is not even needed.
pgm --dir "$WORK/05_rename_hint/migrations" revision --autogenerate -m x --shadow-url "$SERVER" \
	--schema "$PAIRS/05_rename_hint/after.sql"
expect_out "No changes in schema detected."

# check --schema: exit 0 when the head is the schema, 1 with the list when it is not, 1 when the
# database itself is behind.
proj="$WORK/05_rename_hint/migrations"
db=$(new_db check --no-extension)
pgm -d "$db" --dir "$proj" --no-extension upgrade head
pgm -d "$db" --dir "$proj" --no-extension check --schema "$PAIRS/05_rename_hint/after.sql"
expect_rc 0 "check --schema, head is the schema"
expect_out "No pending upgrades"
pgm -d "$db" --dir "$proj" --no-extension check --schema "$PAIRS/03_add_column/after.sql"
expect_rc 1 "check --schema, schema differs"
expect_err_has "FAILED: New upgrade operations detected"
expect_err_has "add table public.t"
expect_err_has "drop table public.agents"
pgm -d "$db" --dir "$proj" --no-extension --json check --schema "$PAIRS/03_add_column/after.sql"
expect_rc 1
expect_eq "add table public.t" "$(json '{schema_changes,1}')" "--json lists the changes"
pgm -d "$db" --dir "$proj" --no-extension downgrade 001
pgm -d "$db" --dir "$proj" --no-extension check --schema "$PAIRS/05_rename_hint/after.sql"
expect_rc 1 "check --schema, database behind"
expect_err_has "Target database is not up to date."
expect_eq 0 "$(shadows_left)" "shadow databases left at the end"

# The example project ships schema/, its head written declaratively: it must stay the migrations' head.
db=$(new_db shipped --no-extension)
pgm -d "$db" --dir "$E2E_SOURCE_DIR/migrations" --no-extension upgrade head
expect_rc 0 "shipped: upgrade head"
pgm -d "$db" --dir "$E2E_SOURCE_DIR/migrations" --no-extension check --schema "$E2E_SOURCE_DIR/schema"
expect_rc 0 "shipped: check --schema schema (schema/ must be migrations/'s head: change both together)"
expect_out "No pending upgrades"

# README's loop on the example project as shipped, through the extension: edit schema/memory.sql (add
# a column to its CREATE TABLE memory_facts), draft, review, upgrade, and check --schema passes.
mkdir -p "$WORK/loop"
cp -r "$E2E_SOURCE_DIR/migrations" "$E2E_SOURCE_DIR/schema" "$WORK/loop/"
sed -i 's/^    superseded_by      uuid,$/&\n    embedding          real[],/' "$WORK/loop/schema/memory.sql"
expect_eq 1 "$(grep -c '^    embedding          real\[\],$' "$WORK/loop/schema/memory.sql")" "loop: the edit"
cd "$WORK/loop"
db=$(new_db loop)
pgm -d "$db" upgrade head
expect_rc 0 "loop: upgrade head"
pgm -d "$db" check --schema schema
expect_rc 1 "loop: check --schema before the draft"
expect_err_has "add column public.memory_facts.embedding"
pgm -d "$db" revision --autogenerate -m "add fact embeddings"
expect_rc 0 "loop: autogenerate"
expect_out_has "Detected add column public.memory_facts.embedding"
draft=$(ls migrations/*_005_add_fact_embeddings.sql)
expect_eq "ALTER TABLE public.memory_facts ADD COLUMN embedding real[];" "$(grep -v '^--' <(section "$draft" upgrade) | grep .)" "loop: the upgrade"
expect_eq "ALTER TABLE public.memory_facts DROP COLUMN embedding;" "$(grep -v '^--' <(section "$draft" downgrade) | grep .)" "loop: the downgrade"
pgm -d "$db" upgrade head
expect_rc 0 "loop: upgrade to the draft"
expect_out "Running upgrade 004 -> 005, add fact embeddings"
pgm -d "$db" check --schema schema
expect_rc 0 "loop: check --schema after the upgrade"
expect_out "No pending upgrades"
cd /
expect_eq 0 "$(shadows_left)" "shadow databases left after the loop"

finish
