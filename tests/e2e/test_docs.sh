#!/usr/bin/env bash
# The documentation, run: the SQL in docs/sql.md and the file in docs/migration-files.md work as
# shown, sql.md's table names exactly the extension's functions, and every pgmigrate command line
# the docs show uses a real command and options it has. (docs/security.md's grants run in
# test_security.sh and test_backup.sh.)
source "$(dirname "$0")/lib.sh"
cd "$WORK"
DOCS="$E2E_SOURCE_DIR/docs"

# code_block FILE N: the N-th fenced block (1-based) of FILE, without its fences.
code_block() {
	awk -v n="$2" '/^```/ { if (inside) { inside = 0; if (k == n) exit } else { inside = 1; k++ }; next }
		inside && k == n' "$1"
}

# --- docs/sql.md: the psql session, with the example's first file as the content it adds (the
# server may not read this test's files: psql passes the content).
first=$(ls "$E2E_SOURCE_DIR"/migrations/*_001_*.sql)
db=$(new_db sql --no-extension)
code_block "$DOCS/sql.md" 1 | sed "s|pg_read_file('/path/to/[^']*')|:'content'|" >session.sql
grep -q "migrate_add(:'content')" session.sql && pass || fail "sql.md's block adds a migration file"
"$PSQL" -XqAt -v ON_ERROR_STOP=1 -v content="$(cat "$first")" -f session.sql "$db" >session.out 2>&1 &&
	pass || fail "sql.md's session runs: $(cat session.out)"
expect_eq "" "$(sql "$db" "SELECT string_agg(revision, ',') FROM migrate.version")" \
	"sql.md's session ends where it started (upgrade head, then downgrade -1)"
expect_eq "upgrade,downgrade" "$(sql "$db" "SELECT string_agg(direction, ',' ORDER BY id) FROM migrate.log")" \
	"sql.md's session logs its upgrade and downgrade"
grep -q 'CREATE TABLE' session.out && pass || fail "migrate_script's output shows the upgrade's SQL"

# sql.md's table lists every function of the extension, and nothing else.
documented=$(grep -oE '^\| `migrate_[a-z_]+\(|`, `migrate_[a-z_]+\(' "$DOCS/sql.md" | grep -oE 'migrate_[a-z_]+' | sort -u)
installed=$(sql "$db" "SELECT DISTINCT p.proname FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass
	AND d.objid = p.oid AND d.deptype = 'e' JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'migrate'
	WHERE p.proname NOT LIKE '%\_per\_revision' AND p.prorettype <> 'trigger'::regtype ORDER BY 1")
expect_eq "$installed" "$documented" "sql.md's table names the extension's functions"

# --- docs/migration-files.md: the example file, on a parent that creates its table.
mkdir -p files
printf -- '-- revision: 001\n-- down_revision: none\n\n-- migrate:upgrade\nCREATE TABLE agents (id int);\n\n-- migrate:downgrade\nDROP TABLE agents;\n' \
	>files/20260101_0000_001_agents.sql
code_block "$DOCS/migration-files.md" 1 >files/20260101_0001_002_capabilities.sql
db=$(new_db files)
pgm -d "$db" --dir files upgrade head
expect_rc 0 "migration-files.md's example upgrades"
expect_eq "{}" "$(sql "$db" "INSERT INTO agents VALUES (1) RETURNING capabilities")" "its column is there"
pgm -d "$db" --dir files downgrade -1
expect_rc 0 "migration-files.md's example downgrades"
expect_eq "001" "$(sql "$db" "SELECT revision FROM migrate.version")" "back at its parent"

# --- Every `pgmigrate ...` in a code span or block of the docs: global options pgmigrate has,
# then a real command, with options that command (or pgmigrate itself) has.
"$PGMIGRATE" --help >global.help
commands=$(sed -n '/^Subcommands:/,/^$/p' global.help | awk 'NF { print $1 }' | grep -v Subcommands)
# options that take a value (the help shows its type after the name)
valued=$(grep -oE '^ +(-[a-z],)?--[a-z-]+ [A-Z]' global.help | grep -oE -- '--[a-z-]+|-[a-z]' | tr '\n' ' ')
has_option() { # OPTION HELP-FILES...: whether the help lists it
	local option=$1
	shift
	grep -qE -- "(^|[ ,])$option([ ,=]|$)" "$@"
}
lines=0
while IFS= read -r line; do
	lines=$((lines + 1))
	read -r -a words <<<"${line#pgmigrate }"
	k=0
	while ((k < ${#words[@]})) && [[ ${words[k]} == -* ]]; do
		option=${words[k]%%=*}
		[[ $option == -d?* && $option != --* ]] && option=-d # -dURL
		has_option "$option" global.help || fail "docs show pgmigrate '$option', which it does not have: $line"
		if [[ " $valued " == *" $option "* && ${words[k]} != *=* && ${words[k]} != -d?* ]]; then
			k=$((k + 1))
		elif [[ $option == --wait && ${words[k + 1]:-} =~ ^[0-9.]+$ ]]; then
			k=$((k + 1))
		fi
		k=$((k + 1))
	done
	cmd=${words[k]:-}
	if [[ -z $cmd ]]; then # options alone (--version)
		pass
		continue
	fi
	if ! grep -qx -- "$cmd" <<<"$commands"; then
		fail "docs show 'pgmigrate ... $cmd', which is no command: $line"
		continue
	fi
	"$PGMIGRATE" "$cmd" --help >cmd.help
	# a command's own subcommand (import alembic): its options are in its help
	sub=${words[k + 1]:-}
	if [[ -n $sub ]] && sed -n '/^Subcommands:/,/^$/p' cmd.help | awk 'NF { print $1 }' | grep -qx -- "$sub"; then
		"$PGMIGRATE" "$cmd" "$sub" --help >cmd.help
		k=$((k + 1))
	fi
	for word in "${words[@]:k+1}"; do
		[[ $word == -* && $word != -[0-9]* ]] || continue
		option=${word%%=*}
		has_option "$option" cmd.help global.help ||
			fail "docs show '$option' for pgmigrate $cmd, which has no such option: $line"
	done
	pass
done < <(
	# code spans, and the lines of fenced or indented blocks, that start a pgmigrate command
	for f in "$E2E_SOURCE_DIR/README.md" "$DOCS"/*.md; do
		grep -oE '`pgmigrate [-a-z][^`]*`' "$f" | tr -d '`'
		awk '/^```/ { inside = !inside; next } inside || /^    /' "$f" | grep -oE '(^|&& |\| )pgmigrate [-a-z][^#&|]*' |
			sed -E 's/^(&& |\| )//'
	done | sed -E 's/ +$//' | grep -v '^pgmigrate runs' | sort -u
)
((lines >= 15)) && pass || fail "found only $lines pgmigrate command lines in the docs"

echo "docs: $passed passed, $failed failed"
((failed == 0))
