#!/usr/bin/env bash
# pgmigrate import alembic and adopt, on tests/alembic_project (creates, alters, a branch and its
# merge, a branch label, a depends_on, an op.execute data step, and x001, which loops over rows
# through op.get_bind() and so cannot be rendered offline). The import keeps ids, parents, labels,
# depends_on and messages, lists exactly x001 and exits 1; pgmigrate's upgrade and downgrade give
# the schema Alembic's own give; a database Alembic took half-way is refused with the adopt hint,
# adopted, and carried to the heads. Also run in client mode (e2e_noext); the import itself does not
# depend on the mode, so its re-run and --force cases run once.
source "$(dirname "$0")/lib.sh"

# Alembic is the user's program; the test command installs Debian's (scripts/deps.sh). Missing, the
# test fails: it must not pass without having run.
PYTHON=/usr/bin/python3
if ! "$PYTHON" -c 'import alembic, psycopg2' 2>"$WORK/py.err"; then
	fail "Alembic is missing: scripts/deps.sh installs python3-alembic and python3-psycopg2 ($(cat "$WORK/py.err"))"
	exit 1
fi
ALEMBIC="$PYTHON -m alembic"
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the copied project
PROJECT="$WORK/alembic_project"
cp -r "$E2E_SOURCE_DIR/tests/alembic_project" "$PROJECT"
DIR="$WORK/migrations"

# alembic URL ARGS...: Alembic itself, online, against URL.
alembic() {
	local url=$1
	shift
	(cd "$PROJECT" && ALEMBIC_DATABASE_URL=$url $ALEMBIC "$@") >"$WORK/alembic.out" 2>&1 ||
		fail "alembic $* failed: $(cat "$WORK/alembic.out")"
}
file_of() { ls "$DIR"/*_"$1"_*.sql; }
header() { grep "^-- $2: " "$(file_of "$1")" | sed "s/^-- $2: //"; }
# the upgrade section of a file (up to the downgrade marker)
upgrade_of() { sed -n '/^-- migrate:upgrade$/,/^-- migrate:downgrade$/p' "$(file_of "$1")"; }
# compare_schemas PGMIGRATE_URL ALEMBIC_URL DESCRIPTION: pg_dump agrees (alembic_version aside).
# Once, with the extension: Alembic's side does not depend on the mode, and each run costs a second.
compare_schemas() {
	local d
	[[ -n $NOEXT ]] && return
	if d=$(diff <(normalized_dump "$1" --exclude-table=public.alembic_version) \
		<(normalized_dump "$2" --exclude-table=public.alembic_version)); then pass; else
		fail "$3: pg_dump differs ('<' pgmigrate, '>' Alembic):"$'\n'"$d"
	fi
}

# --- 1. import: one file per revision, x001 listed, exit 1 -----------------------------------
# Offline rendering needs only the URL's dialect: no server is reached.
export ALEMBIC_DATABASE_URL=postgresql://nobody@127.0.0.1:1/none
pgm --dir "$DIR" import alembic --from "$PROJECT" --alembic "$ALEMBIC"
expect_rc 1 "an unrenderable revision fails the import"
expect_err_has "Alembic could not render 1 revision as SQL offline: pgmigrate refuses to apply it until its file is filled in by hand"
expect_eq "x001" "$(grep -E '^  [A-Za-z0-9_]+ \(' <<<"$ERR" | awk '{print $1}')" "exactly the unrenderable revision is listed"
expect_err_has "TypeError: 'NoneType' object is not iterable"
expect_out_has "Imported 7 revisions"
expect_eq "7" "$(ls "$DIR" | wc -l)" "one file per revision"
checksums=$(cd "$DIR" && sha256sum *)

# ids, parents (a merge: both), labels, depends_on, messages
expect_eq "none|create accounts" "$(header a001 down_revision)|$(header a001 message)" "a001"
expect_eq "a001|add email to accounts" "$(header a002 down_revision)|$(header a002 message)" "a002"
expect_eq "a002|audit|create the audit log" "$(header b001 down_revision)|$(header b001 branch_labels)|$(header b001 message)" "b001"
expect_eq "a002|b001|account status; needs the audit log" \
	"$(header c001 down_revision)|$(header c001 depends_on)|$(header c001 message)" "c001"
expect_eq "b001, c001|merge audit and status" "$(header m001 down_revision)|$(header m001 message)" "m001 merges both"
expect_eq "m001" "$(header a003 down_revision)" "a003"
expect_eq "a002|backfill" "$(header x001 down_revision)|$(header x001 branch_labels)" "x001"
# Alembic renders a002:c001 with b001's step first (c001 depends on it); c001's file holds its own only.
expect_eq "0" "$(grep -c 'audit_log' "$(file_of c001)")" "c001 without b001's step"
expect_eq "1" "$(grep -c 'ADD COLUMN status' "$(file_of c001)")" "c001's own step"
# no bookkeeping of Alembic's left anywhere
expect_eq "" "$(grep -il -e 'alembic_version' -e '^BEGIN;' -e '^COMMIT;' "$DIR"/*.sql)" "no alembic_version, BEGIN or COMMIT"
# x001: its upgrade is comments only (the unfilled section), its downgrade as Alembic renders it
expect_eq "" "$(upgrade_of x001 | grep -v -e '^--' -e '^$')" "x001's upgrade holds no SQL"
expect_eq "1" "$(grep -c 'could not render this upgrade' "$(file_of x001)")" "x001 says why"

if [[ -z $NOEXT ]]; then
	# A file edited since: a clear error, nothing written; --force rewrites it, and only it (the
	# others are the same bytes again: the import is deterministic, a re-run idempotent).
	echo "-- edited" >>"$(file_of a002)"
	edited=$(cd "$DIR" && sha256sum *)
	pgm --dir "$DIR" import alembic --from "$PROJECT" --alembic "$ALEMBIC"
	expect_rc 1
	expect_err_has "already holds 1 of the imported revisions with other content; nothing was written"
	expect_err_has "holds revision a002 with other content"
	expect_eq "$edited" "$(cd "$DIR" && sha256sum *)" "nothing written"
	pgm --dir "$DIR" import alembic --from "$PROJECT" --alembic "$ALEMBIC" --force
	expect_rc 1
	expect_out_has "(6 unchanged)"
	expect_eq "$checksums" "$(cd "$DIR" && sha256sum *)" "--force rewrote the edited file"
	# No Alembic there: a clear error naming the option.
	pgm --dir "$WORK/other" import alembic --from "$PROJECT" --alembic /nonexistent/alembic
	expect_rc 1
	expect_err_has "--alembic: /nonexistent/alembic was not found"
	pgm --dir "$WORK/other" import alembic --from "$WORK" --alembic "$ALEMBIC"
	expect_rc 1
	expect_err_has "no Alembic configuration $WORK/alembic.ini"
fi

# --- 2. pgmigrate's upgrade and downgrade give Alembic's schema ------------------------------
P=$(new_db pgm)
A=$(new_db alembic)
pgm -d "$P" --dir "$DIR" upgrade a003
expect_rc 0 "upgrade to a003 (x001, on its own branch, is not needed)"
expect_out_has "Running upgrade b001, c001 -> m001"
[[ -z $NOEXT ]] && alembic "$A" upgrade a003
compare_schemas "$P" "$A" "at a003"
expect_eq "system; the 'root'" "$(sql "$P" "SELECT name FROM accounts WHERE id = 0")" "the data step ran"
pgm -d "$P" --dir "$DIR" upgrade x001
expect_rc 1 "x001 is not filled in"
expect_err_has "the upgrade section is empty"
pgm -d "$P" --dir "$DIR" downgrade base
expect_rc 0
[[ -z $NOEXT ]] && alembic "$A" downgrade base
compare_schemas "$P" "$A" "at base"
expect_eq "0" "$(sql "$P" "SELECT count(*) FROM pg_class WHERE relname IN ('accounts', 'audit_log')")" "nothing left"

# --- 3. a database Alembic took half-way: refused, adopted, carried to the heads --------------
H=$(new_db half)
# c001 depends on b001, so Alembic applies b001 too and keeps one row, c001 (b001 is implied).
alembic "$H" upgrade c001
expect_eq "c001" "$(sql "$H" "SELECT string_agg(version_num, ',') FROM alembic_version")" "Alembic's version rows"
pgm -d "$H" --dir "$DIR" upgrade a003
expect_rc 1 "upgrading an Alembic database from base"
expect_err_has "was migrated by Alembic: public.alembic_version holds c001"
expect_err_has "pgmigrate adopt"
expect_eq "0" "$(sql "$H" "SELECT count(*) FROM migrate.version")" "nothing stamped"
pgm -d "$H" --dir "$DIR" current
expect_rc 0
expect_err_has "public.alembic_version holds c001: this database was migrated by Alembic"
expect_err_has "pgmigrate adopt"
pgm -d "$H" --dir "$DIR" history --indicate-current
expect_err_has "pgmigrate adopt"
pgm -d "$H" --dir "$DIR" downgrade base
expect_rc 1 "a downgrade is refused too"
expect_err_has "pgmigrate adopt"

pgm -d "$H" --dir "$DIR" adopt
expect_rc 0 "adopt"
expect_out_has "Adopted database"
expect_err_has "DROP TABLE public.alembic_version;"
expect_eq "c001" "$(sql "$H" "SELECT string_agg(revision, ',' ORDER BY revision) FROM migrate.version")" "version rows"
expect_eq "stamp" "$(sql "$H" "SELECT string_agg(direction, ',') FROM migrate.log")" "the audit log records the adoption"
expect_eq "c001" "$(sql "$H" "SELECT string_agg(version_num, ',') FROM alembic_version")" "alembic_version left in place"
pgm -d "$H" --dir "$DIR" current
expect_rc 0
expect_nowhere "pgmigrate adopt"
pgm -d "$H" --dir "$DIR" adopt
expect_rc 1 "a second adopt"
expect_err_has "already has migrate version rows (c001)"

# The user fills in x001 by hand, as the import asks; then pgmigrate carries the database to the
# heads (b001 counts as applied, as for Alembic: m001 runs next), to the schema Alembic's own
# upgrade gives.
x001=$(file_of x001)
{
	sed -n '1,/^-- migrate:upgrade$/p' "$x001"
	echo "ALTER TABLE accounts ADD COLUMN slug text;"
	echo "UPDATE accounts SET slug = lower(name);"
	echo
	sed -n '/^-- migrate:downgrade$/,$p' "$x001"
} >"$WORK/x001.sql"
mv "$WORK/x001.sql" "$x001"
pgm -d "$H" --dir "$DIR" upgrade heads
expect_rc 0 "to the heads"
expect_out_has "Running upgrade b001, c001 -> m001"
expect_out_has "Running upgrade a002 -> x001"
expect_eq "a003,x001" "$(sql "$H" "SELECT string_agg(revision, ',' ORDER BY revision) FROM migrate.version")" "at the heads"
expect_eq "stamp:,upgrade:m001,upgrade:a003,upgrade:x001" \
	"$(sql "$H" "SELECT string_agg(direction || ':' || CASE WHEN direction = 'stamp' THEN '' ELSE revision END, ',' ORDER BY id) FROM migrate.log")" \
	"the audit log"
expect_eq "system; the 'root'" "$(sql "$H" "SELECT slug FROM accounts WHERE id = 0")" "x001's backfill ran"
A2=$(new_db alembic_heads)
[[ -z $NOEXT ]] && alembic "$A2" upgrade heads
compare_schemas "$H" "$A2" "at the heads"

# --- 4. adopt refuses a revision that was not imported, and changes nothing --------------------
U=$(new_db unknown)
sql "$U" "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('a002'), ('zz99')" >/dev/null
before=$("$PG_BINDIR/pg_dump" "$U" | grep -v -e '^\\restrict' -e '^\\unrestrict')
pgm -d "$U" --dir "$DIR" adopt
expect_rc 1 "an unknown revision"
expect_err_has "public.alembic_version names a revision that $DIR does not hold"
expect_err_has "Can't locate revision identified by 'zz99'"
expect_eq "$before" "$("$PG_BINDIR/pg_dump" "$U" | grep -v -e '^\\restrict' -e '^\\unrestrict')" "nothing changed"

# --- 5. refused when migrate already has version rows; stamp --from-alembic is adopt ----------
V=$(new_db versioned)
# Two rows, one per branch (x001 is filled in by now).
sql "$V" "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('b001'), ('x001')" >/dev/null
pgm -d "$V" --dir "$DIR" stamp a001
expect_rc 0
expect_err_has "pgmigrate adopt" # stamp says it too
pgm -d "$V" --dir "$DIR" stamp --from-alembic
expect_rc 1 "migrate has version rows"
expect_err_has "already has migrate version rows (a001)"
expect_eq "a001" "$(sql "$V" "SELECT string_agg(revision, ',') FROM migrate.version")" "unchanged"
pgm -d "$V" --dir "$DIR" stamp --purge base
expect_rc 0
pgm -d "$V" --dir "$DIR" stamp --from-alembic
expect_rc 0 "stamp --from-alembic adopts"
expect_eq "b001,x001" "$(sql "$V" "SELECT string_agg(revision, ',' ORDER BY revision) FROM migrate.version")" "adopted"
pgm -d "$V" --dir "$DIR" stamp --from-alembic a001
expect_rc 2 "--from-alembic takes no revision"

echo "import: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
