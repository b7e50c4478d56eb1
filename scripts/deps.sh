#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need (Debian 12 / PostgreSQL 15).
# As root it runs apt-get; otherwise it only checks and says what is missing.
set -euo pipefail

packages=(
	cmake g++ make pkg-config
	postgresql-15 postgresql-client-15 postgresql-server-dev-15 libpq-dev
	libfmt-dev libssl-dev libcli11-dev nlohmann-json3-dev libpg-query-dev
	libgtest-dev libgmock-dev
	clang libclang-rt-14-dev clang-format
	python3 # tests/e2e: JSON and timing checks
	python3-alembic python3-psycopg2 # tests/e2e/test_import.sh: Alembic renders and runs tests/alembic_project
	curl ca-certificates # scripts/pg-majors.sh: servers of other majors (ctest -L pgmajors)
	# scripts/package.sh: the man page, and CPack's DEB generator (dpkg-shlibdeps, file); the YAML
	# of examples/deploy is parsed by the deploy test
	help2man dpkg-dev file python3-yaml
	# tests/e2e/test_citus.sh: scripts/citus.sh builds Citus against the server headers, which
	# include these libraries' headers (Kerberos, SELinux, PAM...); libcurl is configured out
	libkrb5-dev libselinux1-dev libxslt1-dev libpam0g-dev libreadline-dev liblz4-dev libzstd-dev
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [[ $(id -u) -eq 0 ]]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# Install (or upgrade) all of them together so the server and its dev headers match.
	apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
elif ((${#missing[@]})); then
	echo "deps.sh: missing packages: ${missing[*]}" >&2
	echo "deps.sh: run as root (or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
