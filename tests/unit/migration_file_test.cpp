// parse_migration, migration_checksum and valid_revision_id (SPEC section 1).
#include "migrate/error.hpp"
#include "migrate/migration_file.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

using migrate::Error;
using migrate::parse_migration;
using migrate::Revision;

namespace {

constexpr const char *file = "20260223_1800_001_initial.sql";

// Replaces every "\n" with `eol`.
std::string
with_eol(std::string_view s, std::string_view eol) {
	std::string out;
	for (char c : s) {
		if (c == '\n') {
			out += eol;
		} else {
			out += c;
		}
	}
	return out;
}

// Parses and returns the error; fails the test when parsing succeeds.
Error
parse_error(std::string_view content, std::string_view filename = file) {
	try {
		parse_migration(content, filename);
	} catch (const Error &e) {
		return e;
	}
	ADD_FAILURE() << "no error for:\n" << content;
	return Error("00000", "");
}

// Expects a 22P02 error whose message starts with "<file>:<line>: " and contains `needle`.
void
expect_error(std::string_view content, int line, std::string_view needle, std::string_view filename = file) {
	const Error e = parse_error(content, filename);
	const std::string prefix = std::string(filename.empty() ? "<input>" : filename) + ":" + std::to_string(line) + ": ";
	EXPECT_EQ(e.sqlstate(), "22P02") << e.what();
	EXPECT_TRUE(std::string_view(e.what()).starts_with(prefix))
	    << "expected prefix '" << prefix << "' in: " << e.what();
	EXPECT_NE(std::string_view(e.what()).find(needle), std::string_view::npos)
	    << "expected '" << needle << "' in: " << e.what();
}

const std::string basic = "-- revision: 002\n"
                          "-- down_revision: 001\n"
                          "-- message: add agent capabilities\n"
                          "\n"
                          "-- migrate:upgrade\n"
                          "ALTER TABLE agents ADD COLUMN capabilities text[] NOT NULL DEFAULT '{}';\n"
                          "\n"
                          "-- migrate:downgrade\n"
                          "ALTER TABLE agents DROP COLUMN capabilities;\n";

} // namespace

TEST(MigrationFile, BasicFile) {
	const Revision r = parse_migration(basic, file);
	EXPECT_EQ(r.id, "002");
	EXPECT_EQ(r.down_revisions, std::vector<std::string>{"001"});
	EXPECT_EQ(r.message, "add agent capabilities");
	EXPECT_TRUE(r.transactional);
	EXPECT_EQ(r.lock_timeout, "");
	EXPECT_TRUE(r.branch_labels.empty());
	EXPECT_TRUE(r.depends_on.empty());
	EXPECT_TRUE(r.upgrade.present);
	EXPECT_EQ(r.upgrade.sql, "ALTER TABLE agents ADD COLUMN capabilities text[] NOT NULL DEFAULT '{}';\n\n");
	EXPECT_EQ(r.upgrade.first_line, 6);
	EXPECT_TRUE(r.downgrade.present);
	EXPECT_EQ(r.downgrade.sql, "ALTER TABLE agents DROP COLUMN capabilities;\n");
	EXPECT_EQ(r.downgrade.first_line, 9);
	EXPECT_FALSE(r.verify.present);
	EXPECT_EQ(r.filename, file);
	EXPECT_EQ(r.checksum, migrate::migration_checksum(basic));
}

// Without keep_sql (pgmigrate's graph for the commands the server runs), a revision is the same
// but for its sections' text: which are present, and where they start, stay; so do the errors.
TEST(MigrationFile, WithoutSql) {
	const std::string with_verify = basic + "-- migrate:verify\nSELECT true;\n";
	for (const std::string &content : {basic, with_verify}) {
		const Revision full = parse_migration(content, file);
		const Revision headers = parse_migration(content, file, {.keep_sql = false});
		EXPECT_EQ(headers.id, full.id);
		EXPECT_EQ(headers.down_revisions, full.down_revisions);
		EXPECT_EQ(headers.checksum, full.checksum);
		for (auto section : {&Revision::upgrade, &Revision::downgrade, &Revision::verify}) {
			EXPECT_EQ((headers.*section).present, (full.*section).present);
			EXPECT_EQ((headers.*section).first_line, (full.*section).first_line);
			EXPECT_EQ((headers.*section).sql, "");
		}
	}
	try {
		parse_migration("-- revision: 002\n-- down_revision: 001\n-- migrate:upgrade\n", file, {.keep_sql = false});
		ADD_FAILURE() << "an empty upgrade section is an error without the SQL too";
	} catch (const Error &e) {
		EXPECT_NE(std::string_view(e.what()).find(migrate::empty_upgrade_message), std::string_view::npos) << e.what();
	}
}

TEST(MigrationFile, FullHeader) {
	const Revision r = parse_migration("-- revision: abc_123\n"
	                                   "-- down_revision: a1 ,b2,  c3\n"
	                                   "-- message:   several words: with a colon  \n"
	                                   "-- branch_labels: memory, tenants\n"
	                                   "-- depends_on: 0a1b2c\n"
	                                   "-- transactional: FALSE\n"
	                                   "-- lock_timeout: 5s\n"
	                                   "-- migrate:upgrade\n"
	                                   "CREATE INDEX CONCURRENTLY i ON t (a);\n",
	                                   file);
	EXPECT_EQ(r.id, "abc_123");
	EXPECT_EQ(r.down_revisions, (std::vector<std::string>{"a1", "b2", "c3"}));
	EXPECT_EQ(r.message, "several words: with a colon");
	EXPECT_EQ(r.branch_labels, (std::vector<std::string>{"memory", "tenants"}));
	EXPECT_EQ(r.depends_on, std::vector<std::string>{"0a1b2c"});
	EXPECT_FALSE(r.transactional);
	EXPECT_EQ(r.lock_timeout, "5s");
	EXPECT_FALSE(r.downgrade.present);
}

TEST(MigrationFile, RootRevision) {
	for (const char *value : {"none", "None", "NONE"}) {
		const std::string content =
		    std::string("-- revision: 001\n-- down_revision: ") + value + "\n-- migrate:upgrade\nSELECT 1;\n";
		EXPECT_TRUE(parse_migration(content, file).down_revisions.empty()) << value;
	}
}

TEST(MigrationFile, DownRevisionIsRequired) {
	// SPEC: a missing header is an error that says to write `none` (never a silent second root).
	const Error missing = parse_error("-- revision: 001\n-- message: m\n\n-- migrate:upgrade\nSELECT 1;\n");
	EXPECT_EQ(missing.sqlstate(), "22P02");
	EXPECT_STREQ(missing.what(), "20260223_1800_001_initial.sql:4: missing header key 'down_revision'");
	EXPECT_NE(missing.hint().find("'-- down_revision: none' for a root revision"), std::string::npos) << missing.hint();
	// An empty value is the same mistake.
	expect_error("-- revision: 001\n-- down_revision:\n-- migrate:upgrade\nSELECT 1;\n", 2, "empty 'down_revision'");
	EXPECT_NE(parse_error("-- revision: 001\n-- down_revision:  \n-- migrate:upgrade\nSELECT 1;\n")
	              .hint()
	              .find("'-- down_revision: none'"),
	          std::string::npos);
	// A missing revision is still reported first.
	expect_error("-- message: x\n-- migrate:upgrade\nSELECT 1;\n", 2, "missing header key 'revision'");
}

TEST(MigrationFile, Transactional) {
	auto parse_tx = [](const char *v) {
		return parse_migration(std::string("-- revision: 1\n-- down_revision: none\n-- transactional: ") + v +
		                           "\n-- migrate:upgrade\nSELECT 1;\n",
		                       file)
		    .transactional;
	};
	EXPECT_TRUE(parse_tx("true"));
	EXPECT_TRUE(parse_tx("True"));
	EXPECT_FALSE(parse_tx("false"));
	expect_error("-- revision: 1\n-- transactional: yes\n-- migrate:upgrade\nSELECT 1;\n", 2,
	             "invalid value 'yes' for 'transactional'");
	expect_error("-- revision: 1\n-- transactional:\n-- migrate:upgrade\nSELECT 1;\n", 2, "'transactional'");
}

TEST(MigrationFile, LockTimeout) {
	for (const char *ok : {"5s", "500ms", "1min", "250", "0", "1.5s", "2h", "1d", "100us"}) {
		const Revision r = parse_migration(std::string("-- revision: 1\n-- down_revision: none\n-- lock_timeout: ") +
		                                       ok + "\n-- migrate:upgrade\nSELECT 1;\n",
		                                   file);
		EXPECT_EQ(r.lock_timeout, ok);
	}
	for (const char *bad :
	     {"5 s", "'5s'", "5s;", "5s; DROP TABLE x", "five", "5sec", "5S", "-1", "s", "1.", ".5s", "12345678901"}) {
		expect_error(std::string("-- revision: 1\n-- lock_timeout: ") + bad + "\n-- migrate:upgrade\nSELECT 1;\n", 2,
		             "for 'lock_timeout'");
	}
}

TEST(MigrationFile, InvalidIds) {
	const std::string long_id(65, 'a');
	expect_error("-- revision: " + long_id + "\n-- migrate:upgrade\nSELECT 1;\n", 1, "invalid revision id");
	EXPECT_EQ(parse_migration("-- revision: " + std::string(64, 'a') +
	                              "\n-- down_revision: none\n-- migrate:upgrade\nSELECT 1;\n",
	                          file)
	              .id,
	          std::string(64, 'a'));
	expect_error("-- revision: a-b\n-- migrate:upgrade\nSELECT 1;\n", 1, "invalid revision id 'a-b'");
	expect_error("-- revision:\n-- migrate:upgrade\nSELECT 1;\n", 1, "empty 'revision'");
	expect_error("-- revision: 1\n-- down_revision: a-b\n-- migrate:upgrade\nSELECT 1;\n", 2,
	             "invalid revision id 'a-b' in 'down_revision'");
	expect_error("-- revision: 1\n-- down_revision: a,,b\n-- migrate:upgrade\nSELECT 1;\n", 2, "empty item");
	expect_error("-- revision: 1\n-- down_revision: a,\n-- migrate:upgrade\nSELECT 1;\n", 2, "empty item");
	expect_error("-- revision: 1\n-- down_revision: a, a\n-- migrate:upgrade\nSELECT 1;\n", 2, "listed twice");
	expect_error("-- revision: 1\n-- down_revision: none, a\n-- migrate:upgrade\nSELECT 1;\n", 2, "reserved");
	expect_error("-- revision: 1\n-- branch_labels: my-label\n-- migrate:upgrade\nSELECT 1;\n", 2,
	             "invalid branch label 'my-label'");
	expect_error("-- revision: 1\n-- depends_on: x y\n-- migrate:upgrade\nSELECT 1;\n", 2, "'x y'");
	expect_error("-- revision: head\n-- migrate:upgrade\nSELECT 1;\n", 1, "reserved");
	expect_error("-- revision: None\n-- migrate:upgrade\nSELECT 1;\n", 1, "reserved");
	expect_error("-- revision: 1\n-- branch_labels: base\n-- migrate:upgrade\nSELECT 1;\n", 2, "reserved");
}

TEST(MigrationFile, ValidRevisionId) {
	EXPECT_TRUE(migrate::valid_revision_id("001"));
	EXPECT_TRUE(migrate::valid_revision_id("a_B_9"));
	EXPECT_TRUE(migrate::valid_revision_id(std::string(64, 'x')));
	EXPECT_FALSE(migrate::valid_revision_id(std::string(65, 'x')));
	EXPECT_FALSE(migrate::valid_revision_id(""));
	EXPECT_FALSE(migrate::valid_revision_id("a-b"));
	EXPECT_FALSE(migrate::valid_revision_id("a b"));
	EXPECT_FALSE(migrate::valid_revision_id("a@head"));
	EXPECT_FALSE(migrate::valid_revision_id("é"));
}

TEST(MigrationFile, UnknownAndDuplicateKeys) {
	const Error e = parse_error("-- revision: 002\n-- down_revison: 001\n-- migrate:upgrade\nSELECT 1;\n");
	EXPECT_STREQ(e.what(), "20260223_1800_001_initial.sql:2: unknown header key 'down_revison'");
	EXPECT_NE(e.hint().find("did you mean 'down_revision'?"), std::string::npos) << e.hint();
	EXPECT_NE(e.hint().find("known keys: revision, down_revision"), std::string::npos) << e.hint();
	expect_error("-- revision: 1\n-- Revision: 1\n-- migrate:upgrade\nSELECT 1;\n", 2, "unknown header key 'Revision'");
	expect_error("-- revision: 1\n-- author : me\n-- migrate:upgrade\nSELECT 1;\n", 2, "unknown header key 'author'");
	expect_error("-- revision: 1\n\n-- message: a\n-- revision: 2\n-- migrate:upgrade\nSELECT 1;\n", 4,
	             "duplicate header key 'revision' (first given on line 1)");
	expect_error("-- revision: 1\n-- message: a\n-- message: b\n-- migrate:upgrade\nSELECT 1;\n", 3,
	             "duplicate header key 'message'");
}

TEST(MigrationFile, HeaderComments) {
	// Free text, blank lines, URLs, block comments (even holding key-like lines) are fine.
	const Revision r = parse_migration("-- Adds the agents table\n"
	                                   "--\n"
	                                   "   \t\n"
	                                   "-- https://example.com/ticket/42\n"
	                                   "/* owner: platform team\n"
	                                   "   down_revison: never read */\n"
	                                   "-- revision: 1\n"
	                                   "-- down_revision: none\n"
	                                   "---- separator ----\n"
	                                   "-- migrate:upgrade\n"
	                                   "SELECT 1;\n",
	                                   file);
	EXPECT_EQ(r.id, "1");
	EXPECT_EQ(r.upgrade.first_line, 11);
	// Header keys after the first marker are just SQL comments.
	const Revision r2 = parse_migration(
	    "-- revision: 1\n-- down_revision: none\n-- migrate:upgrade\n-- revision: 2\n-- bogus: x\nSELECT 1;\n", file);
	EXPECT_EQ(r2.id, "1");
	EXPECT_EQ(r2.upgrade.sql, "-- revision: 2\n-- bogus: x\nSELECT 1;\n");
}

TEST(MigrationFile, SqlBeforeFirstMarker) {
	expect_error("-- revision: 1\nCREATE TABLE t ();\n-- migrate:upgrade\nSELECT 1;\n", 2,
	             "SQL before the first section marker");
	expect_error("-- revision: 1\n/* c */ SELECT 1;\n-- migrate:upgrade\nSELECT 1;\n", 2, "SQL before");
	// No marker at all: the missing section is the more useful error.
	const Error e = parse_error("-- revision: 1\n\nCREATE TABLE t ();\n");
	EXPECT_STREQ(e.what(), "20260223_1800_001_initial.sql:1: missing section '-- migrate:upgrade'");
	EXPECT_NE(e.hint().find("SQL starts on line 3"), std::string::npos) << e.hint();
}

TEST(MigrationFile, MissingPieces) {
	expect_error("-- revision: 1\n-- migrate:downgrade\nSELECT 1;\n", 2, "missing section '-- migrate:upgrade'");
	expect_error("", 1, "missing section '-- migrate:upgrade'");
	expect_error("-- message: x\n\n-- migrate:upgrade\nSELECT 1;\n", 3, "missing header key 'revision'");
}

TEST(MigrationFile, EmptySections) {
	expect_error("-- revision: 1\n-- migrate:upgrade\n", 2, "the upgrade section is empty");
	expect_error("-- revision: 1\n-- migrate:upgrade", 2, "the upgrade section is empty");
	expect_error("-- revision: 1\n-- migrate:upgrade\n  \n-- only a comment\n/* and\nanother */\n-- migrate:downgrade\n"
	             "DROP TABLE t;\n",
	             2, "the upgrade section is empty");
	// An empty downgrade is an explicit no-op: present, so the revision stays reversible.
	const Revision r = parse_migration(
	    "-- revision: 1\n-- down_revision: none\n-- migrate:upgrade\nSELECT 1;\n-- migrate:downgrade\n", file);
	EXPECT_TRUE(r.downgrade.present);
	EXPECT_EQ(r.downgrade.sql, "");
	EXPECT_EQ(r.downgrade.first_line, 6);
	const Revision r2 = parse_migration("-- revision: 1\n-- down_revision: none\n-- migrate:upgrade\nSELECT 1;\n-- "
	                                    "migrate:downgrade\n-- nothing to undo\n",
	                                    file);
	EXPECT_TRUE(r2.downgrade.present);
	EXPECT_EQ(r2.downgrade.sql, "-- nothing to undo\n");
	// A draft (what `pgmigrate revision` writes) parses only when asked for, and says what it lacks.
	const std::string draft = "-- revision: 1\n-- down_revision: none\n\n-- migrate:upgrade\n-- fill me in\n"
	                          "-- migrate:downgrade\nDROP TABLE t;\n";
	expect_error(draft, 4, "the upgrade section is empty");
	const Revision d = parse_migration(draft, file, {.allow_draft = true});
	EXPECT_EQ(d.draft, std::string(file) + ":4: the upgrade section is empty");
	EXPECT_EQ(d.id, "1");
	EXPECT_TRUE(d.downgrade.present);
	EXPECT_EQ(
	    parse_migration(draft.substr(0, draft.find("-- fill")) + "SELECT 1;\n", file, {.allow_draft = true}).draft, "");
	// A draft with any other problem is still refused.
	EXPECT_THROW(parse_migration("-- revision: 1\n-- migrate:upgrade\n", file, {.allow_draft = true}), migrate::Error);
	// A verify section without SQL verifies nothing: absent.
	const Revision r3 = parse_migration(
	    "-- revision: 1\n-- down_revision: none\n-- migrate:upgrade\nSELECT 1;\n-- migrate:verify\n\n", file);
	EXPECT_FALSE(r3.verify.present);
	EXPECT_EQ(r3.verify.sql, "");
}

TEST(MigrationFile, AllSectionsAnyOrderAndFirstLines) {
	const Revision r = parse_migration("-- revision: 1\n"          // 1
	                                   "-- down_revision: none\n"  // 2
	                                   "-- migrate:verify\n"       // 3
	                                   "SELECT true;\n"            // 4
	                                   "-- migrate:downgrade\n"    // 5
	                                   "\n"                        // 6
	                                   "DROP TABLE t;\n"           // 7
	                                   "  -- migrate:upgrade \t\n" // 8
	                                   "CREATE TABLE t ();",       // 9, no final newline
	                                   file);
	EXPECT_EQ(r.verify.sql, "SELECT true;\n");
	EXPECT_EQ(r.verify.first_line, 4);
	EXPECT_TRUE(r.verify.present);
	EXPECT_EQ(r.downgrade.sql, "\nDROP TABLE t;\n");
	EXPECT_EQ(r.downgrade.first_line, 6);
	EXPECT_EQ(r.upgrade.sql, "CREATE TABLE t ();");
	EXPECT_EQ(r.upgrade.first_line, 9);
}

TEST(MigrationFile, DuplicateAndUnknownMarkers) {
	expect_error("-- revision: 1\n-- migrate:upgrade\nSELECT 1;\n-- migrate:upgrade\nSELECT 2;\n", 4,
	             "duplicate section '-- migrate:upgrade' (first on line 2)");
	expect_error("-- revision: 1\n-- migrate:upgrade\nSELECT 1;\n-- migrate:downgrade\n-- migrate:downgrade\n", 5,
	             "duplicate section '-- migrate:downgrade'");
	expect_error("-- revision: 1\n-- migrate:upgrade\nSELECT 1;\n-- migrate:verify\nSELECT 1;\n-- migrate:verify\n", 6,
	             "duplicate section '-- migrate:verify'");
	const Error e = parse_error("-- revision: 1\n-- migrate:up\nSELECT 1;\n");
	EXPECT_STREQ(e.what(), "20260223_1800_001_initial.sql:2: unknown section marker '-- migrate:up'");
	EXPECT_NE(e.hint().find("dbmate"), std::string::npos);
	expect_error("-- revision: 1\n-- migrate:upgrade\nSELECT 1;\n-- migrate:rollback\n", 4,
	             "unknown section marker '-- migrate:rollback'");
	expect_error("-- revision: 1\n--migrate:upgrade\nSELECT 1;\n", 2, "unknown section marker '--migrate:upgrade'");
	expect_error("-- revision: 1\n-- Migrate:Upgrade\nSELECT 1;\n", 2, "unknown section marker");
	expect_error("-- revision: 1\n-- migrate:upgrade now\nSELECT 1;\n", 2, "unknown section marker");
	// Not marker-shaped: an ordinary comment in a body, and not a marker mid-line.
	const Revision r = parse_migration("-- revision: 1\n-- down_revision: none\n-- migrate:upgrade\n-- migrate: the "
	                                   "next part is slow\nSELECT 1; -- migrate:downgrade\n",
	                                   file);
	EXPECT_FALSE(r.downgrade.present);
}

TEST(MigrationFile, DollarQuotes) {
	const std::string content = "-- revision: 1\n"
	                            "-- down_revision: none\n"
	                            "-- migrate:upgrade\n"
	                            "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $fn$\n"
	                            "BEGIN\n"
	                            "-- migrate:downgrade\n"
	                            "  RETURN $$ $ x $fnx$ $fn $;\n"
	                            "-- migrate:verify\n"
	                            "END $fn$;\n"
	                            "DO $$\n"
	                            "-- migrate:downgrade\n"
	                            "BEGIN END $$;\n"
	                            "SELECT $1, a$b$c, $tag$ 'it''s\n"
	                            "-- migrate:downgrade\n"
	                            "$tag$;\n"
	                            "-- migrate:downgrade\n"
	                            "DROP FUNCTION f();\n";
	const Revision r = parse_migration(content, file);
	EXPECT_EQ(r.upgrade.first_line, 4);
	EXPECT_EQ(r.downgrade.first_line, 17);
	EXPECT_EQ(r.downgrade.sql, "DROP FUNCTION f();\n");
	EXPECT_FALSE(r.verify.present);
	EXPECT_NE(r.upgrade.sql.find("END $fn$;\n"), std::string::npos);
	// Unterminated dollar quote names the line it started on.
	expect_error("-- revision: 1\n-- migrate:upgrade\nSELECT 1;\nDO $body$\nBEGIN\n-- migrate:downgrade\nEND $bod$;\n",
	             4, "unterminated dollar-quoted string $body$");
}

TEST(MigrationFile, StringsAndComments) {
	const std::string content = "-- revision: 1\n"
	                            "-- down_revision: none\n"
	                            "-- migrate:upgrade\n"
	                            "INSERT INTO t VALUES ('a;\n"
	                            "-- migrate:downgrade\n"
	                            "b''c');\n"
	                            "/* outer /* inner */\n"
	                            "-- migrate:downgrade\n"
	                            "still comment */\n"
	                            "SELECT E'it\\'s\n"
	                            "-- migrate:downgrade\n"
	                            "\\\\';\n"
	                            "SELECT 1 AS \"x\n"
	                            "-- migrate:downgrade\n"
	                            "\"\"y\";\n"
	                            "SELECT 'backslash \\';\n"
	                            "-- migrate:downgrade\n"
	                            "SELECT 2;\n";
	const Revision r = parse_migration(content, file);
	EXPECT_TRUE(r.downgrade.present);
	EXPECT_EQ(r.downgrade.first_line, 18);
	EXPECT_EQ(r.downgrade.sql, "SELECT 2;\n");
	EXPECT_EQ(r.upgrade.first_line, 4);
	EXPECT_EQ(r.upgrade.sql.size(), content.find("-- migrate:downgrade\nSELECT 2;") - content.find("INSERT"));
}

TEST(MigrationFile, EscapeStringContinuation) {
	// E'a' <newline> 'b\';...': PostgreSQL continues the E'' string, so the marker is inside it.
	const Revision r =
	    parse_migration("-- revision: 1\n-- down_revision: none\n-- migrate:upgrade\nSELECT E'a'\n'b\\';\n"
	                    "-- migrate:downgrade\n';\n",
	                    file);
	EXPECT_FALSE(r.downgrade.present);
	// A marker between the pieces ends the section: the downgrade's 'b\' is a plain string
	// (each section runs as its own SQL text).
	const Revision r2 = parse_migration(
	    "-- revision: 1\n-- down_revision: none\n-- migrate:upgrade\nSELECT E'a'\n-- migrate:downgrade\n"
	    "'b\\';\n",
	    file);
	EXPECT_TRUE(r2.downgrade.present);
	EXPECT_EQ(r2.downgrade.sql, "'b\\';\n");
}

TEST(MigrationFile, Unterminated) {
	expect_error("-- revision: 1\n-- migrate:upgrade\nSELECT 1;\nSELECT 'abc\n\n", 4, "unterminated quoted string");
	expect_error("-- revision: 1\n-- migrate:upgrade\nSELECT E'abc\\';\n", 3, "unterminated E'' string");
	expect_error("-- revision: 1\n-- migrate:upgrade\nSELECT \"abc;\n", 3, "unterminated quoted identifier");
	expect_error("-- revision: 1\n-- migrate:upgrade\nSELECT 1;\n/* a /* b */\n-- migrate:downgrade\n", 4,
	             "unterminated block comment");
	expect_error("-- revision: 1\n/* header comment\n-- migrate:upgrade\nSELECT 1;\n", 2, "unterminated block comment");
	// A line comment at the end of the file without a newline is fine.
	EXPECT_EQ(parse_migration("-- revision: 1\n-- down_revision: none\n-- migrate:upgrade\nSELECT 1; -- end", file)
	              .upgrade.sql,
	          "SELECT 1; -- end");
}

TEST(MigrationFile, LineEndings) {
	const std::string lf = basic;
	const std::string crlf = with_eol(lf, "\r\n");
	const std::string cr = with_eol(lf, "\r");
	const Revision a = parse_migration(lf, file);
	for (const char *eol : {"\r\n", "\r"}) {
		const Revision b = parse_migration(with_eol(lf, eol), file);
		EXPECT_EQ(a.id, b.id);
		EXPECT_EQ(a.down_revisions, b.down_revisions);
		EXPECT_EQ(a.message, b.message);
		// The sections are the file's own bytes (the SQL runs as the file has it) ...
		EXPECT_EQ(with_eol(a.upgrade.sql, eol), b.upgrade.sql);
		EXPECT_EQ(a.upgrade.first_line, b.upgrade.first_line);
		EXPECT_EQ(with_eol(a.downgrade.sql, eol), b.downgrade.sql);
		EXPECT_EQ(a.downgrade.first_line, b.downgrade.first_line);
		// ... and only the checksum normalises line endings.
		EXPECT_EQ(a.checksum, b.checksum);
	}
	// A string literal spanning lines keeps its CRLF (it used to become 'a\nb').
	const Revision lit =
	    parse_migration("-- revision: 1\r\n-- down_revision: none\r\n-- migrate:upgrade\r\n"
	                    "INSERT INTO t VALUES ('a\r\nb');\r\n-- migrate:downgrade\r\nDELETE FROM t;\r\n",
	                    file);
	EXPECT_EQ(lit.upgrade.sql, "INSERT INTO t VALUES ('a\r\nb');\r\n");
	EXPECT_EQ(lit.downgrade.sql, "DELETE FROM t;\r\n");
	EXPECT_EQ(lit.downgrade.first_line, 7);
	// A lone CR, a mix, and a final line without an ending.
	const Revision mix =
	    parse_migration("-- revision: 1\n-- down_revision: none\r-- migrate:upgrade\r\nSELECT 'x\ry';\n"
	                    "SELECT 2;\r-- migrate:verify\rSELECT true",
	                    file);
	EXPECT_EQ(mix.upgrade.sql, "SELECT 'x\ry';\nSELECT 2;\r");
	EXPECT_EQ(mix.upgrade.first_line, 4);
	EXPECT_EQ(mix.verify.sql, "SELECT true");
	EXPECT_EQ(mix.verify.first_line, 8);
	// Errors report the same line numbers.
	expect_error(with_eol("-- revision: 1\n\n-- bogus: 1\n-- migrate:upgrade\nSELECT 1;\n", "\r\n"), 3, "bogus");
	expect_error(with_eol("-- revision: 1\n\n-- bogus: 1\n-- migrate:upgrade\nSELECT 1;\n", "\r"), 3, "bogus");
	// A mix of endings still counts lines right.
	EXPECT_EQ(parse_migration("-- revision: 1\r\n-- down_revision: none\r\n\r\r\n-- migrate:upgrade\nSELECT 1;\n", file)
	              .upgrade.first_line,
	          6);
}

TEST(MigrationFile, ByteOrderMark) {
	const std::string bom = "\xEF\xBB\xBF";
	const Revision a = parse_migration(basic, file);
	const Revision b = parse_migration(bom + basic, file);
	EXPECT_EQ(b.id, "002");
	EXPECT_EQ(a.upgrade.sql, b.upgrade.sql);
	EXPECT_EQ(a.upgrade.first_line, b.upgrade.first_line);
	// The checksum keeps the BOM: it is over the content as given, line endings aside.
	EXPECT_NE(a.checksum, b.checksum);
	EXPECT_EQ(b.checksum, migrate::migration_checksum(bom + basic));
	// A BOM anywhere else is just a character (here: SQL before the first marker).
	expect_error("-- revision: 1\n" + bom + "\n-- migrate:upgrade\nSELECT 1;\n", 2, "SQL before");
}

TEST(MigrationFile, ChecksumKnownVectors) {
	// Expected values computed independently with `printf ... | sha256sum`.
	EXPECT_EQ(migrate::migration_checksum(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	EXPECT_EQ(migrate::migration_checksum("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *lf = "-- revision: 001\n\n-- migrate:upgrade\nCREATE TABLE t (id int);\n";
	const char *expected = "1be5d14e76d9e1c2afcd641824d79eb10139bbf21f763e1f3b7e5e44faca5ed7";
	EXPECT_EQ(migrate::migration_checksum(lf), expected);
	EXPECT_EQ(migrate::migration_checksum(with_eol(lf, "\r\n")), expected);
	EXPECT_EQ(migrate::migration_checksum(with_eol(lf, "\r")), expected);
	EXPECT_EQ(parse_migration(with_eol(basic, "\r\n"), file).checksum, migrate::migration_checksum(basic));
	// printf 'a\nb\n' | sha256sum, and with a BOM in front (kept in the checksum).
	EXPECT_EQ(migrate::migration_checksum("a\r\nb\r"),
	          "911169ddaaf146aff539f58c26c489af3b892dff0fe283c1c264c65ae5aa59a2");
	EXPECT_EQ(migrate::migration_checksum("\xEF\xBB\xBF"
	                                      "a\r\nb\n"),
	          "1220caf912196af70b1b0625cd99989bbb360bf911a109927854227ddbe76e86");
	// "\r\r\n" is two line ends, not one.
	EXPECT_EQ(migrate::migration_checksum("a\r\r\n"), migrate::migration_checksum("a\n\n"));
	EXPECT_NE(migrate::migration_checksum("a\n"), migrate::migration_checksum("a\n\n"));
	EXPECT_NE(migrate::migration_checksum("a \n"), migrate::migration_checksum("a\n"));
}

TEST(MigrationFile, InvalidUtf8AndNul) {
	const std::string head = "-- revision: 1\n-- migrate:upgrade\n";
	expect_error(head + "SELECT '\xFF';\n", 3, "invalid UTF-8 byte sequence at byte offset 42");
	expect_error(head + "SELECT 1;\n-- \xC3\n", 4, "invalid UTF-8");         // truncated
	expect_error(head + "SELECT '\xC0\xAF';\n", 3, "invalid UTF-8");         // overlong '/'
	expect_error(head + "SELECT '\xED\xA0\x80';\n", 3, "invalid UTF-8");     // a surrogate
	expect_error(head + "SELECT '\xF4\x90\x80\x80';\n", 3, "invalid UTF-8"); // above U+10FFFF
	expect_error("-- revision: 1\r\n-- message: caf\xE9\r\n", 2, "invalid UTF-8 byte sequence at byte offset 31");
	expect_error(head + "SELECT 1;\nSELECT '" + std::string(1, '\0') + "';\n", 4, "NUL byte at byte offset 52");
	// Valid multi-byte text is fine anywhere.
	const Revision r =
	    parse_migration("-- revision: 1\n-- down_revision: none\n-- message: café ☕ 𝄞\n-- migrate:upgrade\nSELECT 'ü', "
	                    "$ä$ x $ä$, \"ñ\";\n",
	                    file);
	EXPECT_EQ(r.message, "café ☕ 𝄞");
}

TEST(MigrationFile, CopyFromStdin) {
	auto expect_copy = [](const std::string &body, int line) {
		try {
			parse_migration("-- revision: 1\n-- migrate:upgrade\n" + body, file);
			ADD_FAILURE() << "no error for " << body;
		} catch (const Error &e) {
			EXPECT_EQ(e.sqlstate(), "0A000") << e.what();
			EXPECT_TRUE(std::string_view(e.what()).starts_with(std::string(file) + ":" + std::to_string(line) + ": "))
			    << e.what();
			EXPECT_NE(std::string_view(e.what()).find("COPY ... FROM STDIN"), std::string_view::npos);
		}
	};
	expect_copy("COPY t FROM stdin;\n1\n\\.\n", 3);
	expect_copy("SELECT 1;\n  copy t (a, b)\n  FROM STDIN WITH (FORMAT csv);\n", 4);
	expect_copy("SELECT 1; /* x */ COPY \"t\" FROM -- c\n stdin;\n", 3);
	expect_copy("SELECT 1;\n-- migrate:downgrade\nCOPY t FROM stdin;\n", 5);
	// Not COPY FROM STDIN: these parse.
	for (const char *ok : {"COPY t FROM '/tmp/data.csv';\n", "COPY (SELECT 1 FROM stdin) TO '/tmp/x';\n",
	                       "SELECT 'COPY t FROM stdin';\n", "DO $$ BEGIN COPY t FROM stdin; END $$;\n",
	                       "SELECT copy FROM stdin;\n", "INSERT INTO t SELECT 1; -- COPY t FROM stdin\n"}) {
		EXPECT_NO_THROW(
		    parse_migration(std::string("-- revision: 1\n-- down_revision: none\n-- migrate:upgrade\n") + ok, file))
		    << ok;
	}
}

TEST(MigrationFile, ErrorPrefix) {
	expect_error("-- revision: 1\n-- nope: 1\n", 2, "unknown header key 'nope'", "");
	const Error e = parse_error("-- revision: 1\n-- nope: 1\n", "");
	EXPECT_STREQ(e.what(), "<input>:2: unknown header key 'nope'");
	EXPECT_EQ(parse_migration("-- revision: 1\n-- down_revision: none\n-- migrate:upgrade\nSELECT 1;\n", "").filename,
	          "");
	expect_error("-- revision: 1\n-- nope: 1\n", 2, "unknown header key", "dir/x.sql");
}

TEST(MigrationFile, LongTextInMessagesIsCut) {
	// Found by fuzzing: messages quoted user text of any length.
	const std::string key(100'000, 'k');
	Error e = parse_error("-- revision: 1\n-- " + key + ": v\n-- migrate:upgrade\nSELECT 1;\n");
	EXPECT_LT(std::string_view(e.what()).size(), 150u);
	EXPECT_NE(std::string_view(e.what()).find("unknown header key 'kkkk"), std::string_view::npos) << e.what();
	EXPECT_NE(std::string_view(e.what()).find("...'"), std::string_view::npos) << e.what();
	// Cut on a UTF-8 boundary: 63 ASCII bytes then 'é' (2 bytes) straddles byte 64.
	e = parse_error("-- revision: " + std::string(63, 'a') + "é\n-- migrate:upgrade\nSELECT 1;\n");
	EXPECT_NE(std::string_view(e.what()).find("'" + std::string(63, 'a') + "...'"), std::string_view::npos) << e.what();
	e = parse_error("-- revision: 1\n-- migrate:upgrade\nSELECT $" + std::string(10'000, 't') + "$ x;\n");
	EXPECT_LT(std::string_view(e.what()).size(), 200u);
	EXPECT_NE(std::string_view(e.what()).find("unterminated dollar-quoted string $tttt"), std::string_view::npos);
}

TEST(MigrationFile, HugeFile) {
	// About 20 MB with strings, dollar quotes and comments; must parse (in linear time).
	std::string content = "-- revision: big\n-- down_revision: none\n-- migrate:upgrade\n";
	const std::string chunk = "INSERT INTO t VALUES (1, 'it''s; -- not a comment', E'\\'x', $q$ body\n"
	                          "-- migrate:downgrade\n$q$); /* c /* nested */ */ -- tail\n";
	content.reserve(20'000'000 + chunk.size() + 100);
	std::size_t statements = 0;
	while (content.size() < 20'000'000) {
		content += chunk;
		++statements;
	}
	content += "-- migrate:downgrade\nDELETE FROM t;\n";
	const Revision r = parse_migration(content, file);
	EXPECT_EQ(r.downgrade.sql, "DELETE FROM t;\n");
	EXPECT_EQ(r.downgrade.first_line, static_cast<int>(4 + 3 * statements + 1));
	EXPECT_EQ(r.upgrade.sql.size(), statements * chunk.size());
	// One huge line, and a huge dollar quote full of '$'.
	std::string line = "-- revision: big\n-- down_revision: none\n-- migrate:upgrade\nSELECT $abcdefgh$";
	line.append(20'000'000, '$');
	line += "$abcdefgh$;\n";
	EXPECT_EQ(parse_migration(line, file).upgrade.first_line, 4);
}

TEST(MigrationFile, MergeRevisionMayHaveAnEmptyUpgrade) {
	Revision r = parse_migration("-- revision: 004\n-- down_revision: 002, 003\n-- migrate:upgrade\n-- merge only\n"
	                             "-- migrate:downgrade\n",
	                             "m.sql");
	EXPECT_TRUE(r.upgrade.present);
	EXPECT_EQ(r.down_revisions.size(), 2u);
	// A single-parent revision still needs SQL.
	EXPECT_THROW(parse_migration("-- revision: 004\n-- down_revision: 003\n-- migrate:upgrade\n-- nothing\n", "m.sql"),
	             Error);
}

TEST(MigrationFile, ControlCharactersInHeaderValues) {
	// Header values reach messages and the comments of generated scripts: no control characters.
	const std::string tail = "\n-- migrate:upgrade\nSELECT 1;\n";
	for (const char *key :
	     {"message", "revision", "down_revision", "branch_labels", "depends_on", "lock_timeout", "transactional"}) {
		for (const std::string &bad : {std::string("a\x1b[2Jb"), std::string("a\x7f"), std::string("a\tb"),
		                               std::string("a\x0b b"), std::string("x\x01")}) {
			const std::string first = std::string(key) == "revision" ? "-- message: m\n" : "-- revision: 1\n";
			const std::string content = first + "-- " + key + ": " + bad + "\n-- down_revision: none" + tail;
			expect_error(content, 2, "control character 0x");
			const Error e = parse_error(content);
			EXPECT_NE(std::string_view(e.what()).find("in the value of '" + std::string(key) + "'"), std::string::npos)
			    << e.what();
			// The message itself carries no control character.
			for (char c : std::string_view(e.what()))
				EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << e.what();
		}
	}
	// A carriage return ends the header line, so what follows it is SQL before the first marker.
	expect_error("-- revision: 1\n-- down_revision: none\n-- message: x\rALTER ROLE a SUPERUSER;\n-- migrate:upgrade\n"
	             "SELECT 1;\n",
	             4, "SQL before the first section marker");
	// Blanks around a value are still trimmed, and a free-text comment may hold anything.
	const Revision r = parse_migration("-- revision: 1\n-- down_revision:\tnone\t\n-- message: \tok \n-- note\x1b\n"
	                                   "-- migrate:upgrade\nSELECT '\x1b';\n",
	                                   file);
	EXPECT_EQ(r.message, "ok");
	EXPECT_EQ(r.upgrade.sql, "SELECT '\x1b';\n"); // SQL sections are the user's own
}

TEST(MigrationFile, ControlCharactersInTheFileName) {
	// A file name reaches the store, messages and `--` comments of `--sql` scripts: refused in both
	// hosts (migrate_add passes the caller's name here), before anything else, named escaped.
	const std::string ok = "-- revision: 003\n-- down_revision: none\n-- migrate:upgrade\nSELECT 1;\n";
	for (const std::string &name :
	     {std::string("20260101_0000_003_x\nALTER ROLE attacker SUPERUSER;\n--.sql"), std::string("a\rb.sql"),
	      std::string("a\x1b.sql"), std::string("a\x7f.sql"), std::string("a\tb.sql"), std::string("dir\n/a.sql")}) {
		const Error e = parse_error(ok, name);
		EXPECT_EQ(e.sqlstate(), "22P02");
		const std::string_view what = e.what();
		EXPECT_NE(what.find("the file name contains a control character"), std::string::npos) << what;
		for (char c : what)
			EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << what;
		EXPECT_NE(e.hint().find("rename the file"), std::string::npos) << e.hint();
	}
	const Error e = parse_error(ok, "20260101_0000_003_x\nALTER ROLE attacker SUPERUSER;\n--.sql");
	EXPECT_STREQ(e.what(),
	             "20260101_0000_003_x\\x0AALTER ROLE attacker SUPERUSER;\\x0A--.sql: the file name contains a "
	             "control character (0x0A)");
	// Non-ASCII names are fine.
	EXPECT_EQ(parse_migration(ok, "20260101_0000_003_café.sql").filename, "20260101_0000_003_café.sql");
}

TEST(MigrationFile, MessagesEscapeControlCharacters) {
	// Quoted text in a message (a near-miss marker, an unknown key's value) never carries raw controls.
	const Error e = parse_error("-- revision: 1\n-- down_revision: none\n-- migrate:up\x1b[31m\nSELECT 1;\n");
	EXPECT_STREQ(e.what(), "20260223_1800_001_initial.sql:3: unknown section marker '-- migrate:up\\x1B[31m'");
}
