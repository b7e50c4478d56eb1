#!/usr/bin/env bash
# e2e_noext
# Commands that work from the files alone: init, revision, merge, history, heads, branches,
# show; every bad file reported; usage errors.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

# --- init
pgm init
expect_rc 0 "init"
expect_out_has "Creating directory migrations ...  done"
[[ -f migrations/README.md ]] && pass || fail "init writes migrations/README.md"
pgm init
expect_rc 1 "init on a non-empty directory"
expect_err_has "FAILED: Directory migrations already exists and is not empty"
pgm init other
expect_rc 0 "init DIR"
[[ -f other/README.md ]] && pass || fail "init other/"

# --- revision: numeric ids, parent = the single head, file name
pgm revision -m "Create Accounts table!"
expect_rc 0 "first revision"
f1=$(ls migrations/*_001_create_accounts_table.sql 2>/dev/null)
[[ -n $f1 ]] && pass || fail "file named YYYYMMDD_HHMM_001_<slug>.sql"
[[ $(basename "$f1") =~ ^[0-9]{8}_[0-9]{4}_001_create_accounts_table\.sql$ ]] && pass || fail "name pattern: $f1"
grep -q '^-- down_revision: none$' "$f1" && pass || fail "first revision is a root"
pgm upgrade head --sql
expect_rc 1 "an unfilled template is refused"
expect_err_has "upgrade section is empty"
# a read-only database command works with a draft (a warning naming it) and uploads nothing
URL=$(new_db files)
pgm -d "$URL" history -i
expect_rc 0 "a read-only command with an unfilled template"
expect_err_has "$(basename "$f1"): the upgrade section is empty"
expect_eq 0 "$(sql "$URL" "SELECT CASE WHEN to_regclass('migrate.revisions') IS NULL THEN 0 ELSE
	(xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM migrate.revisions', false, true, '')))[1]::text::int END")" \
	"nothing uploaded"
echo "CREATE TABLE accounts (id int);" >>"$f1"
sed -i 's/^-- migrate:downgrade$/DROP TABLE accounts;\n-- migrate:downgrade/' "$f1"
sed -i '0,/^DROP TABLE accounts;$/{/^DROP TABLE accounts;$/d}' "$f1"
printf 'DROP TABLE accounts;\n' >>"$f1"
# rewrite it plainly: the template's exact comments are not the point here
rev "$f1" 001 none "Create Accounts table!" "CREATE TABLE accounts (id int);" "DROP TABLE accounts;"
pgm revision -m "add a column"
expect_rc 0 "second revision"
f2=$(ls migrations/*_002_add_a_column.sql)
grep -q '^-- down_revision: 001$' "$f2" && pass || fail "parent is the head 001"
rev "$f2" 002 001 "add a column" "ALTER TABLE accounts ADD COLUMN a int;" "ALTER TABLE accounts DROP COLUMN a;"

# --- --head, --branch-label, --depends-on, several heads
pgm revision -m "side branch" --head 001 --branch-label side
expect_rc 1 "--head on a non-head"
expect_err_has "Revision 001 is not a head revision; please specify --splice to create a new branch from this revision"
pgm revision -m "side branch" --head 001 --splice --branch-label side
expect_rc 0 "--splice"
f3=$(ls migrations/*_003_side_branch.sql)
grep -q '^-- branch_labels: side$' "$f3" && pass || fail "branch label written"
rev "$f3" 003 001 "side branch" "CREATE TABLE side (id int);" "DROP TABLE side;" "-- branch_labels: side"
pgm revision -m "after both"
expect_rc 1 "several heads"
expect_err_has "FAILED: Multiple heads are present; please specify the head revision on which the new revision should be based, or perform a merge."
pgm revision -m "on side" --head side@head --depends-on 002 --rev-id side2
expect_rc 0 "--head label@head --depends-on --rev-id"
f4=$(ls migrations/*_side2_on_side.sql)
grep -q '^-- down_revision: 003$' "$f4" && grep -q '^-- depends_on: 002$' "$f4" && pass || fail "side2 header"
rev "$f4" side2 003 "on side" "CREATE TABLE side2 (id int);" "DROP TABLE side2;" "-- depends_on: 002"
pgm revision -m "hex id" --head side2
expect_rc 0 "ids are no longer all numeric"
[[ -n $(ls migrations/ | grep -E '^[0-9]{8}_[0-9]{4}_[0-9a-f]{12}_hex_id\.sql$') ]] && pass || fail "12 hex digit id"
rm migrations/*_hex_id.sql
pgm revision -m "dup" --rev-id 002 --head side2
expect_rc 1 "--rev-id in use"
expect_err_has "Revision 002 already exists"
pgm revision -m "bad" --rev-id "no-dash"
expect_rc 2 "--rev-id invalid: a usage error (test_revision_args.sh has the others)"
expect_err_has "--rev-id 'no-dash' is not a valid revision id"
pgm revision -m "x" --autogenerate --head side2
expect_rc 1 "--autogenerate without a schema"
expect_err_has "schema path ./schema does not exist"
[[ -z $(ls migrations/ | grep '_x\.sql$') ]] && pass || fail "--autogenerate wrote a file after failing"

# --- heads, branches, history, show
pgm heads
expect_rc 0 "heads"
expect_out "$(printf '002 (effective head)\nside2 (head)')"
pgm heads --resolve-dependencies
expect_out "side2 (head)"
pgm branches
expect_rc 0 "branches"
expect_out_has "001 (branchpoint)"
expect_out_has "    -> 002 (effective head)"
expect_out_has "    -> 003 (side)"
pgm history
expect_rc 0 "history"
expect_out_has "<base> -> 001 (branchpoint), Create Accounts table!"
expect_out_has "001 -> 002 ("
expect_out_has "003 (002) -> side2 (head), on side"
pgm history -r 003:
expect_out_lacks "add a column"
expect_out_has "001 -> 003 (side), side branch"
pgm history -r 001
expect_rc 1 "history range without colon"
expect_err_has "History range requires [start]:[end], [start]:, or :[end]"
pgm history --verbose
expect_out_has "Rev: 001 (branchpoint)"
expect_out_has "Branches into: 002, 003"
pgm show 00
expect_rc 1 "ambiguous prefix"
expect_err_has "FAILED: Can't locate revision identified by '00'"
pgm show side
expect_rc 0 "show a label"
expect_out_has "Rev: 003"
expect_out_has "Branch names: side"
pgm show nothere
expect_rc 1
expect_err_has "Can't locate revision identified by 'nothere'"

# --- merge heads
pgm merge heads -m "join them" --rev-id 004
expect_rc 0 "merge heads"
fm=$(ls migrations/*_004_join_them.sql)
grep -q '^-- down_revision: 002, side2$' "$fm" && pass || fail "merge down_revision lists both heads"
pgm heads
expect_out "004 (head)"
pgm history
expect_out_has "002, side2 -> 004 (head) (mergepoint), join them"
pgm revision -m "after merge" --rev-id 005
expect_rc 0 "revision after the merge"
grep -q '^-- down_revision: 004$' migrations/*_005_after_merge.sql && pass || fail "parent is the merge"
rm migrations/*_005_after_merge.sql
pgm merge heads -m "again"
expect_rc 1 "nothing to merge"

# --- --json
pgm --json heads
expect_rc 0
expect_eq "004" "$(json '{heads,0,revision}')" "--json heads"
expect_eq "true" "$(json '{ok}')" "--json ok"
pgm --json show 001
expect_eq "Create Accounts table!" "$(json '{revisions,0,message}')" "--json show"

# --- every bad file reported, nothing else read
mkdir bad
rev bad/a.sql 001 none one "SELECT 1;"
printf -- '-- revision: 002\n-- down_revison: 001\n\n-- migrate:upgrade\nSELECT 1;\n' >bad/b.sql
printf -- '-- revision: 003\n-- down_revision: 002\n' >bad/c.sql
echo "not a migration" >bad/README.md
echo "ignored" >bad/.hidden.sql
pgm --dir bad history
expect_rc 1 "bad files"
expect_err_has "FAILED: 2 migration files in bad have errors"
expect_err_has "bad/b.sql:2"
expect_err_has "bad/c.sql"
PGMIGRATE_DIR=bad pgm history
expect_rc 1 "PGMIGRATE_DIR"
mkdir cyc
rev cyc/a.sql 001 002 one "SELECT 1;"
rev cyc/b.sql 002 001 two "SELECT 1;"
pgm --dir cyc history
expect_rc 1 "a cycle"

# --- usage errors: exit 2 with a short usage line
pgm
expect_rc 2 "no command"
expect_err_has "usage: pgmigrate"
pgm frobnicate
expect_rc 2 "unknown command"
pgm upgrade
expect_rc 2 "missing target"
pgm revision
expect_rc 2 "missing -m"
pgm upgrade head --bogus
expect_rc 2 "unknown option"
pgm upgrade --help
expect_rc 0 "--help"
expect_out_has "--sql"
pgm --dir nowhere history
expect_rc 1 "missing directory"
expect_err_has "no migrations directory nowhere"

finish
