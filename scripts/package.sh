#!/usr/bin/env bash
# Builds the Debian packages with CPack (cmake/Packaging.cmake) into OUTDIR (default build/packages):
#   postgresql-15-migrate_<version>_<arch>.deb   the extension, at pg_config's pkglibdir and sharedir
#   pgmigrate_<version>_<arch>.deb               the client, its man page and bash completion
# Reuses the build directory (MIGRATE_BUILD_DIR, default build/; configured when missing) and
# builds only what the packages hold. Install them with: dpkg -i OUTDIR/*.deb
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
out=$(realpath -m "${1:-$BUILD/packages}")

for tool in cpack dpkg-shlibdeps help2man; do
	command -v "$tool" >/dev/null || {
		echo "package.sh: $tool is missing (scripts/deps.sh installs it)" >&2
		exit 1
	}
done
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
	cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIGRATE_WERROR=ON >/dev/null
fi
cmake --build "$BUILD" -j2 --target migrate pgmigrate pgmigrate_docs >/dev/null

mkdir -p "$out"
rm -f "$out"/*.deb
(cd "$BUILD" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || {
	cat "$out/cpack.log" >&2
	exit 1
}
rm -rf "$out/_CPack_Packages" # cpack's staging trees
shopt -s nullglob
debs=("$out"/*.deb)
if ((${#debs[@]} != 2)); then
	echo "package.sh: expected two packages in $out, found ${#debs[@]}" >&2
	exit 1
fi
printf '%s\n' "${debs[@]}"
