#!/usr/bin/env bash
# e2e_noext
# What reaches a generated script or the store is what the file says, and nothing more, in both
# modes (e2e_noext: client mode too): a file name or header value with a control character is
# refused before anything is uploaded (a newline in a name used to end the `-- Upload revision`
# comment of `upgrade --sql` and start a statement); a file ending in `-- $pgmigrate` still makes a
# script that runs (the dollar-quote tag is chosen against the content's ends too); a CRLF file
# whose string literal spans lines inserts \r\n, online and through --sql; a missing
# down_revision is an error that says to write `none`, and `pgmigrate revision` writes it.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

# run_script URL FILE: runs an --sql script with psql, stopping at the first error; sets RC, ERR.
run_script() {
	"$PSQL" -Xq -v ON_ERROR_STOP=1 "$1" -f "$2" >"$WORK/.out" 2>"$WORK/.err"
	RC=$?
	OUT=$(cat "$WORK/.out")
	ERR=$(cat "$WORK/.err")
}

# --- 1. a file name with a newline: refused, naming the file, nothing uploaded -----------------
mkdir inject
rev inject/20260101_0000_001_root.sql 001 none "root" "CREATE TABLE sf_root (id int);" "DROP TABLE sf_root;"
BAD=$'20260101_0001_002_x\nALTER ROLE attacker SUPERUSER;\n--.sql'
rev "inject/$BAD" 002 001 "looks innocent" "SELECT 1;" "SELECT 1;"
pgm --dir inject upgrade head --sql
expect_rc 1 "offline --sql refuses a file name with a newline"
expect_out ""
expect_err_has 'FAILED: a migration file name in inject has a control character'
expect_err_has 'inject/20260101_0001_002_x\x0AALTER ROLE attacker SUPERUSER;\x0A--.sql: the file name contains a control character'
[[ $ERR != *$'\nALTER ROLE'* ]] && pass || fail "the error prints the name escaped, not its newline"
URL=$(new_db inject)
pgm -d "$URL" --dir inject upgrade head
expect_rc 1 "online upgrade refuses it too"
expect_err_has 'the file name contains a control character'
expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM pg_class WHERE relname = 'sf_root'")" "nothing ran"
if [[ -z $NOEXT ]]; then
	expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM migrate.revisions")" "nothing uploaded"
fi
# other control characters: a carriage return, an escape sequence, DEL
for name in $'20260101_0001_002_x\r.sql' $'20260101_0001_002_\e[2Jx.sql' $'20260101_0001_002_x\x7f.sql'; do
	rm -f inject/20260101_0001_002_*
	rev "inject/$name" 002 001 "looks innocent" "SELECT 1;" "SELECT 1;"
	pgm --dir inject upgrade head --sql
	expect_rc 1 "a file name with a control character: $(printf %q "$name")"
	expect_err_has 'the file name contains a control character'
	[[ $ERR != *$'\e'* && $ERR != *$'\r'* && $ERR != *$'\x7f'* ]] && pass || fail "stderr carries no raw control character"
done
rm -f inject/20260101_0001_002_*
pgm --dir inject upgrade head --sql
expect_rc 0 "without the bad name the directory is fine"

# --- 2. control characters in header values: refused, naming file and line --------------------
mkdir header
printf -- '-- revision: 001\n-- down_revision: none\n-- message: clear the screen \e[2J\n\n-- migrate:upgrade\nCREATE TABLE sf_header (id int);\n' \
	>header/20260101_0000_001_a.sql
URL=$(new_db header)
pgm -d "$URL" --dir header upgrade head
expect_rc 1 "a control character in a message"
expect_err_has "header/20260101_0000_001_a.sql:3: control character 0x1B in the value of 'message'"
[[ $ERR != *$'\e'* ]] && pass || fail "stderr carries no raw escape"
expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM pg_class WHERE relname = 'sf_header'")" "nothing ran"
# a carriage return ends the header line: what follows it is SQL before the first marker
printf -- '-- revision: 001\n-- down_revision: none\n-- message: x\rALTER ROLE attacker SUPERUSER;\n-- migrate:upgrade\nSELECT 1;\n' \
	>header/20260101_0000_001_a.sql
pgm --dir header upgrade head --sql
expect_rc 1 "a carriage return in a message"
expect_err_has "header/20260101_0000_001_a.sql:4: SQL before the first section marker"

# --- 3. a file ending in "-- $pgmigrate": its --sql script runs ---------------------------------
mkdir tag
printf -- '-- revision: 001\n-- down_revision: none\n-- message: tag at the end\n\n-- migrate:upgrade\nCREATE TABLE sf_tag (id int);\n-- $pgmigrate' \
	>tag/20260101_0000_001_tag.sql
pgm --dir tag upgrade head --sql
expect_rc 0 "--sql for a file ending in a dollar-quote tag's prefix"
printf '%s\n' "$OUT" >tag.sql
URL=$(new_db tag)
run_script "$URL" tag.sql
expect_rc 0 "the script runs (the upload's dollar quote is not closed inside the content)"
expect_eq "1" "$(sql "$URL" "SELECT count(*) FROM pg_class WHERE relname = 'sf_tag'")" "and applies the revision"
expect_eq "001" "$(sql "$URL" "SELECT revision FROM migrate.version")" "version"
pgm -d "$URL" --dir tag upgrade head
expect_rc 0 "the uploaded content is the file's: nothing changed, nothing to do"
expect_out ""

# --- 4. CRLF: a string literal spanning lines keeps its \r\n ------------------------------------
mkdir crlf
printf -- '-- revision: 001\r\n-- down_revision: none\r\n-- message: crlf\r\n\r\n-- migrate:upgrade\r\nCREATE TABLE sf_crlf (v text);\r\nINSERT INTO sf_crlf VALUES (%s);\r\n\r\n-- migrate:downgrade\r\nDROP TABLE sf_crlf;\r\n' \
	"'a"$'\r\n'"b'" >crlf/20260101_0000_001_crlf.sql
URL=$(new_db crlf)
pgm -d "$URL" --dir crlf upgrade head
expect_rc 0 "a CRLF file"
expect_eq "t" "$(sql "$URL" "SELECT v = E'a\\r\\nb' FROM sf_crlf")" "online: the literal holds \\r\\n, as the file has it"
# the LF twin has the same checksum (the checksum alone normalises line endings)
mkdir lf
tr -d '\r' <crlf/20260101_0000_001_crlf.sql >lf/20260101_0000_001_crlf.sql
pgm -d "$URL" --dir lf upgrade head
expect_rc 0 "the LF twin is the same revision"
expect_out ""
# through --sql
pgm --dir crlf upgrade head --sql
expect_rc 0
printf '%s\n' "$OUT" >crlf.sql
URL2=$(new_db crlf_sql)
run_script "$URL2" crlf.sql
expect_rc 0 "the --sql script of a CRLF file runs"
expect_eq "t" "$(sql "$URL2" "SELECT v = E'a\\r\\nb' FROM sf_crlf")" "--sql: the literal holds \\r\\n"

# --- 5. down_revision is required; `revision` writes `none` for a root ---------------------------
mkdir nodown
printf -- '-- revision: 001\n-- message: forgot the parent\n\n-- migrate:upgrade\nSELECT 1;\n' >nodown/20260101_0000_001_a.sql
pgm --dir nodown upgrade head --sql
expect_rc 1 "a file without down_revision"
expect_err_has "nodown/20260101_0000_001_a.sql:4: missing header key 'down_revision'"
expect_err_has "write '-- down_revision: none' for a root revision"
mkdir fresh
pgm --dir fresh revision -m "first one"
expect_rc 0 "revision in an empty directory"
grep -q '^-- down_revision: none$' fresh/*.sql && pass || fail "the template writes '-- down_revision: none' for a root"
sed -i 's/^-- migrate:upgrade$/&\nSELECT 1;/' fresh/*.sql
pgm --dir fresh upgrade head --sql
expect_rc 0 "and the file parses"

finish
