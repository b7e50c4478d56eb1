#!/usr/bin/env bash
# pgmigrate revision / merge: the arguments that become header lines of the new file. A message
# with a line break or a control character would write header lines of its own (`-- transactional:
# false`, `-- depends_on: ...`); ids, labels and --depends-on values must be [A-Za-z0-9_]. Each is a
# usage error (exit 2) that names the argument, and no file is written. No database needed.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
linear_project migrations
count() { find migrations -name '*.sql' | wc -l; }

# refused WHAT EXPECTED_STDERR ARGS...: a usage error naming the argument; no file written.
refused() {
	local what=$1 expected=$2
	shift 2
	pgm "$@"
	expect_rc 2 "$what"
	expect_err_has "$expected"
	expect_eq "3" "$(count)" "$what: no file written"
}

refused "newline in -m" "FAILED: -m/--message contains a line break (byte 0x0a)" \
	revision -m "$(printf 'add x\n-- transactional: false')"
expect_err_has "write it on one line"
refused "CR in -m" "-m/--message contains a line break (byte 0x0d)" revision -m "$(printf 'add x\r-- depends_on: 001')"
refused "control byte in -m" "-m/--message contains a control character (byte 0x1b)" revision -m "$(printf 'add \033[31mx')"
refused "tab in -m" "-m/--message contains a control character (byte 0x09)" revision -m "$(printf 'add\tx')"
refused "merge -m" "-m/--message contains a line break" merge heads -m "$(printf 'm\n-- revision: 999')"
refused "--rev-id" "--rev-id 'a-b' is not a valid revision id" revision -m "x" --rev-id a-b
refused "--rev-id newline" "--rev-id 'a" revision -m "x" --rev-id "$(printf 'a\nb')"
refused "--branch-label" "--branch-label 'feat ure' is not a valid branch label" revision -m "x" --branch-label "feat ure"
refused "--branch-label in a list" "--branch-label 'b@head' is not a valid branch label" revision -m "x" --branch-label "a,b@head"
refused "merge --branch-label" "--branch-label 'x.y' is not a valid branch label" merge heads -m "m" --branch-label x.y
refused "--depends-on" "--depends-on '001;' is not a valid revision id or branch label" revision -m "x" --depends-on "001;"
pgm --json revision -m "$(printf 'a\nb')"
expect_rc 2 "--json: still a usage error"
expect_eq "-m/--message contains a line break (byte 0x0a)" "$(json '{error,message}')" "--json message"

# What is allowed still works: a one-line message with any printable text, labels, depends_on.
pgm revision -m "add x: the \"quoted\" part, 100% ünïcode" --rev-id 004 --branch-label feat_1 --depends-on 001
expect_rc 0 "valid arguments"
f=$(ls migrations/*_004_*.sql)
expect_eq "-- message: add x: the \"quoted\" part, 100% ünïcode" "$(grep '^-- message:' "$f")" "the message is one header line"
expect_eq "4" "$(count)" "one file written"
expect_eq "0" "$(grep -c '^-- transactional' "$f")" "no extra header"

finish
