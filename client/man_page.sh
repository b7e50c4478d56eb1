#!/usr/bin/env bash
# man_page.sh PGMIGRATE OUTPUT: pgmigrate(1), gzipped. help2man renders `pgmigrate --help`, and a
# COMMANDS section holds each command's own --help: all of it comes from the argument parser, so
# the page cannot drift from what pgmigrate accepts.
set -euo pipefail
pgmigrate=$1 output=$2
include=$(mktemp)
trap 'rm -f "$include" "$output.tmp"' EXIT

# The commands a --help lists under "Subcommands:" (the first word of each line).
commands_of() {
	sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && /^  [a-z]/ { print $1 }'
}
# As roff text: a backslash is \e, and a line starting with . or ' would be a request (\& stops it).
roff() {
	sed -e 's/\\/\\e/g' -e "s/^[.']/\\\\&&/"
}
# The footer every --help repeats (targets, exit status) stays once, after the list of commands.
footer=$("$pgmigrate" --help | awk 'BEGIN { RS = "" } { last = $0 } END { print last }')

# section WORDS...: `pgmigrate WORDS... --help`, then the same for its own subcommands.
section() {
	local help sub
	help=$("$pgmigrate" "$@" --help)
	help=${help%"$footer"}
	printf '.SS "pgmigrate %s"\n.nf\n' "$*"
	roff <<<"${help%$'\n'}"
	printf '.fi\n'
	for sub in $(commands_of <<<"$help"); do
		section "$@" "$sub"
	done
}

{
	echo '[COMMANDS]'
	for command in $("$pgmigrate" --help | commands_of); do
		section "$command"
	done
	cat <<'TEXT'
[SEE ALSO]
.BR psql (1),
.BR pg_dump (1).
The documentation in the source tree: README.md and docs/ (the SQL functions, every command beside
Alembic's, the migration file format, deploying).
TEXT
} >"$include"

help2man --no-info --name="schema migrations for PostgreSQL, done inside PostgreSQL" \
	--include="$include" "$pgmigrate" >"$output.tmp"
gzip -9n <"$output.tmp" >"$output"
