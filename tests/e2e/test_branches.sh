#!/usr/bin/env bash
# e2e_noext
# Branches and merges online: two heads, upgrade heads, label@head, merge heads, unmerge, and the
# refusal of -1 with several heads applied.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir migrations
rev migrations/a.sql 001 none "base table" "CREATE TABLE base (id int);" "DROP TABLE base;"
rev migrations/b.sql 002 001 "feature a" "CREATE TABLE fa (id int);" "DROP TABLE fa;" "-- branch_labels: fa"
rev migrations/c.sql 003 001 "feature b" "CREATE TABLE fb (id int);" "DROP TABLE fb;" "-- branch_labels: fb"
URL=$(new_db main)

pgm -d "$URL" upgrade head
expect_rc 1 "upgrade head with two heads"
expect_err_has "FAILED: Multiple head revisions are present for given argument 'head'; please specify a specific target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads"
pgm -d "$URL" upgrade fa@head
expect_rc 0 "upgrade fa@head"
expect_out "$(printf 'Running upgrade  -> 001, base table\nRunning upgrade 001 -> 002, feature a')"
pgm -d "$URL" upgrade heads
expect_rc 0 "upgrade heads"
expect_out "Running upgrade 001 -> 003, feature b"
pgm -d "$URL" current
expect_out "$(printf '002 (head)\n003 (head)')"
pgm -d "$URL" check
expect_rc 0 "check with both heads applied"

pgm -d "$URL" downgrade -1
expect_rc 1 "downgrade -1 with several heads"
expect_err_has "002"
expect_err_has "003"
pgm -d "$URL" downgrade fb@-1
expect_rc 0 "downgrade fb@-1"
expect_out "Running downgrade 003 -> 001, feature b"
pgm -d "$URL" current
expect_out "002 (head)"
pgm -d "$URL" upgrade heads

# stamp with several targets sets exactly those rows
pgm -d "$URL" stamp 001
pgm -d "$URL" stamp 002 003
expect_rc 0 "stamp with two targets"
expect_eq "002,003" "$(sql "$URL" "SELECT string_agg(revision, ',' ORDER BY revision) FROM migrate.version")" "stamp 002 003"
pgm -d "$URL" stamp head
expect_rc 1 "stamp head with two heads"
expect_err_has "Multiple heads are present; please specify a single target revision"

# merge the heads, upgrade to the merge, then unmerge
pgm merge heads -m "merge features" --rev-id 004
expect_rc 0 "merge heads"
pgm heads
expect_out "004 (head)"
pgm -d "$URL" upgrade head
expect_rc 0 "upgrade to the merge"
expect_out "Running upgrade 002, 003 -> 004, merge features"
pgm -d "$URL" current
expect_out "004 (head) (mergepoint)"
pgm -d "$URL" history -i
expect_out_has "002, 003 -> 004 (head) (current) (mergepoint), merge features"
pgm -d "$URL" downgrade 002
expect_rc 0 "unmerge"
expect_out "Running downgrade 004 -> 002, 003, merge features"
expect_eq "002,003" "$(sql "$URL" "SELECT string_agg(revision, ',' ORDER BY revision) FROM migrate.version")" "both parents are heads again"
pgm -d "$URL" upgrade head
# A merge's down_revision names both parents, in every mode's report (one revision at a time too).
for mode in "" --transaction-per-revision; do
	pgm -d "$URL" --json downgrade 002 $mode
	expect_rc 0 "unmerge ${mode:-in one transaction}, --json"
	expect_eq "004|002, 003|merge features" "$(json '{steps,0,revision}')|$(json '{steps,0,down_revision}')|$(json '{steps,0,message}')" \
		"the unmerge step ${mode:-in one transaction}"
	expect_err_has "Running downgrade 004 -> 002, 003, merge features"
	pgm -d "$URL" upgrade head
done
pgm -d "$URL" downgrade base
expect_rc 0 "downgrade base through the merge"
expect_eq "0" "$(sql "$URL" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" "everything undone"

# depends_on pulls in the other branch
rev migrations/d.sql 005 002 "needs fb" "CREATE TABLE needs_fb (id int);" "DROP TABLE needs_fb;" "-- depends_on: 003"
rm migrations/*merge_features*.sql
pgm -d "$URL" upgrade 005
expect_rc 0 "upgrade 005 with depends_on"
expect_out_has "Running upgrade 001 -> 003, feature b"
pgm -d "$URL" history
expect_out_has "002 (003) -> 005"

finish
