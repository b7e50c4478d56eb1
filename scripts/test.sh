#!/usr/bin/env bash
# README's test command: installs dependencies, builds with -Werror, then runs every suite
# through ctest (unit tests under ASan/UBSan, pg_regress, pg_isolation_regress, end-to-end), then
# the libFuzzer targets for a bounded time (scripts/fuzz.sh). Arguments go to the main ctest; with
# arguments (a selection of tests) the fuzzers are skipped.
# Every server a test starts is stopped again, also on failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_readable_by_postgres "$@"

"$ROOT/scripts/deps.sh"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIGRATE_WERROR=ON >/dev/null
cmake --build "$BUILD" -j2

# ctest's fixtures stop the test clusters (test_citus.sh its Citus nodes); this trap covers an
# interrupted run.
trap '"$ROOT/scripts/cluster.sh" stop "$BUILD/e2e-cluster" >/dev/null 2>&1 || true
	"$ROOT/scripts/citus.sh" stop "$BUILD/e2e-citus" >/dev/null 2>&1 || true
	for d in "$BUILD"/pgmajor-*/; do "$ROOT/scripts/cluster.sh" stop "$d" >/dev/null 2>&1 || true; done' EXIT
(cd "$BUILD" && ctest --output-on-failure --timeout 900 -j2 "$@")
if (($# == 0)); then
	"$ROOT/scripts/fuzz.sh"
fi
