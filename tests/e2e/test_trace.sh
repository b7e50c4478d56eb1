#!/usr/bin/env bash
# Lock trace: the audit row of every applied step names the existing relations it held locks on
# (the strongest mode) and those it rewrote (a new relfilenode), and `show` / `history --verbose`
# print them. An added column takes ACCESS EXCLUSIVE without a rewrite; a type change rewrites;
# an index takes SHARE; a new table is not traced (nobody else can see it); a foreign key locks the
# table it references. migrate.lock_trace = off records none.
# e2e_noext: the same in client mode (the locks come from pg_locks there).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir migrations
rev migrations/20260101_0000_001_agents.sql 001 none "agents" \
	"CREATE TABLE agents (id int PRIMARY KEY, name text); INSERT INTO agents VALUES (1, 'a');" "DROP TABLE agents;"
rev migrations/20260101_0001_002_column.sql 002 001 "column" \
	"ALTER TABLE agents ADD COLUMN c int;" "ALTER TABLE agents DROP COLUMN c;"
rev migrations/20260101_0002_003_bigint.sql 003 002 "bigint" \
	"ALTER TABLE agents ALTER COLUMN id TYPE bigint;" "ALTER TABLE agents ALTER COLUMN id TYPE int;"
rev migrations/20260101_0003_004_index.sql 004 003 "index" \
	"CREATE INDEX agents_name ON agents (name);" "DROP INDEX agents_name;"
rev migrations/20260101_0004_005_sessions.sql 005 004 "sessions" \
	"CREATE TABLE sessions (id int, agent_id bigint REFERENCES agents (id)); INSERT INTO sessions VALUES (1, 1);" \
	"DROP TABLE sessions;"

db=$(new_db trace)
for r in 001 002 003 004 005; do # one step per transaction: each row shows its own locks
	pgm -d "$db" upgrade "$r"
	expect_rc 0 "upgrade $r"
done
logged() { sql "$db" "SELECT coalesce(locks::text, '-') || ' ' || coalesce(rewritten::text, '-')
                      FROM migrate.log WHERE revision = '$1' AND direction = 'upgrade' ORDER BY id DESC LIMIT 1"; }
expect_eq "- -" "$(logged 001)" "a new table is not traced"
expect_eq '{"public.agents": "AccessExclusiveLock"} -' "$(logged 002)" "ADD COLUMN: ACCESS EXCLUSIVE, no rewrite"
expect_eq '{"public.agents": "AccessExclusiveLock"} {public.agents}' "$(logged 003)" "a type change rewrites"
expect_eq '{"public.agents": "ShareLock"} -' "$(logged 004)" "CREATE INDEX: SHARE, no rewrite"
expect_eq '{"public.agents": "ShareRowExclusiveLock"} -' "$(logged 005)" "a foreign key locks what it references"

# show and history --verbose print what the log keeps; --json carries it too.
pgm -d "$db" show 003
expect_rc 0 "show 003"
expect_out_has "Locked: public.agents AccessExclusiveLock"
expect_out_has "Rewrote: public.agents"
pgm -d "$db" history --verbose
expect_out_has "Locked: public.agents ShareLock"
pgm -d "$db" --json show 002
expect_eq "AccessExclusiveLock" "$(json '{revisions,0,last_upgrade,locks,public.agents}')" "show --json: the locks"

# A downgrade is traced as well: dropping a column takes ACCESS EXCLUSIVE.
pgm -d "$db" downgrade 001
expect_rc 0 "downgrade to 001"
expect_eq '{"public.agents": "AccessExclusiveLock"}' \
	"$(sql "$db" "SELECT locks FROM migrate.log WHERE revision = '002' AND direction = 'downgrade'")" "downgrade 002"

# Turned off: no trace.
PGOPTIONS="-c migrate.lock_trace=off" pgm -d "$db" upgrade 002
expect_rc 0 "upgrade 002 with the trace off"
expect_eq "- -" "$(logged 002)" "migrate.lock_trace = off records nothing"
if [[ -n $NOEXT ]]; then # (the extension's GUC warns of a bad value when it loads, and keeps on)
	PGOPTIONS="-c migrate.lock_trace=maybe" pgm -d "$db" upgrade 003
	expect_rc 1 "an invalid migrate.lock_trace"
	expect_err_has 'invalid value for migrate.lock_trace: "maybe"'
	expect_eq "002" "$(sql "$db" "SELECT revision FROM migrate.version")" "nothing ran with a bad setting"
fi
# The trace reads each traced statement's relations with PostgreSQL's parser; those trees must not
# pile up in the call's memory (SPI Proc) until a one-transaction plan ends. The last revision of
# a plan of K tables (a CREATE TABLE and a CREATE INDEX each) records that context's size: from 40
# to 240 tables it may not grow by what 400 kept trees take (about 2.5 KB each).
if [[ -z $NOEXT ]]; then
	spi_proc_after() { # K: the size of SPI Proc at the end of a plan of K tables
		local dir=$WORK/mem$1 db
		mkdir -p "$dir"
		local down=none
		for ((i = 1; i <= $1; i++)); do
			rev "$dir/$(printf '%04d' "$i")_t.sql" "m$i" "$down" "t$i" \
				"CREATE TABLE m$i (id int, v text); CREATE INDEX m${i}_v ON m$i (v);" "DROP TABLE m$i;"
			down=m$i
		done
		rev "$dir/9999_mem.sql" mem "$down" "memory" \
			"CREATE TABLE mem AS SELECT sum(total_bytes) AS b FROM pg_backend_memory_contexts WHERE name = 'SPI Proc';"
		db=$(new_db "mem$1")
		pgm -q -d "$db" --dir "$dir" upgrade head
		expect_rc 0 "a plan of $1 tables"
		sql "$db" "SELECT b FROM mem"
	}
	small=$(spi_proc_after 40)
	big=$(spi_proc_after 240)
	echo "SPI Proc at the end of the plan: $small bytes after 40 tables, $big after 240" >&2
	(( big - small < 500000 )) || fail "SPI Proc grew from $small to $big bytes over 200 more traced revisions"
fi
finish
