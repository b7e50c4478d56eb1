#!/usr/bin/env bash
# pgmigrate against Alembic, Sqitch, dbmate and the psql floor, on one throwaway server.
#
#   bench/run.sh [--quick] [--no-install] [--keep] [--skip-engine] [--skip-e2e] [--disk]
#
# Installs the peers (Debian: python3-alembic python3-psycopg2 sqitch libdbd-pg-perl hyperfine
# gnuplot-nox time libbenchmark-dev; npm: dbmate, into bench/.tools), builds pgmigrate, the
# extension and the engine benchmark (Release, build-bench/, -j2), starts one server with the
# extension staged, runs bench/harness.py and the engine benchmark, then bench/report.py prints
# the table and writes docs/benchmarks.md and docs/benchmarks.png. See bench/README.md.
# The server's data directory is on tmpfs (/dev/shm) unless --disk: creating and dropping tens of
# thousands of relation files makes ext4's inode allocator a large, noisy share of every tool's DDL.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
quick=0 install=1 keep=0 engine=1 e2e=1 disk=0
for arg in "$@"; do
	case $arg in
	--quick) quick=1 ;;
	--no-install) install=0 ;;
	--keep) keep=1 ;;
	--skip-engine) engine=0 ;;
	--skip-e2e) e2e=0 ;;
	--disk) disk=1 ;;
	-h | --help)
		awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
		exit 0
		;;
	*)
		echo "run.sh: unknown argument $arg" >&2
		exit 2
		;;
	esac
done

build=${MIGRATE_BENCH_BUILD:-$root/build-bench}
tools=$root/bench/.tools
results=$root/bench/results
mkdir -p "$results"
work=$(mktemp -d /tmp/migrate-bench.XXXXXX)
chmod 755 "$work"
say() { printf '\n== %s\n' "$*" >&2; }

# --- peers ------------------------------------------------------------------------------------
if [[ $install -eq 1 ]]; then
	say "installing the peers"
	pkgs=(python3-alembic python3-psycopg2 sqitch libdbd-pg-perl hyperfine gnuplot-nox time libbenchmark-dev)
	missing=()
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if ((${#missing[@]})); then
		if [[ $(id -u) -eq 0 ]]; then
			apt-get update -qq || true
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
				echo "run.sh: could not install some of: ${missing[*]} (the tools missing are skipped)" >&2
		else
			echo "run.sh: not root, not installing: ${missing[*]} (the tools missing are skipped)" >&2
		fi
	fi
	# dbmate from npm: the package's optional dependency @dbmate/linux-x64 ships the static binary.
	if [[ ! -x $tools/node_modules/@dbmate/linux-x64/bin/dbmate ]] && command -v npm >/dev/null; then
		mkdir -p "$tools"
		npm install --prefix "$tools" --no-audit --no-fund --loglevel=error dbmate >/dev/null 2>&1 ||
			echo "run.sh: npm install dbmate failed: dbmate is skipped" >&2
	fi
fi
dbmate=""
for cand in "$tools/node_modules/@dbmate/linux-x64/bin/dbmate" "$(command -v dbmate || true)"; do
	if [[ -n $cand && -x $cand ]] && "$cand" --version >/dev/null 2>&1; then
		dbmate=$cand
		break
	fi
done
[[ -n $dbmate ]] || echo "run.sh: dbmate not available: skipped" >&2

# --- build ------------------------------------------------------------------------------------
say "building pgmigrate, the extension and engine_bench (Release, $build)"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMIGRATE_BENCH=ON -DMIGRATE_SANITIZE=OFF >/dev/null
targets=(pgmigrate migrate)
# Captured first: with pipefail, `cmake ... | grep -q` fails when grep exits before cmake has
# written everything (SIGPIPE), which silently skipped the engine benchmark.
help=$(cmake --build "$build" --target help 2>/dev/null || true)
if [[ $engine -eq 1 && $help == *engine_bench* ]]; then
	targets+=(engine_bench)
fi
cmake --build "$build" -j2 --target "${targets[@]}" >"$work/build.log" 2>&1 || {
	tail -30 "$work/build.log" >&2
	exit 1
}
DESTDIR="$work/stage" cmake --install "$build" --component extension >/dev/null

# --- engine alone -----------------------------------------------------------------------------
if [[ $engine -eq 1 && -x $build/bench/engine_bench ]]; then
	say "engine benchmark (Google Benchmark)"
	min_time=$([[ $quick -eq 1 ]] && echo 0.2 || echo 1)
	"$build/bench/engine_bench" --benchmark_min_time="$min_time" --benchmark_repetitions=$([[ $quick -eq 1 ]] && echo 1 || echo 3) \
		--benchmark_report_aggregates_only=$([[ $quick -eq 1 ]] && echo false || echo true) \
		--benchmark_out="$results/engine.json" --benchmark_out_format=json >&2
	# One cold run per process, as a client or a backend does it: build, resolve and plan once.
	for i in 1 2 3 4 5; do
		"$build/bench/engine_bench" --benchmark_filter='BM_ColdBuildResolvePlan/100000' \
			--benchmark_format=json 2>/dev/null
	done >"$results/engine_cold.jsonl" || true
elif [[ $engine -eq 1 ]]; then
	echo "run.sh: engine_bench not built (Google Benchmark missing: libbenchmark-dev): skipped" >&2
fi

# --- end to end -------------------------------------------------------------------------------
if [[ $e2e -eq 1 ]]; then
	pgdir=$work/pg
	if [[ $disk -eq 0 && -d /dev/shm && -w /dev/shm ]]; then
		pgdir=$(mktemp -d /dev/shm/migrate-bench-pg.XXXXXX)
		chmod 755 "$pgdir"
	fi
	cleanup() {
		"$root/scripts/cluster.sh" stop "$pgdir/pg" >/dev/null 2>&1 || true
		if [[ $pgdir == /dev/shm/* ]]; then rm -rf "$pgdir"; fi
		if [[ $keep -eq 0 ]]; then rm -rf "$work"; else echo "kept $work" >&2; fi
	}
	trap cleanup EXIT
	say "starting a throwaway server"
	port=$("$root/scripts/cluster.sh" start "$pgdir/pg" "$work/stage")
	if [[ $quick -eq 1 ]]; then
		args=(--ns 10,100 --runs 3 --repeat-runs 5 --hyperfine-runs 5 --w2-n 100 --w3-ns 100 --memory-n 100
			--memory-n-big 0 --statements 1000,4000 --statement-runs 2 --copy-lines 100000 --safety-n 100 --safety-runs 2
			--retry-hold 4 --fleet 50)
	else
		args=(--ns 10,100,1000,10000 --runs 5 --runs-10k 3 --slow-runs-10k 1 --repeat-runs 10 --hyperfine-runs 10
			--w2-n 1000 --w3-ns 100,1000 --memory-n 1000 --memory-n-big 10000 --statements 1000,10000,40000
			--statement-runs 3 --copy-lines 1000000)
	fi
	say "measuring (tools alternate; progress on stderr)"
	/usr/bin/python3 "$root/bench/harness.py" --port "$port" --cluster "$pgdir/pg" --work "$work/run" \
		--out "$results/e2e.json" --pgmigrate "$build/client/pgmigrate" ${dbmate:+--dbmate "$dbmate"} \
		$([[ $quick -eq 1 ]] && echo --quick) "${args[@]}"
fi

say "report"
/usr/bin/python3 "$root/bench/report.py" --results "$results" --doc "$root/docs/benchmarks.md" \
	--plot "$root/docs/benchmarks.png"
