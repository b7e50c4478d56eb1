#!/usr/bin/env bash
# The Debian packages, installed and used (ctest label `packages`): scripts/package.sh builds them
# from this build, dpkg installs them, and then only the installed files are used: the system
# server (no extension_destdir) creates the extension from the system directories and updates an
# old version to the current one, /usr/bin/pgmigrate takes the example project to head and back
# to base, and the man page and the bash completion are in place. dpkg --purge then removes both
# and every file is gone. Installing needs root: otherwise this exits 77 (ctest: skipped).
#
# Other tests run meanwhile with the staged extension (extension_destdir = build/stage). That
# server still lists the system directory's versions beside the staged ones (a staged file wins
# over a system file of the same name), so the package must hold exactly the staged files: then
# nothing they see changes while it is installed. Checked below.
#   MIGRATE_BUILD_DIR  the build      PG_BINDIR, PG_PKGLIBDIR, PG_SHAREDIR  from pg_config (CMake)
#   E2E_STAGE          the staged extension install
set -uo pipefail
if [[ $(id -u) -ne 0 ]]; then
	echo "packages: skipped: installing the packages needs root (dpkg -i)"
	exit 77
fi
: "${MIGRATE_BUILD_DIR:?}" "${PG_BINDIR:?}" "${PG_PKGLIBDIR:?}" "${PG_SHAREDIR:?}" "${E2E_STAGE:?}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
passed=0 failed=0
pass() { passed=$((passed + 1)); }
fail() {
	failed=$((failed + 1))
	echo "FAIL (line ${BASH_LINENO[0]}): $*" >&2
}
expect_eq() { # EXPECTED ACTUAL WHAT
	if [[ $1 == "$2" ]]; then pass; else fail "$3: expected [$1], got [$2]"; fi
}
die() {
	echo "packages: $*" >&2
	exit 1
}

work=$(mktemp -d /tmp/pgmigrate-packages.XXXXXX)
chmod 755 "$work" # the cluster below runs as postgres
packages=()     # installed by this test: purged again on the way out
backed_up=()    # files of a manual install (owned by no package) that dpkg overwrites: put back
cleanup() {
	"$ROOT/scripts/cluster.sh" stop "$work/cluster" >/dev/null 2>&1
	((${#packages[@]})) && dpkg --purge "${packages[@]}" >/dev/null 2>&1
	local file
	for file in "${backed_up[@]}"; do
		mkdir -p "$(dirname "$file")" && cp -a "$work/backup$file" "$file"
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Build the packages and read them.
mapfile -t debs < <(MIGRATE_BUILD_DIR=$MIGRATE_BUILD_DIR "$ROOT/scripts/package.sh" "$work/debs") ||
	die "scripts/package.sh failed"
((${#debs[@]} == 2)) || die "scripts/package.sh made ${#debs[@]} packages, expected 2"
version=$("$MIGRATE_BUILD_DIR/client/pgmigrate" --version) || die "the built pgmigrate --version failed"
version=${version#pgmigrate }
major=$("$PG_BINDIR/pg_config" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
ext_deb="" client_deb=""
for deb in "${debs[@]}"; do
	case $(dpkg-deb -f "$deb" Package) in
	"postgresql-$major-migrate") ext_deb=$deb ;;
	pgmigrate) client_deb=$deb ;;
	*) fail "unexpected package $(dpkg-deb -f "$deb" Package) in $deb" ;;
	esac
	expect_eq "$version" "$(dpkg-deb -f "$deb" Version)" "$(basename "$deb")'s version (pgmigrate --version's)"
done
[[ -n $ext_deb && -n $client_deb ]] || die "expected packages postgresql-$major-migrate and pgmigrate: ${debs[*]}"
ext_pkg=postgresql-$major-migrate

# Depends: the extension needs the server and the C/C++ runtime, never the client's libraries;
# the client needs libpq and {fmt} (dpkg-shlibdeps).
ext_depends=$(dpkg-deb -f "$ext_deb" Depends)
client_depends=$(dpkg-deb -f "$client_deb" Depends)
[[ ", $ext_depends," == *", postgresql-$major,"* ]] && pass || fail "$ext_pkg must depend on postgresql-$major: $ext_depends"
[[ $ext_depends != *libpq* && $ext_depends != *libfmt* ]] && pass ||
	fail "$ext_pkg must not depend on the client's libraries: $ext_depends"
[[ $client_depends == *libpq5* && $client_depends == *libfmt* ]] && pass ||
	fail "pgmigrate must depend on libpq5 and libfmt: $client_depends"

# The extension package holds exactly the staged files, at pg_config's paths.
files_of() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | sort; }
ext_files=$(files_of "$ext_deb")
client_files=$(files_of "$client_deb")
expect_eq "$(cd "$E2E_STAGE" && find . -type f | sed 's/^\.//' | sort)" "$ext_files" "$ext_pkg's files (the staged ones)"
for file in "$PG_PKGLIBDIR/migrate.so" "$PG_SHAREDIR/extension/migrate.control" "$PG_SHAREDIR/extension/migrate--$version.sql"; do
	grep -qxF "$file" <<<"$ext_files" && pass || fail "$ext_pkg lacks $file"
done
for file in /usr/bin/pgmigrate /usr/share/man/man1/pgmigrate.1.gz /usr/share/bash-completion/completions/pgmigrate; do
	grep -qxF "$file" <<<"$client_files" && pass || fail "pgmigrate's package lacks $file"
done

# --- Install. Installed already (not by this test): leave it alone and say so.
for pkg in "$ext_pkg" pgmigrate; do
	if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
		die "$pkg is installed already; this test installs and purges it: remove it first (dpkg --purge $pkg)"
	fi
done
while IFS= read -r file; do # a manual install (cmake --install) at the same paths is put back afterwards
	if [[ -e $file ]] && ! dpkg -S "$file" >/dev/null 2>&1; then
		mkdir -p "$work/backup$(dirname "$file")" && cp -a "$file" "$work/backup$file" && backed_up+=("$file")
	fi
done <<<"$ext_files"$'\n'"$client_files"
((${#backed_up[@]})) && echo "note: ${#backed_up[@]} files of a manual install are in the way; put back at the end"
packages=("$ext_pkg" pgmigrate)
dpkg -i "$ext_deb" "$client_deb" >"$work/dpkg.log" 2>&1 || die "dpkg -i failed: $(cat "$work/dpkg.log")"
installed=$(dpkg -L "$ext_pkg" pgmigrate | sort -u)
# dpkg may be told to leave out documentation (path-exclude in /etc/dpkg/dpkg.cfg.d, as in slim images)
man_excluded=$(grep -hs '^path-exclude.*/usr/share/man' /etc/dpkg/dpkg.cfg.d/* || true)
for file in $ext_files $client_files; do
	if [[ $file == /usr/share/man/* && -n $man_excluded ]]; then
		continue
	fi
	[[ -f $file ]] && grep -qxF "$file" <<<"$installed" && pass || fail "$file is not installed by dpkg"
done

# --- The installed client.
expect_eq "pgmigrate $version" "$(/usr/bin/pgmigrate --version)" "/usr/bin/pgmigrate --version"
if [[ -n $man_excluded ]]; then
	echo "note: dpkg excludes /usr/share/man here ($man_excluded): the man page is checked in the package only"
elif command -v man >/dev/null; then
	expect_eq /usr/share/man/man1/pgmigrate.1.gz "$(man -w pgmigrate 2>&1)" "man -w pgmigrate"
else
	gzip -dc /usr/share/man/man1/pgmigrate.1.gz | grep -q '^\.TH PGMIGRATE "1"' && pass || fail "the man page is not one"
fi
completion=/usr/share/bash-completion/completions/pgmigrate
expect_eq "complete -F _pgmigrate pgmigrate" "$(bash --norc -c 'source "$1" && complete -p pgmigrate' sh "$completion" 2>&1)" \
	"the installed completion registers itself"
expect_eq "upgrade" "$(bash --norc -c 'source "$1" && COMP_WORDS=(pgmigrate upg) COMP_CWORD=1 && _pgmigrate &&
	echo "${COMPREPLY[*]}"' sh "$completion" 2>&1)" "the installed completion completes 'pgmigrate upg'"
if [[ -f /usr/share/bash-completion/bash_completion ]]; then # bash-completion's loader finds it by name
	expect_eq "complete -F _pgmigrate pgmigrate" "$(bash --norc -c 'source /usr/share/bash-completion/bash_completion &&
		__load_completion pgmigrate && complete -p pgmigrate' 2>&1)" "bash-completion loads the completion on demand"
fi

# --- The system server, without the staged build: the extension from the system directories.
port=$(PG_CONFIG="$PG_BINDIR/pg_config" "$ROOT/scripts/cluster.sh" start "$work/cluster") || die "the cluster did not start"
url="postgresql://postgres@127.0.0.1:$port"
sql() { "$PG_BINDIR/psql" -XqAt -v ON_ERROR_STOP=1 "$url/$1" -c "$2" 2>&1; }
expect_eq "" "$(sql postgres "SHOW extension_destdir")" "the server has no extension_destdir"
sql postgres "CREATE DATABASE smoke" >/dev/null && sql postgres "CREATE DATABASE smoke_update" >/dev/null || die "CREATE DATABASE failed"
expect_eq "" "$(sql smoke "CREATE EXTENSION migrate")" "CREATE EXTENSION migrate"
expect_eq "$version" "$(sql smoke "SELECT extversion FROM pg_extension WHERE extname = 'migrate'")" "the extension's version"
# The oldest frozen version the package holds, updated through every update script it holds.
oldest=$(grep -oE "migrate--[0-9.]+\.sql$" <<<"$ext_files" | sed -E 's/migrate--(.*)\.sql/\1/' | sort -V | head -1)
[[ -n $oldest && $oldest != "$version" ]] && pass || fail "no earlier version in $ext_pkg (found '$oldest')"
expect_eq "" "$(sql smoke_update "CREATE EXTENSION migrate VERSION '$oldest'")" "CREATE EXTENSION migrate VERSION '$oldest'"
expect_eq "" "$(sql smoke_update "ALTER EXTENSION migrate UPDATE")" "ALTER EXTENSION migrate UPDATE from $oldest"
expect_eq "$version" "$(sql smoke_update "SELECT extversion FROM pg_extension WHERE extname = 'migrate'")" \
	"the version after the update"

# --- The example project up to head and down to base with the installed binary.
cp -r "$ROOT/migrations" "$work/migrations"
pgm() { /usr/bin/pgmigrate -d "$url/smoke" --dir "$work/migrations" "$@" 2>&1; }
out=$(pgm upgrade head) && pass || fail "pgmigrate upgrade head: $out"
head=$(pgm heads | awk '{ print $1 }')
[[ -n $head ]] && pass || fail "pgmigrate heads printed no head"
expect_eq "$head (head)" "$(pgm current)" "pgmigrate current after upgrade head"
expect_eq "memory_facts" "$(sql smoke "SELECT to_regclass('public.memory_facts')")" "the example's tables exist"
out=$(pgm downgrade base) && pass || fail "pgmigrate downgrade base: $out"
expect_eq "" "$(pgm current)" "pgmigrate current after downgrade base"
expect_eq "0" "$(sql smoke "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" \
	"nothing of the example is left in schema public"
"$ROOT/scripts/cluster.sh" stop "$work/cluster" >/dev/null || fail "the cluster did not stop"

# --- Removal: both packages purged, every file they installed gone.
dpkg --purge "${packages[@]}" >"$work/dpkg.log" 2>&1 && pass || fail "dpkg --purge failed: $(cat "$work/dpkg.log")"
packages=()
for pkg in "$ext_pkg" pgmigrate; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' && fail "$pkg is still installed" || pass
done
for file in $ext_files $client_files; do
	[[ ! -e $file ]] && pass || fail "$file is still there after dpkg --purge"
done

echo "packages: $passed passed, $failed failed"
((failed == 0))
