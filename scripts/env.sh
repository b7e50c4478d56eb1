# Shared by the scripts: where the source and the build live. Source it, don't run it.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${MIGRATE_BUILD_DIR:-$ROOT/build}
# The vendored Citus source (scripts/citus.sh) sits beside the repository, in ../shared; named
# here, before ensure_readable_by_postgres may move the work to a copy elsewhere.
export MIGRATE_CITUS_TARBALL=${MIGRATE_CITUS_TARBALL:-$(realpath -m "$ROOT/../shared/vendor/citus-13.2.2.tar.gz")}
export PATH="$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin):$PATH"

# The PostgreSQL server runs as `postgres` and must read the sources and the build. A checkout
# under a private home (/root) is not readable by it, so as root work from a readable copy.
ensure_readable_by_postgres() {
	if [[ $(id -u) -eq 0 ]] && ! runuser -u postgres -- test -r "$ROOT/CMakeLists.txt"; then
		local copy=/tmp/migrate-src
		echo "note: $ROOT is not readable by the postgres user; working from a copy in $copy" >&2
		rm -rf "$copy" && mkdir -p "$copy"
		tar -C "$ROOT" --exclude='./build*' -cf - . | tar -C "$copy" -xf -
		chmod -R a+rX "$copy"
		exec env MIGRATE_BUILD_DIR="${MIGRATE_BUILD_DIR:-$copy/build}" "$copy/scripts/$(basename "$0")" "$@"
	fi
}
