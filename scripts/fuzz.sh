#!/usr/bin/env bash
# The engine's libFuzzer targets (tests/fuzz), built with clang under ASan and UBSan in a build
# directory of their own, each run for MIGRATE_FUZZ_SECONDS (default 30) from its corpus in the
# repo. Part of README's test command (scripts/test.sh); a crash fails the run and leaves its
# reproducer in the build directory: add it to tests/fuzz/corpus/<name>/ with the fix.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

FUZZ_BUILD=${MIGRATE_FUZZ_BUILD_DIR:-$BUILD-fuzz}
cmake -S "$ROOT" -B "$FUZZ_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIGRATE_WERROR=ON -DMIGRATE_FUZZ=ON \
	-DCMAKE_CXX_COMPILER=clang++ -DMIGRATE_FUZZ_SECONDS="${MIGRATE_FUZZ_SECONDS:-30}" >/dev/null
cmake --build "$FUZZ_BUILD" --target fuzz_all -j2
cd "$FUZZ_BUILD"
ctest --output-on-failure -L fuzz -j2
