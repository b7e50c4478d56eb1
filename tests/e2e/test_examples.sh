#!/usr/bin/env bash
# The example project's own checks (tests/examples/check_examples.sh: upgrade/downgrade round
# trips, the 003 backfill, row-level security) against the e2e cluster.
set -euo pipefail
: "${E2E_CLUSTER:?set E2E_CLUSTER to the cluster directory}"
export PATH="${PG_BINDIR:-$(pg_config --bindir)}:$PATH"
exec "$(dirname "$0")/../examples/check_examples.sh" "postgresql://postgres@127.0.0.1:$(cat "$E2E_CLUSTER/port")/postgres"
