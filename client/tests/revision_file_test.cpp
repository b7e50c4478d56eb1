// New revision files: ids, slugs, names and the template.
#include "migrate/migration_file.hpp"
#include "migrate/revision_graph.hpp"
#include "revision_file.hpp"

#include <gtest/gtest.h>

#include <regex>

using namespace pgmigrate;

namespace {

migrate::Revision
make(const std::string &id, const std::string &parent = {}) {
	migrate::Revision r;
	r.id = id;
	if (!parent.empty())
		r.down_revisions.push_back(parent);
	r.upgrade.present = true;
	r.upgrade.sql = "SELECT 1;";
	return r;
}

} // namespace

TEST(RevisionFile, NextNumericIdKeepsTheWidth) {
	EXPECT_EQ(next_revision_id(migrate::RevisionGraph({})), "001");
	EXPECT_EQ(next_revision_id(migrate::RevisionGraph({make("001"), make("002", "001")})), "003");
	EXPECT_EQ(next_revision_id(migrate::RevisionGraph({make("0009")})), "0010");
	EXPECT_EQ(next_revision_id(migrate::RevisionGraph({make("1"), make("2", "1")})), "3");
	EXPECT_EQ(next_revision_id(migrate::RevisionGraph({make("099")})), "100");
}

TEST(RevisionFile, OtherwiseTwelveHexDigits) {
	auto id = next_revision_id(migrate::RevisionGraph({make("001"), make("ae1027a6acf", "001")}));
	EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{12}"))) << id;
	EXPECT_FALSE(std::regex_match(id, std::regex("[0-9]+"))) << id;
}

TEST(RevisionFile, Slug) {
	EXPECT_EQ(slugify("add agent capabilities"), "add_agent_capabilities");
	EXPECT_EQ(slugify("  Create Accounts table!  "), "create_accounts_table");
	EXPECT_EQ(slugify("a--b__c"), "a_b_c");
	// letters of any script stay, lowercased, as in Alembic (Python's \w and str.lower())
	EXPECT_EQ(slugify("naïve café"), "naïve_café");
	EXPECT_EQ(slugify("Ünïcode OK"), "ünïcode_ok");
	EXPECT_EQ(slugify("Привет мир"), "привет_мир");
	EXPECT_EQ(slugify("日本語のテスト"), "日本語のテスト");
	// never a path separator, control character or invalid UTF-8
	EXPECT_EQ(slugify("a/b\\c"
	                  "\x01"
	                  "d"
	                  "\x7f"
	                  "e"
	                  "\u2215"
	                  "f"
	                  "\uff0f"
	                  "g"
	                  "\u202e"
	                  "h"
	                  "\u00a0"
	                  "i"
	                  "\u0085"
	                  "j"),
	          "a_b_c_d_e_f_g_h_i_j");
	EXPECT_EQ(slugify("bad \xc3\x28 \xff utf8"), "bad_utf8");
	EXPECT_EQ(slugify("\xc0\xaf overlong"), "overlong");
	// at most 40 characters, not bytes, and never half a character
	std::string long_slug = slugify(std::string(30, 'x') + " " + "éééééééééééééééééééé");
	EXPECT_EQ(long_slug, std::string(30, 'x') + "_" + "ééééééééé");
	EXPECT_EQ(slugify(""), "");
	EXPECT_LE(slugify(std::string(100, 'x')).size(), 40u);
}

TEST(RevisionFile, FileName) {
	NewRevision rev;
	rev.id = "003";
	rev.message = "add agent capabilities";
	std::string name = revision_filename(rev, 0);
	EXPECT_TRUE(std::regex_match(name, std::regex(R"(\d{8}_\d{4}_003_add_agent_capabilities\.sql)"))) << name;
	rev.message = "!!!";
	EXPECT_TRUE(std::regex_match(revision_filename(rev, 0), std::regex(R"(\d{8}_\d{4}_003\.sql)")));
}

TEST(RevisionFile, TemplateHeaderParses) {
	NewRevision rev;
	rev.id = "002";
	rev.down_revisions = {"001"};
	rev.branch_labels = {"memory"};
	rev.depends_on = {"0a1b2c"};
	rev.message = "two\nlines";
	std::string content = render_revision(rev);
	EXPECT_NE(content.find("-- revision: 002\n-- down_revision: 001\n-- message: two lines\n"), std::string::npos);
	EXPECT_NE(content.find("-- branch_labels: memory\n"), std::string::npos);
	EXPECT_NE(content.find("-- depends_on: 0a1b2c\n"), std::string::npos);
	EXPECT_NE(content.find("\n-- migrate:upgrade\n"), std::string::npos);
	EXPECT_NE(content.find("\n-- migrate:downgrade\n"), std::string::npos);
	rev.down_revisions.clear();
	EXPECT_NE(render_revision(rev).find("-- down_revision: none\n"), std::string::npos);
}

TEST(RevisionFile, MergeTemplateIsAValidFile) {
	NewRevision rev;
	rev.id = "004";
	rev.down_revisions = {"002", "003"};
	rev.message = "merge heads";
	migrate::Revision parsed = migrate::parse_migration(render_revision(rev), "m.sql");
	EXPECT_EQ(parsed.down_revisions, (std::vector<std::string>{"002", "003"}));
	EXPECT_TRUE(parsed.downgrade.present);
}
