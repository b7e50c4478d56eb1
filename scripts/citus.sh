#!/usr/bin/env bash
# A throwaway Citus cluster for tests: Citus built from the vendored source, a coordinator and two
# workers on free local ports.
#   citus.sh install               build Citus and install it into pg_config's PostgreSQL, unless it
#                                  is installed already (root only; the build is cached outside the
#                                  repository, in MIGRATE_CITUS_CACHE, so a second run reuses it)
#   citus.sh start DIR [DESTDIR]   coordinator in DIR/coordinator, workers in DIR/worker1 and
#                                  DIR/worker2, Citus created and the workers added; prints the
#                                  coordinator's port. DESTDIR as in cluster.sh (the staged migrate)
#   citus.sh stop DIR              stop every node (no-op for those not running)
# CITUS_NODE_OPTS adds server options to every node (test_citus.sh: citus.shard_count).
# The Debian packages the build needs are in deps.sh; ../shared/vendor/README.md has the facts.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pg_config=${PG_CONFIG:-pg_config}
version=13.2.2
tarball=${MIGRATE_CITUS_TARBALL:-$here/../../shared/vendor/citus-$version.tar.gz}
if [[ $(id -u) -eq 0 ]]; then
	cache=${MIGRATE_CITUS_CACHE:-/var/cache/migrate-citus}
else
	cache=${MIGRATE_CITUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/migrate-citus}
fi
nodes=(coordinator worker1 worker2)
# Only what the tests need, as fast as possible: no libcurl (anonymous statistics only); no LLVM
# bitcode (with_llvm=no: it only serves JIT inlining); -O1 and no debug info (COPT comes after the
# server's -O2 -g), about half the compile time of the default per file.
configure_opts=(--without-libcurl)
make_opts=(with_llvm=no "COPT=-O1 -g0")

# installed: this PostgreSQL has Citus 13.2's library and control file.
installed() {
	local control
	control="$("$pg_config" --sharedir)/extension/citus.control"
	[[ -f "$("$pg_config" --pkglibdir)/citus.so" && -f $control ]] &&
		grep -q "^default_version = '13\.2-" "$control"
}

install() {
	if installed; then
		return 0
	fi
	if [[ $(id -u) -ne 0 ]]; then
		echo "citus.sh: Citus $version is not installed in $("$pg_config" --pkglibdir); run scripts/citus.sh install as root" >&2
		exit 1
	fi
	[[ -r $tarball ]] || {
		echo "citus.sh: cannot read the Citus source $tarball (set MIGRATE_CITUS_TARBALL)" >&2
		exit 1
	}
	# The cache is keyed by the source, the PostgreSQL it was built for and the build options: a
	# built tree of the same key only needs `make install` (e.g. after PostgreSQL was reinstalled).
	local key src started
	key=$(sha256sum "$tarball" | cut -c1-12)-pg$("$pg_config" --version | awk '{print $2}')
	key+=-$(echo "${configure_opts[*]} ${make_opts[*]}" | sha256sum | cut -c1-8)
	src=$cache/citus-$version-$key
	started=$SECONDS
	if [[ ! -f $src/.built ]]; then
		echo "citus.sh: building Citus $version in $src (a few minutes, once)" >&2
		rm -rf "$src" && mkdir -p "$src"
		tar -xzf "$tarball" -C "$src" --strip-components=1
		# PostgreSQL 15.20 exports have_createdb_privilege() (commands/dbcommands.h) and Citus
		# defines its own static inline copy for 15: "static declaration follows non-static
		# declaration". Drop Citus's copy when the server has the function (the #define stays).
		if grep -q 'have_createdb_privilege' "$("$pg_config" --includedir-server)/commands/dbcommands.h"; then
			perl -0pi -e 's/static inline bool\nhave_createdb_privilege\(void\)\n\{.*?\n\}\n//s' \
				"$src/src/include/pg_version_compat.h"
			if grep -q '^have_createdb_privilege(void)' "$src/src/include/pg_version_compat.h"; then
				echo "citus.sh: the have_createdb_privilege patch did not apply" >&2
				exit 1
			fi
		fi
		(cd "$src" && ./configure PG_CONFIG="$(command -v "$pg_config")" "${configure_opts[@]}" >configure.log 2>&1) ||
			{ tail -20 "$src/configure.log" >&2; exit 1; }
		# The extension only, not its headers (install-extension below).
		(cd "$src" && nice make -j2 "${make_opts[@]}" extension >make.log 2>&1) ||
			{ grep -m20 -E 'error|Error' "$src/make.log" >&2; exit 1; }
		touch "$src/.built"
	fi
	(cd "$src" && make "${make_opts[@]}" install-extension >install.log 2>&1) ||
		{ tail -20 "$src/install.log" >&2; exit 1; }
	installed || { echo "citus.sh: installed, but $("$pg_config" --pkglibdir)/citus.so is missing" >&2; exit 1; }
	echo "citus.sh: Citus $version installed in $((SECONDS - started)) s" >&2
}

# psql_at PORT SQL: one statement in a node's postgres database.
psql_at() {
	"$("$pg_config" --bindir)/psql" -XqAt -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2" >/dev/null
}

start() {
	local dir=$1 destdir=${2:-} node port ports=()
	installed || { echo "citus.sh: Citus is not installed; run scripts/citus.sh install" >&2; exit 1; }
	stop "$dir" || true
	rm -rf "$dir" && mkdir -p "$dir"
	[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
	for node in "${nodes[@]}"; do
		# Citus must be preloaded; its default max_prepared_transactions (2 x max_connections) lets
		# a multi-shard transaction commit on the workers with two-phase commit.
		port=$(CLUSTER_OPTS="-c shared_preload_libraries=citus ${CITUS_NODE_OPTS:-}" \
			"$here/cluster.sh" start "$dir/$node" ${destdir:+"$destdir"}) || { stop "$dir"; exit 1; }
		ports+=("$port")
	done
	for port in "${ports[@]}"; do
		psql_at "$port" "CREATE EXTENSION citus" || { stop "$dir"; exit 1; }
	done
	if ! psql_at "${ports[0]}" "SELECT citus_set_coordinator_host('127.0.0.1', ${ports[0]})" ||
		! psql_at "${ports[0]}" "SELECT citus_add_node('127.0.0.1', ${ports[1]})" ||
		! psql_at "${ports[0]}" "SELECT citus_add_node('127.0.0.1', ${ports[2]})"; then
		stop "$dir" || true
		exit 1
	fi
	echo "${ports[0]}"
}

stop() {
	local dir=$1 node rc=0
	for node in "${nodes[@]}"; do
		"$here/cluster.sh" stop "$dir/$node" >/dev/null 2>&1 || rc=1
	done
	return $rc
}

case ${1:-} in
install) install ;;
start) start "$(realpath -m "${2:?missing cluster directory}")" "${3:-}" ;;
stop) stop "$(realpath -m "${2:?missing cluster directory}")" ;;
*)
	echo "usage: citus.sh install | start DIR [DESTDIR] | stop DIR" >&2
	exit 2
	;;
esac
