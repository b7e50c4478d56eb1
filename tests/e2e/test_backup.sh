#!/usr/bin/env bash
# docs/deploy.md's manual deployment, run by a database owner that is NOT a superuser, with the
# example project (migrations/): pg_dump backup, upgrade head, current, downgrade -1, and the
# backup restored into a fresh database by that owner, which must then hold the same rows (tenant
# data written by the application role included) and the same migration state as at backup time;
# tenant isolation still holds the application role there. Both modes (label e2e_noext). Then, in
# extension mode: install-extension and uninstall-extension run by a superuser give client mode's
# state back to its owner, whose pg_dump keeps working.
source "$(dirname "$0")/lib.sh"

OWNER=e2e_${TEST}_owner # TEST differs per mode: both modes can run at once
APP=e2e_${TEST}_app
ADMIN=$BASE_URL/postgres
for r in "$OWNER" "$APP"; do
	"$PSQL" -XqAt "$ADMIN" -c "DO \$\$ BEGIN CREATE ROLE $r LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
		EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END \$\$" >/dev/null
done
drop_roles() {
	cleanup
	"$PSQL" -XqAt "$ADMIN" -c "DROP ROLE IF EXISTS $APP" -c "DROP ROLE IF EXISTS $OWNER" >/dev/null 2>&1
}
trap drop_roles EXIT
A=aaaaaaaa-0000-4000-8000-000000000001
B=bbbbbbbb-0000-4000-8000-000000000002
TABLES=(organizations teams users agents api_keys sessions episodes memory_facts)

as_owner() { echo "postgresql://$OWNER@127.0.0.1:$PORT/$1"; }
as_app() { echo "postgresql://$APP@127.0.0.1:$PORT/$1"; }
as_admin() { echo "$BASE_URL/$1"; }
# The grants of README's "Granting migration rights to a deploy role" (extension mode).
EXECUTE_GRANTS=$(readme_grants "$OWNER")

# owned_db NAME: an empty database owned by OWNER (a superuser creates it; in extension mode it also
# creates the extension and grants OWNER the right to migrate through it). Prints its name.
owned_db() {
	local name="e2e_${TEST}_$1"
	PGOPTIONS="-c client_min_messages=warning" "$PSQL" -XqAt "$ADMIN" -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" \
		-c "CREATE DATABASE \"$name\" OWNER $OWNER" >/dev/null
	[[ -n $NOEXT ]] || sql "$(as_admin "$name")" "CREATE EXTENSION migrate; $EXECUTE_GRANTS" >/dev/null
	echo "$name"
}

# facts DB: every row of every example table and the migration state, as the owner sees them.
facts() {
	local t args=()
	for t in "${TABLES[@]}"; do args+=(-c "SELECT '$t', t::text FROM $t t ORDER BY 2"); done
	"$PSQL" -XqAt -v ON_ERROR_STOP=1 "$(as_owner "$1")" "${args[@]}" \
		-c "SELECT 'version', revision FROM migrate.version ORDER BY 1" \
		-c "SELECT 'log rows', count(*) FROM migrate.log" \
		-c "SELECT 'revision', revision, checksum, down_revisions, filename FROM migrate.revisions ORDER BY revision" 2>&1
}

# isolated DB: the application role, acting for org A, sees A's rows only, and cannot write B's.
isolated() {
	local db=$1 what=$2 q="SELECT count(*) = 1 AND bool_and(id = '$A') FROM organizations" t
	for t in "${TABLES[@]:1}"; do q+=" UNION ALL SELECT count(*) > 0 AND bool_and(org_id = '$A') FROM $t"; done
	expect_eq t "$(sql "$(as_app "$db")" "BEGIN; SET LOCAL app.current_org = '$A'; SELECT bool_and(x) FROM ($q) s(x); COMMIT;" | tr -d '\n')" \
		"$what: app acting for A sees A's rows only, in every table"
	expect_eq 0 "$(sql "$(as_app "$db")" "SELECT count(*) FROM memory_facts")" "$what: app with no tenant set sees nothing"
	if sql "$(as_app "$db")" "BEGIN; SET LOCAL app.current_org = '$A'; INSERT INTO teams (org_id, name) VALUES ('$B', 'x'); COMMIT;" \
		>/dev/null 2>"$WORK/app.err"; then
		fail "$what: app acting for A wrote a row of B"
	else
		grep -q 'row-level security' "$WORK/app.err" && pass || fail "$what: unexpected error: $(cat "$WORK/app.err")"
	fi
}

# --- the database, as deployed: the example at its head, tenant data written by the application ---
mkdir -p "$WORK/proj"
cp "$E2E_SOURCE_DIR"/migrations/*.sql "$WORK/proj/"
DB=$(owned_db live)
URL=$(as_owner "$DB")
pgm -d "$URL" --dir "$WORK/proj" upgrade head
expect_rc 0 "owner: upgrade head (the example)"
expect_out_has "Running upgrade 003 -> 004"
sql "$URL" "GRANT USAGE ON SCHEMA public TO $APP; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO $APP" >/dev/null
for org in "$A" "$B"; do
	"$PSQL" -XqAt -v ON_ERROR_STOP=1 -v org="$org" "$(as_app "$DB")" >/dev/null 2>"$WORK/seed.err" <<'SQL' || fail "app writes tenant data: $(cat "$WORK/seed.err")"
BEGIN;
SELECT set_config('app.current_org', :'org', true);
INSERT INTO organizations (id, name) VALUES (:'org', 'org ' || :'org');
INSERT INTO teams (org_id, name) VALUES (:'org', 'research');
INSERT INTO users (org_id, team_id, email) SELECT :'org', id, 'alice@' || :'org' || '.test' FROM teams;
INSERT INTO agents (org_id, owner_user_id, name) SELECT :'org', id, 'alice-bot' FROM users;
INSERT INTO api_keys (org_id, agent_id, key_prefix, key_hash)
    SELECT :'org', id, 'mk_' || left(:'org', 4), sha256(convert_to(:'org', 'UTF8')) FROM agents;
INSERT INTO sessions (org_id, user_id, agent_id, title) SELECT :'org', owner_user_id, id, 'chat' FROM agents;
INSERT INTO episodes (org_id, session_id, role, content, tags, metadata)
    SELECT :'org', id, 'user', 'I moved to Berlin.', '{location}', '{"lang": "en"}' FROM sessions;
INSERT INTO memory_facts (org_id, subject, predicate, object, source_episode_id)
    SELECT :'org', 'alice', 'lives_in', 'berlin', id FROM episodes;
COMMIT;
SQL
done
isolated "$DB" "before the backup"
expect_eq 2 "$(sql "$URL" "SELECT count(*) FROM memory_facts")" "the owner (no FORCE since 004) sees both tenants' facts"

# --- backup, as the owner, exactly as the guide says -------------------------------------------
"$PG_BINDIR/pg_dump" "$URL" >"$WORK/backup.sql" 2>"$WORK/dump.err"
RC=$? ERR=$(cat "$WORK/dump.err") OUT=
expect_rc 0 "owner: pg_dump \$DATABASE_URL > backup.sql"
expect_eq "" "$ERR" "pg_dump's stderr"
expect_eq 2 "$(grep -c "^$A\|^$B" <(awk '/^COPY public\.organizations /{on=1; next} /^\\\.$/{on=0} on' "$WORK/backup.sql"))" \
	"the backup holds both organizations (not an empty table)"
facts "$DB" >"$WORK/at_backup"
expect_eq 1 "$(grep -c '^version|004$' "$WORK/at_backup")" "at backup time: version 004"

# --- the deployment: a new revision, upgrade head, current, and a rollback ---------------------
rev "$WORK/proj/20260301_0900_005_agent_capabilities.sql" 005 004 "add agent capabilities" \
	"ALTER TABLE agents ADD COLUMN capabilities text[] NOT NULL DEFAULT '{}';" \
	"ALTER TABLE agents DROP COLUMN capabilities;"
pgm -d "$URL" --dir "$WORK/proj" upgrade head
expect_rc 0 "owner: upgrade head"
expect_out "Running upgrade 004 -> 005, add agent capabilities"
pgm -d "$URL" --dir "$WORK/proj" current
expect_rc 0 "owner: current"
expect_out "005 (head)"
pgm -d "$URL" --dir "$WORK/proj" downgrade -1
expect_rc 0 "owner: downgrade -1"
expect_out "Running downgrade 005 -> 004, add agent capabilities"
pgm -d "$URL" --dir "$WORK/proj" current
expect_out "004"
isolated "$DB" "after the rollback"

# --- restore the backup into a fresh database, as the owner --------------------------------------
FRESH=$(owned_db restored)
if [[ -n $NOEXT ]]; then
	# Client mode: the dump holds schema migrate and its tables like any other; the owner restores all.
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -f "$WORK/backup.sql" "$(as_owner "$FRESH")" >/dev/null 2>"$WORK/restore.err"
	RC=$? ERR=$(cat "$WORK/restore.err")
	expect_rc 0 "owner: psql -f backup.sql into the fresh database"
else
	# Extension mode (docs/deploy.md): owned_db's superuser created the extension and granted EXECUTE
	# (the dump's CREATE EXTENSION IF NOT EXISTS is then a no-op, its GRANTs on the functions warn);
	# for the restore only, it lets the owner load the state tables; the owner skips the one statement
	# that only the extension's owner may run, its COMMENT.
	sql "$(as_admin "$FRESH")" "GRANT INSERT ON migrate.revisions, migrate.version, migrate.log TO $OWNER;
		GRANT UPDATE ON SEQUENCE migrate.log_id_seq TO $OWNER" >/dev/null
	# Without the filter the restore stops at the extension's comment: the reason for it.
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -f "$WORK/backup.sql" "$(as_owner "$(owned_db unfiltered)")" >/dev/null 2>"$WORK/restore.err"
	RC=$? ERR=$(cat "$WORK/restore.err")
	expect_rc 3 "unfiltered restore as the owner stops"
	expect_err_has "must be owner of extension migrate"
	sed '/^COMMENT ON EXTENSION migrate IS /d' "$WORK/backup.sql" |
		"$PSQL" -X -q -v ON_ERROR_STOP=1 "$(as_owner "$FRESH")" >/dev/null 2>"$WORK/restore.err"
	RC=$? ERR=$(cat "$WORK/restore.err")
	expect_rc 0 "owner: the backup without the extension's COMMENT, into the fresh database"
	expect_eq "" "$(grep -v '^WARNING:  no privileges were granted for "migrate_' "$WORK/restore.err")" "restore's other messages"
	sql "$(as_admin "$FRESH")" "REVOKE INSERT ON migrate.revisions, migrate.version, migrate.log FROM $OWNER;
		REVOKE UPDATE ON SEQUENCE migrate.log_id_seq FROM $OWNER" >/dev/null
	# The superuser's way: the whole file, as it is; the dump's OWNER TO lines give the owner its objects.
	BYSU=$(owned_db restored_by_superuser)
	"$PSQL" -X -q -v ON_ERROR_STOP=1 -f "$WORK/backup.sql" "$(as_admin "$BYSU")" >/dev/null 2>"$WORK/restore.err"
	RC=$? ERR=$(cat "$WORK/restore.err")
	expect_rc 0 "superuser: psql -f backup.sql into a fresh database owned by the owner"
	if d=$(diff "$WORK/at_backup" <(facts "$BYSU")); then pass; else fail "restored by the superuser: differs from backup time:"$'\n'"$d"; fi
	expect_eq "$OWNER" "$(sql "$(as_admin "$BYSU")" "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")" \
		"restored by the superuser: the tables are the owner's"
fi
if d=$(diff "$WORK/at_backup" <(facts "$FRESH")); then pass; else fail "restored database differs from backup time:"$'\n'"$d"; fi
expect_eq "$OWNER" "$(sql "$(as_admin "$FRESH")" "SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables
	WHERE schemaname = 'public' OR ('$NOEXT' <> '' AND schemaname = 'migrate')")" "restored tables belong to the owner"
isolated "$FRESH" "restored"
pgm -d "$(as_owner "$FRESH")" --dir "$WORK/proj" current
expect_rc 0 "owner: current on the restored database"
expect_out "004"
pgm -d "$(as_owner "$FRESH")" --dir "$WORK/proj" history
expect_out_has "004 -> 005 (head), add agent capabilities"
pgm -d "$(as_owner "$FRESH")" --dir "$WORK/proj" upgrade head
expect_rc 0 "owner: the restored database migrates on"
expect_out "Running upgrade 004 -> 005, add agent capabilities"
"$PG_BINDIR/pg_dump" "$(as_owner "$FRESH")" >/dev/null 2>"$WORK/dump.err"
RC=$? ERR=$(cat "$WORK/dump.err")
expect_rc 0 "owner: pg_dump of the restored database"

# --- why 004: at 003 (FORCE ROW LEVEL SECURITY) the owner cannot back up ------------------------
pgm -d "$URL" --dir "$WORK/proj" downgrade 003
expect_rc 0 "owner: downgrade 003"
"$PG_BINDIR/pg_dump" "$URL" >"$WORK/forced.sql" 2>"$WORK/dump.err"
RC=$? ERR=$(cat "$WORK/dump.err")
expect_rc 1 "owner: pg_dump at 003 fails"
expect_err_has "query would be affected by row-level security policy"
"$PG_BINDIR/pg_dump" --enable-row-security "$URL" >"$WORK/forced.sql" 2>"$WORK/dump.err"
expect_eq 0 "$(awk '/^COPY public\.organizations /{on=1; next} /^\\\.$/{on=0} on' "$WORK/forced.sql" | wc -l)" \
	"at 003, pg_dump --enable-row-security dumps no organization: why the backup needs 004"
pgm -d "$URL" --dir "$WORK/proj" upgrade 004
expect_rc 0 "owner: upgrade 004 again"
"$PG_BINDIR/pg_dump" "$URL" >/dev/null 2>"$WORK/dump.err"
RC=$? ERR=$(cat "$WORK/dump.err")
expect_rc 0 "owner: pg_dump at 004 again"

# --- install-extension / uninstall-extension by a superuser: client mode's state stays the owner's ---
if [[ -z $NOEXT ]]; then
	state_owners() { # DB: owners of schema migrate, its tables and sequence
		sql "$(as_admin "$1")" "SELECT string_agg(x, ' ' ORDER BY x) FROM (
			SELECT 'schema=' || nspowner::regrole FROM pg_namespace WHERE nspname = 'migrate'
			UNION ALL SELECT c.relname || '=' || c.relowner::regrole FROM pg_class c
			WHERE c.relnamespace = 'migrate'::regnamespace AND c.relkind IN ('r', 'S')) s(x)"
	}
	want="lock_holder=$OWNER log=$OWNER log_id_seq=$OWNER revisions=$OWNER schema=$OWNER version=$OWNER"
	MOVE=e2e_${TEST}_move
	PGOPTIONS="-c client_min_messages=warning" "$PSQL" -XqAt "$ADMIN" -c "DROP DATABASE IF EXISTS \"$MOVE\" WITH (FORCE)" \
		-c "CREATE DATABASE \"$MOVE\" OWNER $OWNER" >/dev/null
	pgm -d "$(as_owner "$MOVE")" --dir "$WORK/proj" --no-extension upgrade head
	expect_rc 0 "owner, client mode: upgrade head"
	expect_eq "$want" "$(state_owners "$MOVE")" "client mode: the state is the owner's"
	facts "$MOVE" >"$WORK/move_before"
	pgm -d "$(as_admin "$MOVE")" install-extension
	expect_rc 0 "superuser: install-extension"
	sql "$(as_admin "$MOVE")" "ALTER ROLE $OWNER RENAME TO ${OWNER}_renamed; ALTER ROLE ${OWNER}_renamed RENAME TO $OWNER" >/dev/null
	pgm -d "$(as_admin "$MOVE")" uninstall-extension
	expect_rc 0 "superuser: uninstall-extension"
	expect_err_has "Schema migrate and its tables belong to $OWNER."
	expect_eq "$want" "$(state_owners "$MOVE")" "after install-extension and uninstall-extension: the state is the owner's again"
	if d=$(diff "$WORK/move_before" <(facts "$MOVE")); then pass; else fail "the move changed the data or state:"$'\n'"$d"; fi
	"$PG_BINDIR/pg_dump" "$(as_owner "$MOVE")" >/dev/null 2>"$WORK/dump.err"
	RC=$? ERR=$(cat "$WORK/dump.err")
	expect_rc 0 "owner: pg_dump after the round trip"
	pgm -d "$(as_owner "$MOVE")" --dir "$WORK/proj" --no-extension downgrade -1
	expect_rc 0 "owner, client mode again: downgrade -1"
	expect_out "Running downgrade 005 -> 004, add agent capabilities"
	# A database that never was in client mode: its state goes to the database's owner.
	EXT=$(owned_db never_client)
	pgm -d "$(as_owner "$EXT")" --dir "$WORK/proj" upgrade head
	expect_rc 0 "owner, extension: upgrade head"
	pgm -d "$(as_admin "$EXT")" uninstall-extension
	expect_rc 0 "superuser: uninstall-extension of an extension-born state"
	expect_eq "$want" "$(state_owners "$EXT")" "uninstall-extension: the state goes to the database's owner"
	"$PG_BINDIR/pg_dump" "$(as_owner "$EXT")" >/dev/null 2>"$WORK/dump.err"
	RC=$? ERR=$(cat "$WORK/dump.err")
	expect_rc 0 "owner: pg_dump after uninstall-extension"
	pgm -d "$(as_owner "$EXT")" --dir "$WORK/proj" --no-extension downgrade -1
	expect_rc 0 "owner, client mode: downgrade -1"
fi

finish
