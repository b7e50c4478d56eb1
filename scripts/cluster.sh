#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and the demo.
#   cluster.sh start DIR [DESTDIR]   initdb + start on a free port, socket in DIR; prints the port
#   cluster.sh stop DIR              stop it (no-op when not running)
#   cluster.sh url DIR               a libpq URL for it
# CLUSTER_OPTS adds server options to start (citus.sh: shared_preload_libraries).
# PG_SERVER_BINDIR runs another server than pg_config's (scripts/pg-majors.sh bindir MAJOR); start
# records it in DIR, so stop uses the same pg_ctl.
# PostgreSQL refuses to run as root, so as root every server command runs as `postgres`.
# With DESTDIR, the server loads extensions from a staged install (Debian's extension_destdir).
set -euo pipefail

cmd=${1:?usage: cluster.sh start|stop|url DIR [DESTDIR]}
dir=$(realpath -m "${2:?missing cluster directory}")
bindir=${PG_SERVER_BINDIR:-$("${PG_CONFIG:-pg_config}" --bindir)}

as_pg() {
	if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Below the kernel's ephemeral range: a port a client connection holds as its source port is not
# listening, so the probe passes, but the server cannot bind it (a test started next to others
# failed so). Free at the probe may still be taken before the bind: start retries.
free_port() {
	local port low=20000 high=60000 ephemeral
	if read -r ephemeral _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null && ((ephemeral > 11000)); then
		low=10000 high=$((ephemeral - 1))
	fi
	for port in $(shuf -i "$low-$high" -n 50); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && [[ ! -e "$dir/.s.PGSQL.$port" ]]; then
			echo "$port"
			return 0
		fi
	done
	echo "cluster.sh: no free port found" >&2
	return 1
}

case $cmd in
start)
	destdir=${3:-}
	"$0" stop "$dir" >/dev/null 2>&1 || true
	rm -rf "$dir"
	mkdir -p "$dir"
	[[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
	echo "$bindir" >"$dir/bindir"
	as_pg "$bindir/initdb" -D "$dir/data" -A trust -U postgres --no-locale -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	for attempt in 1 2 3 4 5; do
		port=$(free_port)
		opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
		opts+=" -c full_page_writes=off -c max_connections=60 ${CLUSTER_OPTS:-}"
		if [[ -n $destdir ]]; then
			opts+=" -c extension_destdir=$(realpath -m "$destdir")"
		fi
		as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null && break
		if ((attempt == 5)) || ! grep -q 'Address already in use' "$dir/server.log"; then
			cat "$dir/server.log" >&2
			exit 1
		fi
		echo "cluster.sh: port $port was taken before the server bound it; another" >&2
	done
	echo "$port" >"$dir/port"
	echo "$port"
	;;
stop)
	[[ -f $dir/bindir ]] && bindir=$(cat "$dir/bindir")
	if [[ -f "$dir/data/postmaster.pid" ]]; then
		as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
	fi
	;;
url)
	echo "postgresql://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
	;;
*)
	echo "usage: cluster.sh start|stop|url DIR [DESTDIR]" >&2
	exit 2
	;;
esac
