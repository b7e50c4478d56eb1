#!/usr/bin/env bash
# The command line itself: every password keyword masked (sslpassword too), a -d password gone
# from /proc/PID/cmdline, a driver URL's own parameters left out, a mistyped command or a bad
# number named clearly (exit 2), SIGINT and SIGTERM exiting 130 and 143, and non-ASCII slugs.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
linear_project migrations
URL=$(new_db main)
DB=${URL##*/}
CLOSED=1

# 1. Every conninfo key ending in "password" is masked, in text and --json.
for url in "host=127.0.0.1 port=$CLOSED dbname=$DB user=u sslpassword=SslKeyPw-1 password=MainPw-2" \
	"postgresql://u:MainPw-2@127.0.0.1:$CLOSED/$DB?sslpassword=SslKeyPw-1" \
	"postgresql+asyncpg://u@127.0.0.1:$CLOSED/$DB?sslpassword=SslKeyPw-1&password=MainPw-2"; do
	pgm -d "$url" current
	expect_rc 1 "closed port"
	expect_err_has "FAILED: could not connect to the database"
	expect_err_has "sslpassword=***"
	expect_nowhere "SslKeyPw-1"
	expect_nowhere "MainPw-2"
	pgm -d "$url" --json current
	expect_rc 1 "closed port, --json"
	expect_nowhere "SslKeyPw-1"
	expect_nowhere "MainPw-2"
done

# 2. A password given in -d is overwritten in the process's arguments (/proc/PID/cmdline), as
#    long as it was; the run still uses it (it waits for the closed port here).
"$PGMIGRATE" -d "postgresql://u:SECRETPW@127.0.0.1:$CLOSED/$DB" --wait 5 current >"$WORK/bg.out" 2>"$WORK/bg.err" </dev/null &
pid=$!
cmdline=
for _ in $(seq 20); do
	cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
	[[ $cmdline == *"u:********@"* ]] && break
	sleep 0.1
done
[[ -n $cmdline && $cmdline != *SECRETPW* ]] && pass || fail "/proc/$pid/cmdline shows the password: [$cmdline]"
expect_eq "postgresql://u:********@127.0.0.1:$CLOSED/$DB" "$(tr '\0' '\n' <"/proc/$pid/cmdline" | sed -n 3p)" "the -d argument, masked in place"
# (5.) SIGTERM while waiting for the server: 143
kill -TERM "$pid"
wait "$pid"
RC=$? OUT=$(cat "$WORK/bg.out") ERR=$(cat "$WORK/bg.err")
expect_rc 143 "SIGTERM while waiting for the server"
expect_nowhere "SECRETPW"
# --database-url=URL, a keyword/value string (every argument is masked: diff's URLs too)
"$PGMIGRATE" --database-url="host=127.0.0.1 port=$CLOSED user=u password='SECRETPW' sslpassword=SECRETPW" \
	--wait 5 current >/dev/null 2>&1 </dev/null &
pid=$!
for _ in $(seq 20); do
	cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
	[[ $cmdline != *SECRETPW* ]] && break
	sleep 0.1
done
[[ -n $cmdline && $cmdline != *SECRETPW* ]] && pass || fail "/proc/$pid/cmdline shows the password: [$cmdline]"
kill -INT "$pid"
wait "$pid"
RC=$?
expect_rc 130 "SIGINT while waiting for the server"

# 3. The query parameters of asyncpg, psycopg and SQLAlchemy that libpq does not know are left
#    out with a note naming them; what libpq knows passes through.
pgm -d "postgresql+asyncpg://postgres@127.0.0.1:$PORT/$DB?prepared_statement_cache_size=0&prepared_statement_name_func=f&ssl=disable&application_name=cli_job" upgrade head
expect_rc 0 "asyncpg URL with its own parameters"
expect_err_has "prepared_statement_cache_size, prepared_statement_name_func"
expect_out_has "Running upgrade 002 -> 003, create t3"
expect_eq "cli_job" "$(sql "$URL" "SELECT application_name FROM migrate.log ORDER BY id DESC LIMIT 1")" "application_name kept"
pgm -d "postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB?async_fallback=true&connect_timeout=5" -q current
expect_rc 0 "psycopg URL with SQLAlchemy's async_fallback"
expect_out "003 (head)"
# a plain libpq URL is libpq's: a typo there stays an error (sslmod= must not silently mean no TLS)
pgm -d "postgresql://postgres@127.0.0.1:$PORT/$DB?sslmod=require" current
expect_rc 1 "an unknown parameter in a libpq URL"
expect_err_has "sslmod"

# 4. A mistyped command, bad numbers: exit 2 with a clear message.
pgm upgarde head
expect_rc 2 "mistyped command"
expect_err_has "unknown command 'upgarde'; did you mean 'upgrade'?"
pgm -d "$URL" --dir migrations histroy
expect_rc 2
expect_err_has "unknown command 'histroy'; did you mean 'history'?"
pgm frobnicate
expect_rc 2
expect_err_has "unknown command 'frobnicate'"
pgm --json upgarde head
expect_rc 2
expect_eq "unknown command 'upgarde'; did you mean 'upgrade'?" "$(json '{error,message}')" "--json usage error"
pgm
expect_rc 2 "no command"
expect_err_has "A subcommand is required"
for args in "--lock-wait -1" "--lock-wait abc" "--lock-wait nan" "--lock-wait 1e999"; do
	pgm -d "$URL" $args current
	expect_rc 2 "$args"
	expect_err_has "--lock-wait must be a number of seconds >= 0"
	[[ ${#ERR} -lt 400 ]] && pass || fail "$args: a short message"
done
for args in "--wait -1" "--wait abc" "--wait inf"; do
	pgm -d "$URL" $args current
	expect_rc 2 "$args"
	expect_err_has "--wait must be a number of seconds >= 0"
done
pgm -d "$URL" --dir migrations --wait current
expect_rc 0 "--wait without a number"
pgm -d "$URL" --dir migrations --wait 0.5 --lock-wait 0 current
expect_rc 0 "--wait 0.5 --lock-wait 0"

# 5. SIGINT and SIGTERM while a migration runs: the statement is cancelled, nothing stays, and
#    the exit status is 130 or 143.
mkdir slow
rev slow/20260101_0000_001_slow.sql 001 none "slow" "CREATE TABLE s1 (id int); SELECT pg_sleep(60);" "DROP TABLE s1;"
for sig in INT TERM; do
	SLOW=$(new_db "slow_$sig")
	"$PGMIGRATE" -d "$SLOW" --dir slow upgrade head >"$WORK/slow.out" 2>"$WORK/slow.err" </dev/null &
	pid=$!
	for _ in $(seq 200); do
		[[ -n $(sql "$BASE_URL/postgres" "SELECT pid FROM pg_stat_activity WHERE datname = '${SLOW##*/}' AND wait_event = 'PgSleep'") ]] && break
		sleep 0.1
	done
	kill -s "$sig" "$pid"
	wait "$pid"
	RC=$? OUT=$(cat "$WORK/slow.out") ERR=$(cat "$WORK/slow.err")
	expect_rc "$([[ $sig == INT ]] && echo 130 || echo 143)" "SIG$sig while a migration runs"
	expect_err_has "interrupted"
	expect_eq "" "$(sql "$SLOW" "SELECT to_regclass('s1')")" "SIG$sig: nothing of the migration stays"
done

# 6. Slugs keep letters of any script, as Alembic's do; spaces and punctuation become _.
pgm --dir migrations revision -m "naïve café: über/straße"
expect_rc 0 "revision with a non-ASCII message"
ls migrations/*_004_naïve_café_über_straße.sql >/dev/null 2>&1 && pass || fail "slug: $(ls migrations)"

finish
