#!/usr/bin/env bash
# e2e_noext
# Before every database command: the extension check, and the upload of new or changed files
# (only those, all or none), with the checksum refusal for an applied revision that changed.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
linear_project migrations

# the extension missing: say so, and name both ways out (client mode: tests/e2e/test_noext.sh)
BARE=$(new_db bare --no-extension)
if [[ -z $NOEXT ]]; then
	for cmd in "upgrade head" "current" "check" "stamp head" "downgrade -1" "history -i"; do
		pgm -d "$BARE" $cmd
		expect_rc 1 "$cmd without the extension"
		expect_err_has "FAILED: the migrate extension is not installed in database \"${BARE##*/}\""
		expect_err_has "CREATE EXTENSION migrate;"
		expect_err_has "--no-extension"
	done
fi
pgm -d "$BARE" upgrade head --sql
expect_rc 0 "--sql reads nothing it cannot"

URL=$(new_db main)
pgm -d "$URL" current
expect_rc 0
expect_eq "0" "$(sql "$URL" "SELECT CASE WHEN to_regclass('migrate.revisions') IS NULL THEN 0 ELSE
	(xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM migrate.revisions', false, true, '')))[1]::text::int END")" \
	"a read-only command uploads (and creates) nothing"
pgm -d "$URL" stamp base
expect_rc 0
expect_eq "3" "$(sql "$URL" "SELECT count(*) FROM migrate.revisions")" "every file uploaded by the first command that writes"
up1=$(sql "$URL" "SELECT string_agg(uploaded_at::text, ',' ORDER BY revision) FROM migrate.revisions")
pgm -d "$URL" upgrade head
expect_rc 0
expect_eq "$up1" "$(sql "$URL" "SELECT string_agg(uploaded_at::text, ',' ORDER BY revision) FROM migrate.revisions")" \
	"unchanged files are not uploaded again"

# a bad file: reported, nothing uploaded (also not the good new one)
rev migrations/20260101_0003_004_new.sql 004 003 "new" "CREATE TABLE t4 (id int);" "DROP TABLE t4;"
printf -- '-- revision: 005\n-- down_revision: 004\n-- message: bad\n\n-- migrate:upgrade\n' >migrations/20260101_0004_005_bad.sql
pgm -d "$URL" upgrade head
expect_rc 1 "an unfilled file in the plan"
expect_err_has "_005_bad.sql: the upgrade section is empty"
expect_err_has "FAILED: revision 005 is not filled in"
expect_eq "3" "$(sql "$URL" "SELECT count(*) FROM migrate.revisions")" "nothing uploaded"
rm migrations/20260101_0004_005_bad.sql
pgm -d "$URL" upgrade head
expect_rc 0
expect_out "Running upgrade 003 -> 004, new"

# an applied revision edited: refused, naming it and both checksums
old=$(sql "$URL" "SELECT checksum FROM migrate.revisions WHERE revision = '002'")
cp migrations/20260101_0001_002_add_b.sql saved.sql
rev migrations/20260101_0001_002_add_b.sql 002 001 "add b" "ALTER TABLE t1 ADD COLUMN b bigint;" "ALTER TABLE t1 DROP COLUMN b;"
pgm -d "$URL" upgrade head
expect_rc 1 "edited applied revision"
expect_err_has "FAILED: revision 002 has changed since it was applied"
expect_err_has "$old"
pgm -d "$URL" stamp head
expect_rc 1 "every database command that writes refuses it"
expect_err_has "FAILED: revision 002 has changed since it was applied"
pgm -d "$URL" current
expect_rc 0 "a read-only command goes on"
expect_err_has "warning: revision 002 has changed since it was applied"
expect_err_has "applied checksum $old, file checksum $(sha256sum <migrations/20260101_0001_002_add_b.sql | cut -d' ' -f1))"
pgm -d "$URL" upgrade head --sql
expect_rc 0 "--sql does not upload"
cp saved.sql migrations/20260101_0001_002_add_b.sql
pgm -d "$URL" current
expect_rc 0 "restored file"
expect_out "004 (head)"

# an unapplied revision may change: the new content is uploaded
rev migrations/20260101_0003_004_new.sql 004 003 "new" "CREATE TABLE t4 (id int, x int);" "DROP TABLE t4;"
pgm -d "$URL" downgrade -1
expect_rc 1 "004 is applied: the edit is refused"
rev migrations/20260101_0003_004_new.sql 004 003 "new" "CREATE TABLE t4 (id int);" "DROP TABLE t4;"
pgm -d "$URL" downgrade -1
expect_rc 0
rev migrations/20260101_0003_004_new.sql 004 003 "new" "CREATE TABLE t4 (id int, x int);" "DROP TABLE t4;"
pgm -d "$URL" upgrade head
expect_rc 0 "an unapplied revision's new content"
expect_eq "x" "$(sql "$URL" "SELECT attname FROM pg_attribute WHERE attrelid = 't4'::regclass AND attname = 'x'")" "new content ran"

# CRLF line endings do not change the checksum
sed -i 's/$/\r/' migrations/20260101_0000_001_create_t1.sql
pgm -d "$URL" current
expect_rc 0 "CRLF file has the same checksum"

# The one-row check (a digest of every checksum) lets a directory the server holds exactly skip
# the upload; anything else still goes through the full comparison and the file checks.
up2=$(sql "$URL" "SELECT string_agg(uploaded_at::text, ',' ORDER BY revision) FROM migrate.revisions")
mv migrations/20260101_0003_004_new.sql migrations/20260101_0003_004_renamed.sql
pgm -d "$URL" upgrade head
expect_rc 0 "a renamed file with the same content"
expect_eq "$up2" "$(sql "$URL" "SELECT string_agg(uploaded_at::text, ',' ORDER BY revision) FROM migrate.revisions")" \
	"same contents under other names: nothing uploaded"
cp migrations/20260101_0003_004_renamed.sql migrations/20260101_0009_004_copy.sql
pgm -d "$URL" upgrade head
expect_rc 1 "the same file twice: the checksums match as a set, not as a count"
expect_err_has "revision 004 is also defined in"
rm migrations/20260101_0009_004_copy.sql
mv migrations/20260101_0003_004_renamed.sql away.sql
pgm -d "$URL" current
expect_rc 0 "the newest file missing from the directory: the server's applied copy is used"
expect_out "004 (head) (no file)"
mv away.sql migrations/20260101_0003_004_renamed.sql
printf -- '-- revision: 006\n-- down_revision: 004\n-- message: bad\n\n-- migrate:upgrade\n' >migrations/20260101_0005_006_bad.sql
pgm -d "$URL" current
expect_rc 0 "an unfilled new file is a warning for a read-only command"
expect_err_has "_006_bad.sql: the upgrade section is empty"
rm migrations/20260101_0005_006_bad.sql
pgm -d "postgresql://nobody@127.0.0.1:1/none" --dir migrations current
expect_rc 1 "no server"
expect_err_has "could not connect"
printf -- '-- revision: 006\n' >migrations/20260101_0005_006_bad.sql
pgm -d "postgresql://nobody@127.0.0.1:1/none" --dir migrations current
expect_rc 1 "a bad file and no server"
expect_err_has "_006_bad.sql"
rm migrations/20260101_0005_006_bad.sql

# A no-op `upgrade head` is decided by that one-row check when the server holds exactly the files
# and every stored revision is applied; it must agree with the engine's graph in every case.
# depends_on: 012 follows 010 and needs 011, so 011 is a head by down_revision but no real head.
mkdir -p deps
rev deps/a.sql 010 none "a" "SELECT 1;" "SELECT 1;"
rev deps/b.sql 011 010 "b" "SELECT 1;" "SELECT 1;"
rev deps/c.sql 012 010 "c" "SELECT 1;" "SELECT 1;" "-- depends_on: 011"
DEPS=$(new_db deps)
pgm -d "$DEPS" --dir deps upgrade heads
expect_rc 0
expect_eq "012" "$(sql "$DEPS" "SELECT string_agg(revision, ',') FROM migrate.version")" "one version row: 011 is implied"
pgm -d "$DEPS" --dir deps upgrade heads
expect_rc 0 "upgrade heads at the heads"
expect_out ""
# ...and calls no function of the extension (a fresh backend need not load its library), which a
# move does: counted with track_functions.
if [[ -z $NOEXT ]]; then
	calls() { sql "$DEPS" "SELECT COALESCE(sum(calls), 0) FROM pg_stat_user_functions WHERE funcname LIKE 'migrate\_%'"; }
	before=$(calls)
	PGOPTIONS="-c track_functions=all" pgm -d "$DEPS" --dir deps upgrade heads
	expect_rc 0
	expect_eq "$before" "$(calls)" "the no-op at the heads called no function of the extension"
	PGOPTIONS="-c track_functions=all" pgm -d "$DEPS" --dir deps downgrade -1
	expect_rc 0
	[[ $(calls) -gt $before ]] || fail "a downgrade is counted: the count above can see a call"
	pgm -d "$DEPS" --dir deps upgrade heads
	expect_rc 0
fi
pgm -d "$DEPS" --dir deps upgrade head
expect_rc 1 "two heads by down_revision: head is ambiguous even with nothing to apply"
expect_err_has "Multiple head revisions are present"
# a stored revision that names a revision not stored (tampered with by hand): not a no-op but the
# engine's error, although every checksum matches its file and the version row is the only real head:
# the comparison with the files covers the stored graph columns too
sql "$DEPS" "UPDATE migrate.revisions SET down_revisions = '{010,099}' WHERE revision = '011'" >/dev/null
pgm -d "$DEPS" --dir deps upgrade heads
expect_rc 1 "a stored revision names one that is not stored"
expect_err_has "099"
# a NULL among a stored revision's down_revisions (by hand) is a difference too: the engine, not
# the no-op's shortcut, reads that store (and finds nothing to do)
if [[ -z $NOEXT ]]; then
	sql "$DEPS" "UPDATE migrate.revisions SET down_revisions = '{010,NULL}' WHERE revision = '011'" >/dev/null
	before=$(calls)
	PGOPTIONS="-c track_functions=all" pgm -d "$DEPS" --dir deps upgrade heads
	expect_rc 0
	[[ $(calls) -gt $before ]] || fail "a stored NULL down_revision was taken for the files' graph"
fi

# migrate.summary (the extension's): a no-op and a read-only command compare the files with its row
# and read no stored revision, which a role that may not read them shows; a hand edit that
# bypasses its trigger is trusted by what runs nothing only, and anything that runs reads the store.
if [[ -z $NOEXT ]]; then
	SUM=$(new_db summary)
	pgm -d "$SUM" --dir deps upgrade heads
	expect_rc 0
	expect_eq "1" "$(sql "$SUM" "SELECT count(*) FROM migrate.summary")" "the upload wrote the summary"
	READER=e2e_sync_reader
	sql "$SUM" "DROP ROLE IF EXISTS $READER; CREATE ROLE $READER LOGIN;
		REVOKE SELECT ON migrate.revisions FROM PUBLIC" >/dev/null 2>&1
	AS_READER="postgresql://$READER@127.0.0.1:$PORT/${SUM##*/}"
	pgm -d "$AS_READER" --dir deps upgrade heads
	expect_rc 0 "the no-op at the heads reads no stored revision"
	expect_out ""
	pgm -d "$AS_READER" --dir deps current
	expect_rc 0 "current reads no stored revision"
	expect_out_has "012 (head)"
	rev deps/d.sql 013 012 "d" "SELECT 1;" "SELECT 1;"
	pgm -d "$AS_READER" --dir deps current
	expect_rc 1 "a new file: the summary differs, and the stored revisions are read"
	expect_err_has "permission denied for table revisions"
	rm deps/d.sql
	# a second row (by hand) makes no summary: the stored revisions are read
	sql "$SUM" "INSERT INTO migrate.summary SELECT * FROM migrate.summary" >/dev/null
	pgm -d "$AS_READER" --dir deps current
	expect_rc 1 "two summary rows: the stored revisions are read"
	expect_err_has "permission denied for table revisions"
	sql "$SUM" "DELETE FROM migrate.summary WHERE ctid IN (SELECT ctid FROM migrate.summary LIMIT 1)" >/dev/null
	pgm -d "$AS_READER" --dir deps current
	expect_rc 0 "one row again: current reads no stored revision"
	sql "$SUM" "GRANT SELECT ON migrate.revisions TO PUBLIC; DROP ROLE $READER" >/dev/null
	# a hand edit through the trigger removes the row: the engine's error, as above
	sql "$SUM" "UPDATE migrate.revisions SET down_revisions = '{010,099}' WHERE revision = '011'" >/dev/null
	expect_eq "0" "$(sql "$SUM" "SELECT count(*) FROM migrate.summary")" "the trigger removed the summary"
	pgm -d "$SUM" --dir deps upgrade heads
	expect_rc 1 "an edited store without its summary: the engine reads it"
	expect_err_has "099"
	sql "$SUM" "UPDATE migrate.revisions SET down_revisions = '{010}' WHERE revision = '011'" >/dev/null
	pgm -d "$SUM" --dir deps upgrade heads
	expect_rc 0 "the edit undone: the stored revisions equal the files"
	expect_eq "0" "$(sql "$SUM" "SELECT count(*) FROM migrate.summary")" "only the engine writes the summary"
	rev deps/d.sql 013 012 "d" "SELECT 1;" "SELECT 1;"
	pgm -d "$SUM" --dir deps upgrade heads
	expect_rc 0 "a new file uploaded and applied"
	expect_eq "1" "$(sql "$SUM" "SELECT count(*) FROM migrate.summary")" "the upload wrote the summary again"
	# the trigger disabled by the owner, and revision 013's stored file rewritten with a matching
	# checksum: a no-op at the heads trusts the summary (it runs nothing); a downgrade reads the
	# stored revisions, finds 013 changed since it was applied, and runs none of it
	sql "$SUM" "ALTER TABLE migrate.revisions DISABLE TRIGGER forget_summary;
		UPDATE migrate.revisions SET content = replace(content, 'SELECT 1;', 'CREATE TABLE pwned ();'),
			upgrade_sql = replace(upgrade_sql, 'SELECT 1;', 'CREATE TABLE pwned ();'),
			downgrade_sql = replace(downgrade_sql, 'SELECT 1;', 'CREATE TABLE pwned ();')
		WHERE revision = '013';
		UPDATE migrate.revisions SET checksum = encode(sha256(convert_to(content, 'UTF8')), 'hex')
		WHERE revision = '013';
		ALTER TABLE migrate.revisions ENABLE TRIGGER forget_summary" >/dev/null
	expect_eq "1" "$(sql "$SUM" "SELECT count(*) FROM migrate.summary")" "the summary is stale"
	pgm -d "$SUM" --dir deps upgrade heads
	expect_rc 0 "a stale summary: the no-op runs nothing"
	pgm -d "$SUM" --dir deps downgrade -1
	expect_rc 1 "a downgrade reads the stored revisions themselves"
	expect_err_has "revision 013 has changed since it was applied"
	expect_eq "" "$(sql "$SUM" "SELECT to_regclass('pwned')")" "nothing of the rewritten file ran"
fi

finish
