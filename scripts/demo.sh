#!/usr/bin/env bash
# README's first command: build, start a throwaway PostgreSQL unless DATABASE_URL is set,
# migrate the example project (migrations/) to head with pgmigrate, and show what happened.
#   scripts/demo.sh                                  a throwaway server, removed on exit
#   DEMO_KEEP_SERVER=1 scripts/demo.sh               the throwaway server stays up, to try more
#   DATABASE_URL=postgresql://you@host/db scripts/demo.sh   your own server (the extension installed)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_readable_by_postgres "$@"

if [[ -t 1 ]]; then # bold headings on a terminal only
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi

if ! [[ -x "$BUILD/client/pgmigrate" ]]; then
	"$ROOT/scripts/deps.sh"
fi
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# Only what the demo runs: the extension and the client (the tests are scripts/test.sh's).
cmake --build "$BUILD" -j2 --target migrate pgmigrate >/dev/null
pgmigrate() { "$BUILD/client/pgmigrate" --dir "$ROOT/migrations" "$@"; }

cluster=
keep=${DEMO_KEEP_SERVER:-}
[[ $keep == 0 ]] && keep=
if [[ -z ${DATABASE_URL:-} ]]; then
	cluster=$(mktemp -d /tmp/migrate-demo.XXXXXX)
	chmod 755 "$cluster" # the server runs as postgres and reads the staged extension here
	if [[ -z $keep ]]; then
		trap '"$ROOT/scripts/cluster.sh" stop "$cluster" >/dev/null 2>&1; rm -rf "$cluster"' EXIT
	fi
	DESTDIR="$cluster/stage" cmake --install "$BUILD" --component extension >/dev/null
	"$ROOT/scripts/cluster.sh" start "$cluster/pg" "$cluster/stage" >/dev/null
	export DATABASE_URL=$("$ROOT/scripts/cluster.sh" url "$cluster/pg")
	echo "Started a throwaway PostgreSQL at $DATABASE_URL ($([[ -n $keep ]] && echo "kept after the demo" || echo "removed on exit"))."
fi
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" "$@"; }
psql -c 'CREATE EXTENSION IF NOT EXISTS migrate' 2>/dev/null || {
	echo "The migrate extension is not installed on that server: run 'cmake --install $BUILD' there." >&2
	exit 1
}

say "pgmigrate upgrade head"
pgmigrate upgrade head
say "pgmigrate current"
pgmigrate current
say "pgmigrate history --verbose"
pgmigrate history --verbose

say "A tenant writes memories under row-level security (app.current_org)"
# In one transaction that is rolled back: the demo leaves no data or role behind.
psql <<'SQL'
BEGIN;
CREATE ROLE demo_app LOGIN;
GRANT USAGE ON SCHEMA public TO demo_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO demo_app;
INSERT INTO organizations (id, name) VALUES
    ('00000000-0000-0000-0000-00000000000a', 'Acme'), ('00000000-0000-0000-0000-00000000000b', 'Globex');
SET ROLE demo_app;
SET app.current_org = '00000000-0000-0000-0000-00000000000a';
WITH u AS (INSERT INTO users (org_id, email, display_name)
           VALUES ('00000000-0000-0000-0000-00000000000a', 'ada@acme.test', 'Ada') RETURNING id, org_id),
     a AS (INSERT INTO agents (org_id, owner_user_id, name) SELECT org_id, id, 'support-bot' FROM u RETURNING id, org_id),
     s AS (INSERT INTO sessions (org_id, agent_id, user_id) SELECT a.org_id, a.id, u.id FROM a, u RETURNING id, org_id),
     e AS (INSERT INTO episodes (org_id, session_id, role, content, tags)
           SELECT org_id, id, r.role, r.content, r.tags FROM s,
                  (VALUES ('user', 'My favourite colour is teal.', ARRAY['preference']),
                          ('assistant', 'Noted: teal.', ARRAY['ack'])) AS r(role, content, tags)
           RETURNING id, org_id, role)
INSERT INTO memory_facts (org_id, subject, predicate, object, confidence, source_episode_id)
SELECT org_id, 'Ada', 'favourite_colour', 'teal', 0.9, id FROM e WHERE role = 'user';
\echo 'Acme sees:'
SELECT subject, predicate, object, confidence FROM memory_facts;
SET app.current_org = '00000000-0000-0000-0000-00000000000b';
\echo 'Globex sees (nothing of Acme):'
SELECT (SELECT count(*) FROM memory_facts) AS facts, (SELECT count(*) FROM episodes) AS episodes;
RESET ROLE;
ROLLBACK;
SQL

say "pgmigrate check --schema schema (the migrations' head is the declarative schema/memory.sql)"
# (it creates two shadow databases: on your own server the role may lack CREATEDB)
pgmigrate check --schema "$ROOT/schema" || echo "(skipped: see the error above; --shadow-url names another server)"

say "pgmigrate downgrade -1, then upgrade head again"
pgmigrate downgrade -1
pgmigrate current
pgmigrate upgrade head

say "The database keeps its own record (plain psql)"
# "session_user" quoted: the column (who ran each step); bare, it is the SQL function (who runs this query).
psql -c 'SELECT revision, direction, round(duration_ms::numeric, 1) AS ms, "session_user" FROM migrate.log ORDER BY id'

say "Try next"
# Every line works as printed: from the source directory, against a server that is still there.
echo "  cd $ROOT"
echo "  alias pgmigrate=\"$BUILD/client/pgmigrate\""
echo "  pgmigrate revision -m \"add agent capabilities\"     # a new migration file in ./migrations"
echo "  pgmigrate upgrade head --sql                        # the SQL an upgrade runs, no database needed"
if [[ -z $cluster ]]; then
	echo "  # DATABASE_URL is set to your server: these use it"
elif [[ -n $keep ]]; then
	echo "  export DATABASE_URL=$DATABASE_URL    # the demo's server, kept"
else
	echo "  # the demo's server is removed as it exits: point DATABASE_URL at a server of yours with the"
	echo "  # extension installed (cmake --install $BUILD), or rerun with DEMO_KEEP_SERVER=1 to keep it"
	echo "  export DATABASE_URL=postgresql://you@host:5432/db"
fi
echo "  pgmigrate revision --autogenerate -m \"...\"          # after editing schema/memory.sql: drafts the migration"
echo "  psql \"\$DATABASE_URL\" -c \"SELECT * FROM migrate_upgrade('head')\"   # or migrate straight from psql"
if [[ -n $cluster && -n $keep ]]; then
	echo "  $ROOT/scripts/cluster.sh stop $cluster/pg && rm -rf $cluster   # when done: stop the kept server"
fi
echo "  docs/pgmigrate.md lists every command, docs/sql.md every SQL function."
