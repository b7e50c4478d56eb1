#!/usr/bin/env bash
# Usage: run_pg_regress.sh DRIVER BINDIR INPUTDIR OUTPUTDIR [OPTIONS...] [TESTS...]
#   DRIVER is pg_regress or pg_isolation_regress. The run uses a temporary instance (its socket in a
#   private directory, no TCP, so parallel runs never clash); $PG_REGRESS_TEMP_CONFIG, when set, is
#   appended to its postgresql.conf (extension_destdir pointing at the staged install).
# initdb and postgres refuse to run as root, so as root the run is handed to the postgres user
# (the environment is kept); OUTPUTDIR is created and given to that user first.
set -euo pipefail
driver=$1 bindir=$2 inputdir=$3 outputdir=$4
shift 4
if [[ $(id -u) -eq 0 ]]; then
	mkdir -p "$outputdir"
	chown -R postgres:postgres "$outputdir"
	exec runuser -u postgres -- "$0" "$driver" "$bindir" "$inputdir" "$outputdir" "$@"
fi
mkdir -p "$outputdir"
cd "$outputdir"
rm -rf tmp_check results output_iso log regression.diffs regression.out
status=0
"$driver" --bindir="$bindir" --inputdir="$inputdir" --outputdir="$outputdir" \
	--temp-instance="$outputdir/tmp_check" \
	${PG_REGRESS_TEMP_CONFIG:+--temp-config="$PG_REGRESS_TEMP_CONFIG"} \
	--no-locale --encoding=UTF8 "$@" || status=$?
if [[ $status -ne 0 && -f regression.diffs ]]; then
	cat regression.diffs
fi
exit $status
