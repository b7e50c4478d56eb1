#!/usr/bin/env bash
# Database URLs: SQLAlchemy-style schemes, libpq keyword/value strings, parameters passed
# through, and a password that never appears in any output, error or JSON document.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
linear_project migrations
URL=$(new_db main)
DB=${URL##*/}
PW='Sup3r-Secret_pw'
ROLE=e2e_url_role
PGOPTIONS="-c client_min_messages=warning" sql "$BASE_URL/postgres" "DROP ROLE IF EXISTS $ROLE; CREATE ROLE $ROLE LOGIN SUPERUSER PASSWORD '$PW'" >/dev/null
trap 'sql "$BASE_URL/postgres" "DROP ROLE IF EXISTS $ROLE" >/dev/null 2>&1; cleanup' EXIT

# postgresql+asyncpg:// with a password (the cluster trusts local connections, so a wrong
# password connects too: what matters is that neither is printed)
pgm -d "postgresql+asyncpg://$ROLE:$PW@127.0.0.1:$PORT/$DB?ssl=disable" upgrade head
expect_rc 0 "postgresql+asyncpg:// URL"
expect_out_has "Running upgrade 002 -> 003, create t3"
expect_nowhere "$PW"
pgm -d "postgresql+psycopg2://$ROLE:wrong-$PW@127.0.0.1:$PORT/$DB" current --verbose
expect_rc 0 "postgresql+psycopg2:// URL"
expect_out_has "Current revision(s) for postgresql://$ROLE:***@127.0.0.1:$PORT/$DB:"
expect_nowhere "$PW"
pgm -d "postgres://$ROLE:$PW@127.0.0.1:$PORT/$DB" --json current --verbose
expect_rc 0 "postgres:// URL with --json"
expect_nowhere "$PW"
pgm -d "host=127.0.0.1 port=$PORT dbname=$DB user=$ROLE password=$PW" current
expect_rc 0 "keyword/value string"
expect_out "003 (head)"
pgm -d "postgresql://$ROLE:$PW@127.0.0.1:$PORT/$DB?application_name=deploy_job" downgrade -1
expect_rc 0 "application_name passes through"
expect_eq "deploy_job" "$(sql "$URL" "SELECT application_name FROM migrate.log ORDER BY id DESC LIMIT 1")" "application_name"
expect_eq "$ROLE" "$(sql "$URL" "SELECT \"session_user\" FROM migrate.log ORDER BY id DESC LIMIT 1")" "session_user"

# connection failures: a closed port, in every form
CLOSED=1
for url in "postgresql+asyncpg://$ROLE:$PW@127.0.0.1:$CLOSED/$DB" \
	"postgresql://$ROLE:$(printf '%s' "$PW" | sed 's/-/%2D/')@127.0.0.1:$CLOSED/$DB" \
	"host=127.0.0.1 port=$CLOSED dbname=$DB user=$ROLE password=$PW" \
	"host=127.0.0.1 port=$CLOSED dbname=$DB user=$ROLE password='$PW'"; do
	pgm -d "$url" upgrade head
	expect_rc 1 "closed port"
	expect_err_has "FAILED: could not connect to the database"
	expect_nowhere "$PW"
	expect_nowhere "${PW/-/%2D}"
	pgm -d "$url" --json current
	expect_rc 1 "closed port, --json"
	expect_nowhere "$PW"
	[[ "$(json '{error,message}')" == "could not connect"* ]] && pass || fail "--json error message"
done
# libpq echoes a malformed URI whole: the password must still be masked
pgm -d "postgresql://$ROLE:$PW@[127.0.0.1/$DB" current
expect_rc 1 "malformed URI"
expect_nowhere "$PW"
pgm -d "postgresql://$ROLE:$PW@127.0.0.1:$CLOSED/$DB" --wait 1 current
expect_rc 1 "--wait on a closed port"
expect_err_has "did not accept connections within 1 s"
expect_nowhere "$PW"
PGPASSWORD=$PW pgm -d "postgresql://$ROLE@127.0.0.1:$CLOSED/$DB" current
expect_rc 1
expect_nowhere "$PW"

# --wait on a running server, DATABASE_URL with a password
DATABASE_URL="postgresql+asyncpg://$ROLE:$PW@127.0.0.1:$PORT/$DB" pgm --wait 5 upgrade head
expect_rc 0 "--wait with a running server"
expect_nowhere "$PW"

# other schemes are refused clearly
pgm -d "mysql://root:$PW@localhost/db" current
expect_rc 1 "mysql:// URL"
expect_err_has "unsupported database URL scheme 'mysql://'"
expect_nowhere "$PW"

# no database at all
pgm current
expect_rc 1 "no database"
expect_err_has "FAILED: no database given"

finish
