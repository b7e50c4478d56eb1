#!/usr/bin/env bash
# Usage: check_schedule.sh SQLDIR SCHEDULE
# Fails when a pg_regress input (SQLDIR/*.sql) is not listed in the schedule or does not run in a
# database of its own (CREATE DATABASE regress_<name>), or the schedule names a test that has no input.
set -euo pipefail
sqldir=$1 schedule=$2
listed=$(sed -n 's/^test:\s*//p' "$schedule" | tr -s ' \t' '\n' | sed '/^$/d' | sort)
status=0
for f in "$sqldir"/*.sql; do
	name=$(basename "$f" .sql)
	if ! grep -qx "$name" <<<"$listed"; then
		echo "sql/$name.sql is not in $(basename "$schedule")" >&2
		status=1
	fi
	if ! grep -qx "CREATE DATABASE regress_$name;" "$f"; then
		echo "sql/$name.sql does not create its own database (CREATE DATABASE regress_$name;)" >&2
		status=1
	fi
done
while read -r name; do
	[[ -z $name ]] && continue
	if [[ ! -f "$sqldir/$name.sql" ]]; then
		echo "$(basename "$schedule") lists $name, but sql/$name.sql does not exist" >&2
		status=1
	fi
done <<<"$listed"
exit $status
