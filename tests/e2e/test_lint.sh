#!/usr/bin/env bash
# Lint that knows the catalog (e2e_noext: also in client mode): `pgmigrate lint` offline (tables
# created earlier in the plan make index builds informational) and against real tables of 0 and
# about 1,000,000 rows (ANALYZEd), its exit codes and --json; the `migrate.lint` policy when a
# revision is applied (warn reports, error refuses before anything runs, an invalid value is an
# error naming the setting); waivers in a file (used, unused, unknown rule).
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir migrations
rev migrations/20260101_0000_001_tables.sql 001 none "tables" \
	"CREATE TABLE small_t (id bigint PRIMARY KEY, a text);
CREATE TABLE big_t (id bigint PRIMARY KEY, a text);" "DROP TABLE big_t; DROP TABLE small_t;"
# Its upgrade section starts on line 6: the index on small_t is on line 6, the one on big_t on 7.
rev migrations/20260101_0001_002_indexes.sql 002 001 "indexes" \
	"CREATE INDEX small_a ON small_t (a);
CREATE INDEX big_a ON big_t (a);" "DROP INDEX big_a; DROP INDEX small_a;"

# --- Offline: both tables are created earlier in the plan, so both index builds are info.
pgm lint
expect_rc 0 "offline lint: nothing but info"
expect_out_has "20260101_0001_002_indexes.sql:6: info[require-concurrent-index-creation]"
expect_out_has "catalog: small_t: created earlier in this plan"
expect_out_has "offline: no database given, text-only verdicts"
pgm lint 002
expect_rc 0 "lint 002 alone still knows 001 created the tables"
expect_out_has "1 revision linted: 0 warnings, 0 waived, 2 info"

# --- With a database: 001 applied, big_t filled with a million rows and analyzed.
db=$(new_db db)
pgm -d "$db" upgrade 001
expect_rc 0 "upgrade 001"
sql "$db" "INSERT INTO big_t SELECT g, 'x' || g FROM generate_series(1, 1000000) g; ANALYZE big_t; ANALYZE small_t" >/dev/null
pgm -d "$db" lint
expect_rc 1 "a warning on the big table: exit 1"
expect_out_has "20260101_0001_002_indexes.sql:6: info[require-concurrent-index-creation] CREATE INDEX small_a on small_t"
expect_out_has "catalog: small_t: about 0 rows (0 pages), under the size threshold"
expect_out_has "20260101_0001_002_indexes.sql:7: warning[require-concurrent-index-creation] CREATE INDEX big_a on big_t"
expect_out_has "help: Use CREATE INDEX CONCURRENTLY"
expect_out_has "catalog: big_t: about 1,000,000 rows ("
expect_out_has "catalog: the database's table sizes"
pgm -d "$db" lint --offline
expect_rc 0 "--offline: the text-only verdict (tables created in the plan)"
expect_out_has "offline (--offline)"
pgm -d "$db" --json lint
expect_rc 1 "--json: same exit status"
expect_eq "1" "$(json '{warnings}')" "--json counts the warning"
expect_eq "database" "$(json '{catalog}')" "--json says where the sizes come from"
expect_eq "7" "$(json '{findings,1,line}')" "--json gives the line"
expect_eq "require-concurrent-index-creation" "$(json '{findings,1,rule}')" "--json gives the rule"

# --- The policy when applying. The extension enforces it once it defines migrate.lint; client mode
# always does.
enforced=1
if [[ -z $NOEXT && -z $(sql "$db" "SELECT current_setting('migrate.lint', true)") ]]; then
	enforced=
	echo "note: this extension does not define migrate.lint yet: policy checks run in client mode only"
fi
if [[ -n $enforced ]]; then
	PGOPTIONS='-c migrate.lint=bogus' pgm -d "$db" upgrade head
	expect_rc 1 "an invalid migrate.lint is refused"
	expect_err_has 'migrate.lint'
	PGOPTIONS='-c migrate.lint=error' pgm -d "$db" upgrade head
	expect_rc 1 "migrate.lint = error refuses the revision"
	expect_err_has "revision 002 does not pass lint (migrate.lint = error); nothing was run"
	expect_err_has "20260101_0001_002_indexes.sql:7: warning[require-concurrent-index-creation]"
	expect_err_has "-- migrate:allow RULE: reason"
	expect_eq "001" "$(sql "$db" "SELECT revision FROM migrate.version")" "nothing applied"
	expect_eq "" "$(sql "$db" "SELECT to_regclass('big_a')")" "no index built"
	pgm -d "$db" upgrade head
	expect_rc 0 "migrate.lint = warn (the default) applies"
	expect_err_has "lint: revision 002: 20260101_0001_002_indexes.sql:7: warning[require-concurrent-index-creation]"
	expect_eq "002" "$(sql "$db" "SELECT revision FROM migrate.version")" "applied under warn"
else
	pgm -d "$db" upgrade head
	expect_rc 0 "upgrade head"
fi

# --- Waivers: one that is used lets `error` through; an unused one is reported.
rev migrations/20260101_0002_003_check.sql 003 002 "check" \
	"ALTER TABLE big_t ADD CONSTRAINT big_t_a CHECK (a <> '');" "ALTER TABLE big_t DROP CONSTRAINT big_t_a;" \
	"-- migrate:allow constraint-missing-not-valid: a one-off check, at night"
pgm -d "$db" lint 003
expect_rc 0 "a waived warning does not count"
expect_out_has "warning[constraint-missing-not-valid]"
expect_out_has "(waived: a one-off check, at night)"
if [[ -n $enforced ]]; then
	PGOPTIONS='-c migrate.lint=error' pgm -d "$db" upgrade head
	expect_rc 0 "migrate.lint = error applies a revision whose warnings are waived"
	expect_eq "003" "$(sql "$db" "SELECT revision FROM migrate.version")" "003 applied"
fi
pgm -d "$db" show 003
expect_out_has "Lint waiver: constraint-missing-not-valid: a one-off check, at night (line 4)"
pgm -d "$db" --json show 003
expect_eq "constraint-missing-not-valid" "$(json '{revisions,0,lint_waivers,0,rule}')" "show --json lists the waiver"

rev migrations/20260101_0003_004_note.sql 004 003 "note" "ALTER TABLE small_t ADD COLUMN note text;" \
	"ALTER TABLE small_t DROP COLUMN note;" "-- migrate:allow ban-drop-table: left over"
pgm lint 004
expect_rc 1 "an unused waiver counts"
expect_out_has "20260101_0003_004_note.sql:4: warning[unused-waiver] the waiver for ban-drop-table silences nothing"

rev migrations/20260101_0003_004_note.sql 004 003 "note" "ALTER TABLE small_t ADD COLUMN note text;" \
	"ALTER TABLE small_t DROP COLUMN note;" "-- migrate:allow ban-drop-tabel: typo"
pgm lint 004
expect_rc 1 "an unknown rule in a waiver is an error"
expect_err_has "20260101_0003_004_note.sql:4: unknown lint rule 'ban-drop-tabel' in a waiver"
expect_err_has "did you mean 'ban-drop-table'"

# The shipped example passes its own lint, offline and against a database it migrated.
ex=$(new_db example)
pgm --dir "$E2E_SOURCE_DIR/migrations" lint --offline
expect_rc 0 "pgmigrate lint on migrations/, offline"
expect_out_lacks "warning["
pgm -d "$ex" --dir "$E2E_SOURCE_DIR/migrations" upgrade head
expect_rc 0 "the example to head"
pgm -d "$ex" --dir "$E2E_SOURCE_DIR/migrations" lint
expect_rc 0 "pgmigrate lint on migrations/, with the database's catalog"
expect_out_lacks "warning["

finish
