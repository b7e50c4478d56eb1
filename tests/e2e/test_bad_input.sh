#!/usr/bin/env bash
# Bad input: the corpus of malformed migration directories in tests/bad_input (see its MANIFEST),
# huge inputs generated here, and bad target strings. Every bad case fails with a clear error that
# names the file, line or argument, and leaves nothing stored or applied; the ok_* cases work.
source "$(dirname "$0")/lib.sh"
CORPUS="$E2E_SOURCE_DIR/tests/bad_input"
cd "$WORK"
cp -r "$CORPUS" corpus
cd corpus
URL=$(new_db main)

# expect_pristine URL WHAT: no revision stored, no version, no log row, no table created.
expect_pristine() {
	local got
	got=$(sql "$1" "SELECT (SELECT count(*) FROM migrate.revisions) || ' ' || (SELECT count(*) FROM migrate.version)
	                       || ' ' || (SELECT count(*) FROM migrate.log)
	                       || ' ' || (SELECT count(*) FROM pg_class WHERE relname ~ '^bad_')")
	if [[ $got == "0 0 0 0" ]]; then
		pass
	else
		fail "$2: stored or applied something (revisions, version, log, tables: $got)"
		sql "$1" "DELETE FROM migrate.version; DELETE FROM migrate.log; DELETE FROM migrate.revisions" >/dev/null
	fi
}

# 1. The corpus through pgmigrate: exit 1, every expected text, nothing stored.
mapfile -t cases < <(grep -v '^#' MANIFEST | cut -f1 | sort -u)
[[ ${#cases[@]} -ge 25 ]] && pass || fail "the manifest lists the corpus (${#cases[@]} cases)"
for dir in */; do
	dir=${dir%/}
	[[ $dir == ok_* ]] && continue
	grep -q "^$dir	" MANIFEST && pass || fail "tests/bad_input/$dir is not in MANIFEST"
done
for c in "${cases[@]}"; do
	[[ -d $c ]] || { fail "MANIFEST names $c, which is not a directory"; continue; }
	pgm -d "$URL" --dir "$c" upgrade head
	expect_rc 1 "$c: exit status"
	# (a warning may come first: an unfilled upgrade section is a warning for every command)
	[[ $ERR == FAILED:* || ($c == empty_upgrade && $ERR == warning:*$'\n'FAILED:*) ]] && pass ||
		fail "$c: stderr starts with FAILED:"
	while IFS=$'\t' read -r _ text; do
		expect_err_has "$text"
	done < <(grep "^$c	" MANIFEST)
	expect_pristine "$URL" "$c"
	# offline --sql reads the same files: the same refusal
	pgm --dir "$c" upgrade head --sql
	expect_rc 1 "$c: offline --sql refuses it too"
	expect_out ""
done

# 2. The single-file cases through SQL (migrate_add parses server-side): an error naming the
#    file and line, nothing stored. (NUL bytes and invalid UTF-8 cannot even reach a text value.)
for c in "${cases[@]}"; do
	# (unknown_depends_on is a graph error: a dependency may be uploaded after its dependant)
	files=("$c"/*.sql)
	[[ ${#files[@]} -eq 1 && $c != nul_byte && $c != invalid_utf8 && $c != unknown_depends_on ]] || continue
	name=$(basename "${files[0]}")
	"$PSQL" -XqAt "$URL" -v content="$(cat "${files[0]}")" -v name="$name" \
		<<<"SELECT migrate_add(:'content', :'name');" >/dev/null 2>"$WORK/sql.err"
	while IFS=$'\t' read -r _ text; do
		[[ $text == "$c/"* ]] || continue
		grep -qF -- "${text#"$c/"}" "$WORK/sql.err" && pass || fail "$c via migrate_add: expected [${text#"$c/"}] in: $(cat "$WORK/sql.err")"
	done < <(grep "^$c	" MANIFEST)
	grep -q "^ERROR:" "$WORK/sql.err" && pass || fail "$c via migrate_add: no error: $(cat "$WORK/sql.err")"
	expect_pristine "$URL" "$c via migrate_add"
	sql "$URL" "DELETE FROM migrate.revisions" >/dev/null
done

# 3. The ok_* cases work.
OK=$(new_db ok)
pgm -d "$OK" --dir ok_markers_in_quotes upgrade head
expect_rc 0 "markers inside strings, dollar quotes and comments do not split"
expect_eq "3" "$(sql "$OK" "SELECT count(*) FROM ok_t")" "all three rows"
expect_eq "3" "$(sql "$OK" "SELECT count(*) FROM ok_t WHERE note LIKE '%-- migrate:%'")" "the marker text is data"
expect_eq "body" "$(sql "$OK" "SELECT ok_f()")" "the function body is whole"
expect_eq "t|t|t" "$(sql "$OK" "SELECT downgrade_sql ~ '^DROP TABLE \"ok_quoted', downgrade_sql ~ 'DROP TABLE ok_t;\s*\$',
                                       verify_sql ~ '^SELECT count\(\*\) = 3 FROM ok_t;\s*\$' FROM migrate.revisions")" \
	"the sections split only at the real markers"
pgm -d "$OK" --dir ok_markers_in_quotes downgrade base
expect_rc 0 "and its downgrade runs"
expect_eq "0" "$(sql "$OK" "SELECT count(*) FROM pg_class WHERE relname LIKE 'ok\_%'")" "everything dropped"

pgm -d "$OK" --dir ok_crlf upgrade head
expect_rc 0 "CRLF files"
expect_eq $'two\r\nlines' "$(sql "$OK" "SELECT note FROM ok_crlf")" \
	"a CRLF inside a dollar quote stays CRLF: the SQL runs as the file has it (only the checksum normalises)"
# its LF twin has the same checksum: the applied revisions are not "changed"
mkdir lf
for f in ok_crlf/*.sql; do tr -d '\r' <"$f" >"lf/$(basename "$f")"; done
pgm -d "$OK" --dir lf upgrade head
expect_rc 0 "the LF twin of applied CRLF files is the same revision"
expect_out ""
OK2=$(new_db ok_bom)
pgm -d "$OK2" --dir ok_bom upgrade head
expect_rc 0 "a UTF-8 byte order mark"
expect_out "Running upgrade  -> 001, a UTF-8 byte order mark, and café ✓"
expect_eq "'café'::text" "$(sql "$OK2" "SELECT column_default FROM information_schema.columns WHERE table_name = 'ok_bom' AND column_name = 'note'")" \
	"UTF-8 in the SQL arrives intact"

# 4. Huge inputs, generated here.
# 4a. a 20 MB file (mostly comment lines, and a 1 MB string literal): it works.
BIG=$(new_db big)
mkdir big
{
	echo "-- revision: 001"
	echo "-- down_revision: none"
	echo "-- message: twenty megabytes"
	echo
	echo "-- migrate:upgrade"
	echo "CREATE TABLE big_t (s text);"
	yes -- "-- padding padding padding padding padding padding padding padding padding padding" | head -c 19000000
	echo
	printf "INSERT INTO big_t VALUES ('%s');\n" "$(head -c 1000000 /dev/zero | tr '\0' x)"
	echo "-- migrate:downgrade"
	echo "DROP TABLE big_t;"
} >big/20260101_0000_001_big.sql
(($(stat -c %s big/20260101_0000_001_big.sql) > 20000000)) && pass || fail "the big file is over 20 MB"
pgm -d "$BIG" --dir big upgrade head
expect_rc 0 "a 20 MB migration file"
expect_eq "1000000" "$(sql "$BIG" "SELECT length(s) FROM big_t")" "its 1 MB literal arrived whole"
pgm -d "$BIG" --dir big upgrade head
expect_rc 0 "unchanged: not uploaded again, nothing to do"
expect_out ""

# 4b. a 20 MB header line: refused with a short message
mkdir bigkey
{
	printf -- "-- revision: 001\n-- "
	head -c 20000000 /dev/zero | tr '\0' k
	printf ": value\n\n-- migrate:upgrade\nCREATE TABLE bad_t (id int);\n"
} >bigkey/20260101_0000_001_bigkey.sql
pgm -d "$URL" --dir bigkey upgrade head
expect_rc 1 "a 20 MB header key"
expect_err_has "bigkey/20260101_0000_001_bigkey.sql:2: unknown header key 'kkkkkkkk"
((${#ERR} < 2000)) && pass || fail "the error is short (${#ERR} bytes)"
expect_pristine "$URL" "a 20 MB header key"

# 4c. 10,000 files in one directory, a linear history: uploaded in one go, applied in one
#     transaction, each revision exactly once.
MANY=$(new_db many)
mkdir many
# (one awk process: a subshell per file costs minutes on a loaded machine)
awk 'BEGIN {
	for (i = 1; i <= 10000; i++) {
		id = sprintf("%05d", i); prev = i == 1 ? "none" : sprintf("%05d", i - 1)
		f = "many/20260101_0000_" id "_step.sql"
		printf "-- revision: %s\n-- down_revision: %s\n-- message: step %d\n\n-- migrate:upgrade\nSELECT %d;\n\n-- migrate:downgrade\nSELECT %d;\n", id, prev, i, i, i > f
		close(f)
	}
}'
(($(ls many | wc -l) == 10000)) && pass || fail "10,000 files generated"
pgm -d "$MANY" --dir many upgrade head
expect_rc 0 "10,000 revisions"
expect_eq "10000" "$(grep -c '^Running upgrade' <<<"$OUT")" "10,000 steps printed"
expect_eq "10000|10000|10000" "$(sql "$MANY" "SELECT (SELECT count(*) FROM migrate.revisions) || '|' || (SELECT count(DISTINCT revision) FROM migrate.log) || '|' || (SELECT count(*) FROM migrate.log)")" \
	"stored and logged once each"
expect_eq "10000" "$(sql "$MANY" "SELECT revision FROM migrate.version")" "version"
pgm -d "$MANY" --dir many current
expect_rc 0
expect_out "10000 (head)"
rev many/20260101_0000_x_bad.sql x 09999 "a bad one among 10,000" "SELECT 1;" "" "-- mesage: typo"
pgm -d "$MANY" --dir many upgrade head
expect_rc 1 "one bad file among 10,000"
expect_err_has "many/20260101_0000_x_bad.sql:4: unknown header key 'mesage'"
expect_eq "10000" "$(sql "$MANY" "SELECT count(*) FROM migrate.revisions")" "nothing more stored"

# 5. Bad targets, through pgmigrate and through SQL: clean errors, the backend survives, nothing
#    changes. The database is at 002 of a three-revision project.
linear_project targets
T=$(new_db targets)
pgm -d "$T" --dir targets upgrade 002
expect_rc 0
db_snapshot "$T" >"$WORK/before"
LONG=$(head -c 10240 /dev/zero | tr '\0' 'a')
for target in head-999 base+999 +999 -999 'abc@' '@head' '@' '--' '-' '+' 'head-' 'head--1' '001:003' \
	'a@b@c' ' head' 'héad' "'; DROP TABLE t1; --" '' "$LONG" "$LONG@head" "head-$LONG" "99999999999999999999" "+99999999999999999999"; do
	short=${target:0:20}
	for cmd in upgrade downgrade; do
		pgm -d "$T" --dir targets "$cmd" -- "$target"
		if [[ $RC -eq 1 || $RC -eq 2 ]]; then pass; else fail "$cmd [$short]: exit status 1 or 2"; fi
		[[ $ERR == FAILED:* || $ERR == *"Usage"* || $ERR == *"usage"* ]] && pass || fail "$cmd [$short]: a clean error"
	done
	# through SQL, in one session that must survive them all (stamp takes a list separated by
	# spaces or commas, so ' head' is a valid stamp: it is rolled back)
	"$PSQL" -XqAt "$T" -v VERBOSITY=terse -v t="$target" <<<"SELECT * FROM migrate_upgrade(:'t');
SELECT * FROM migrate_downgrade(:'t');
SELECT migrate_show(:'t'); SELECT migrate_script('upgrade', :'t'); SELECT migrate_script('downgrade', :'t');
BEGIN; SELECT migrate_stamp(:'t'); ROLLBACK;
SELECT 'alive';" >"$WORK/sql.out" 2>"$WORK/sql.err"
	[[ $(head -2 "$WORK/sql.err" | grep -c "^ERROR:") == 2 ]] && pass || fail "SQL upgrade and downgrade [$short]: errors: $(head -c 300 "$WORK/sql.err")"
	expect_eq "alive" "$(tail -1 "$WORK/sql.out")" "SQL [$short]: the backend survives"
done
expect_unchanged "$WORK/before" "$T" "after all the bad targets"

finish
