// `-- migrate:allow RULE: reason`: parsed with the file, silencing that rule for the revision; an
// unused one is a finding, an unknown rule or a missing reason an error naming file and line.
#include "lint_fixture.hpp"
#include "migrate/error.hpp"

#include <gtest/gtest.h>

namespace {

using namespace lint_test;

std::string
error_of(const std::string &content) {
	try {
		migrate::parse_migration(content, "007_w.sql");
	} catch (const migrate::Error &e) {
		return std::string(e.what()) + " | " + e.hint();
	}
	return "no error";
}

TEST(LintWaivers, ParsedWithRuleReasonAndLine) {
	const auto rev = migrate::parse_migration(
	    file_text("-- migrate:allow ban-drop-column: nothing reads it since release 41\nALTER TABLE t DROP COLUMN c;",
	              "-- migrate:allow require-concurrent-index-creation:   the table is tiny  \n"),
	    "007_w.sql");
	ASSERT_EQ(rev.waivers.size(), 2u);
	EXPECT_EQ(rev.waivers[0].rule, "require-concurrent-index-creation");
	EXPECT_EQ(rev.waivers[0].reason, "the table is tiny");
	EXPECT_EQ(rev.waivers[0].line, 3);
	EXPECT_EQ(rev.waivers[1].rule, "ban-drop-column");
	EXPECT_EQ(rev.waivers[1].line, 5);
	// The waiver stays in the section, as a comment.
	EXPECT_NE(rev.upgrade.sql.find("-- migrate:allow ban-drop-column"), std::string::npos);
}

TEST(LintWaivers, UsedWaiverSilencesItsRule) {
	const auto findings =
	    lint_file(file_text("-- migrate:allow ban-drop-column: nothing reads it\nALTER TABLE t DROP COLUMN c;"));
	const auto f = find(findings, "ban-drop-column");
	ASSERT_TRUE(f);
	EXPECT_EQ(f->waived, "nothing reads it");
	EXPECT_FALSE(migrate::lint::counts(*f));
	EXPECT_FALSE(find(findings, "unused-waiver"));
	EXPECT_NE(migrate::lint::headline(*f, "x.sql").find("(waived: nothing reads it)"), std::string::npos);
}

TEST(LintWaivers, WaiverOfAnInfoFindingIsUsed) {
	// Needed on a big production table even though this database's table is small.
	FakeCatalog catalog;
	catalog.sizes["t"] = {0, 0};
	const auto findings = lint_file(
	    file_text("CREATE INDEX i ON t (a);", "-- migrate:allow require-concurrent-index-creation: small forever\n"),
	    &catalog);
	EXPECT_FALSE(find(findings, "unused-waiver"));
}

TEST(LintWaivers, UnusedWaiverIsReported) {
	const auto findings =
	    lint_file(file_text("ALTER TABLE t ADD COLUMN a text;", "-- migrate:allow ban-drop-table: old\n"));
	const auto f = find(findings, "unused-waiver");
	ASSERT_TRUE(f);
	EXPECT_EQ(f->line, 3);
	EXPECT_EQ(f->level, Level::warning);
	EXPECT_NE(f->message.find("ban-drop-table"), std::string::npos);
}

TEST(LintWaivers, WaiverSilencesOnlyItsRevision) {
	migrate::lint::Linter linter(nullptr);
	lint_revision(linter, migrate::parse_migration(
	                          file_text("DROP TABLE a;", "-- migrate:allow ban-drop-table: gone\n"), "001_a.sql"));
	const auto second =
	    lint_revision(linter, migrate::parse_migration(file_text("DROP TABLE b;", "", "002"), "002.sql"));
	EXPECT_TRUE(warns(second, "ban-drop-table"));
}

TEST(LintWaivers, UnknownRuleIsAnErrorNamingFileAndLine) {
	const std::string e = error_of(file_text("SELECT 1;", "-- migrate:allow ban-drop-colum: typo\n"));
	EXPECT_NE(e.find("007_w.sql:3: unknown lint rule 'ban-drop-colum' in a waiver"), std::string::npos) << e;
	EXPECT_NE(e.find("did you mean 'ban-drop-column'"), std::string::npos) << e;
}

TEST(LintWaivers, MissingReasonIsAnError) {
	EXPECT_NE(error_of(file_text("SELECT 1;", "-- migrate:allow ban-drop-column:\n"))
	              .find("007_w.sql:3: the waiver of 'ban-drop-column' gives no reason"),
	          std::string::npos);
	EXPECT_NE(error_of(file_text("SELECT 1;\n-- migrate:allow ban-drop-column")).find("007_w.sql:5: the waiver of"),
	          std::string::npos);
	EXPECT_NE(error_of(file_text("SELECT 1;", "-- migrate:allow\n")).find("007_w.sql:3: a waiver without a rule name"),
	          std::string::npos);
}

TEST(LintWaivers, SameRuleTwiceIsAnError) {
	EXPECT_NE(
	    error_of(file_text("SELECT 1;", "-- migrate:allow ban-drop-table: a\n-- migrate:allow ban-drop-table: b\n"))
	        .find("007_w.sql:4: rule 'ban-drop-table' is waived twice (first on line 3)"),
	    std::string::npos);
}

TEST(LintWaivers, InsideAStringItIsNotAWaiver) {
	const auto rev = migrate::parse_migration(file_text("SELECT '\n-- migrate:allow nonsense\n';"), "007_w.sql");
	EXPECT_TRUE(rev.waivers.empty());
}

TEST(LintWaivers, NearMissesAreStillMarkersOrComments) {
	// "-- migrate:allowed" is not a waiver: the marker check reports it as before.
	EXPECT_NE(error_of(file_text("SELECT 1;\n-- migrate:allowed x: y")).find("unknown section marker"),
	          std::string::npos);
}

} // namespace
