#!/usr/bin/env bash
# Many migrators started at once on a 50-revision history: `pgmigrate upgrade head` processes and
# (with the extension) `SELECT migrate_upgrade('head')` sessions, mixed. Every process exits 0,
# every revision is applied exactly once, the log has exactly one row per step, and the schema is
# that of a single serial run. Also runs in client mode (label e2e_noext), pgmigrate processes only.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

REVISIONS=50
mkdir migrations
for i in $(seq 1 $REVISIONS); do
	id=$(printf '%03d' "$i")
	down=$([[ $i == 1 ]] && echo none || printf '%03d' $((i - 1)))
	# The first revision sleeps, so that every migrator is started before anything is applied and
	# all of them queue on the lock; the others are quick DDL.
	sleep_sql=$([[ $i == 1 ]] && echo "SELECT pg_sleep(0.5);" || true)
	rev "migrations/20260101_$(printf '%04d' "$i")_${id}_t${id}.sql" "$id" "$down" "table $id" \
		"$sleep_sql
CREATE TABLE t$id (id bigint PRIMARY KEY, org_id uuid NOT NULL, doc jsonb);
CREATE INDEX t${id}_org_id_idx ON t$id (org_id);" "DROP TABLE t$id;"
done

REF=$(new_db ref)
pgm -d "$REF" upgrade head
expect_rc 0 "a single serial run"

# race N: N migrators at once on a fresh database; with the extension every other one is a psql
# session (its revisions uploaded first, so that its call has something to do).
race() {
	local n=$1 url pids=() kinds=() i rc applied=0
	url=$(new_db "race_$n")
	if [[ -z $NOEXT ]]; then
		pgm -d "$url" current
		expect_rc 0 "upload before the race of $n"
	fi
	for i in $(seq 1 "$n"); do
		if [[ -z $NOEXT && $((i % 2)) == 0 ]]; then
			"$PSQL" -XqAt -v ON_ERROR_STOP=1 "$url" -c "SELECT revision FROM migrate_upgrade('head')" \
				>"$WORK/m$i.out" 2>"$WORK/m$i.err" &
			kinds+=(sql)
		else
			"$PGMIGRATE" -d "$url" upgrade head >"$WORK/m$i.out" 2>"$WORK/m$i.err" </dev/null &
			kinds+=(pgmigrate)
		fi
		pids+=($!)
	done
	for i in $(seq 1 "$n"); do
		wait "${pids[$((i - 1))]}"
		rc=$?
		if [[ $rc == 0 ]]; then pass; else fail "migrator $i of $n (${kinds[$((i - 1))]}) exited $rc: $(cat "$WORK/m$i.err")"; fi
		if [[ ${kinds[$((i - 1))]} == sql ]]; then
			applied=$((applied + $(grep -c . "$WORK/m$i.out")))
		else
			applied=$((applied + $(grep -c '^Running upgrade' "$WORK/m$i.out")))
		fi
	done
	expect_eq "$REVISIONS" "$applied" "$n migrators report $REVISIONS steps between them"
	expect_eq "$REVISIONS" "$(sql "$url" "SELECT count(*) FROM migrate.log")" "$n migrators: one log row per step"
	expect_eq "" "$(sql "$url" "SELECT revision FROM migrate.log GROUP BY revision, direction HAVING count(*) > 1")" \
		"$n migrators: no revision logged twice"
	expect_eq "upgrade" "$(sql "$url" "SELECT string_agg(DISTINCT direction, ',') FROM migrate.log")" "$n migrators: only upgrades"
	expect_eq "$(printf '%03d' $REVISIONS)" "$(sql "$url" "SELECT string_agg(revision, ',') FROM migrate.version")" \
		"$n migrators: at head"
	expect_same_schema "$REF" "$url" "$n migrators: the schema of one serial run"
}

race 2
race 16

finish
