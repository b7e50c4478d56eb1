// Bookkeeping SQL: quoting and the statements the runner and offline scripts share.
#include "migrate/script.hpp"
#include "migrate/state.hpp"
#include "test_graphs.hpp"

#include <gtest/gtest.h>

using namespace migrate;
using migrate::testing::rev;

TEST(QuoteLiteral, DoublesQuotes) {
	EXPECT_EQ(state::quote_literal("it's"), "'it''s'");
	EXPECT_EQ(state::quote_literal(""), "''");
	EXPECT_EQ(state::quote_literal("$$; DROP TABLE x; --"), "'$$; DROP TABLE x; --'");
}

TEST(QuoteLiteral, UsesEscapeStringForBackslashes) {
	// Safe whatever standard_conforming_strings is: E'' with doubled backslashes.
	EXPECT_EQ(state::quote_literal(R"(a\'b)"), R"(E'a\\''b')");
}

// Where the first tag closes the quoted form tag + text + tag: must be its very end.
std::size_t
closing_at(const std::string &tag, std::string_view text) {
	const std::string quoted = tag + std::string(text) + tag;
	return quoted.find(tag, tag.size()) - tag.size();
}

TEST(DollarTag, AvoidsTheTagInsideTheText) {
	EXPECT_EQ(state::dollar_tag("SELECT 1;", "pgmigrate"), "$pgmigrate$");
	EXPECT_EQ(state::dollar_tag("SELECT '$pgmigrate$';", "pgmigrate"), "$pgmigrate1$");
	EXPECT_EQ(state::dollar_tag("$pgmigrate$ $pgmigrate1$", "pgmigrate"), "$pgmigrate2$");
}

TEST(DollarTag, AvoidsATagFormedAcrossTheEnds) {
	// A file ending in "-- $pgmigrate" (no newline): content + "$pgmigrate$" holds the tag one
	// character early, so the quote would close inside the content and leave "$" outside.
	for (std::string_view text :
	     {"SELECT 1; -- $pgmigrate", "SELECT 1; -- $pgmigrate1$ and $pgmigrate", "-- $pgmigrate$$pgmigrate"}) {
		const std::string tag = state::dollar_tag(text, "pgmigrate");
		EXPECT_EQ(closing_at(tag, text), text.size()) << tag << " for " << text;
	}
	EXPECT_EQ(state::dollar_tag("SELECT 1; -- $pgmigrate", "pgmigrate"), "$pgmigrate1$");
	// At the start: tag + text must not hold a second tag either.
	EXPECT_NE(state::dollar_tag("pgmigrate$ SELECT 1;", "pgmigrate"), "$pgmigrate$");
	EXPECT_EQ(state::dollar_tag("", "pgmigrate"), "$pgmigrate$");
}

TEST(CommentText, EscapesControlCharacters) {
	EXPECT_EQ(state::comment_text("20260101_0000_003_x.sql"), "20260101_0000_003_x.sql");
	EXPECT_EQ(state::comment_text("naïve café ☕"), "naïve café ☕");
	EXPECT_EQ(state::comment_text("x\nALTER ROLE a SUPERUSER;\n--"), "x\\x0AALTER ROLE a SUPERUSER;\\x0A--");
	EXPECT_EQ(state::comment_text(std::string("a\rb\tc\x1b\x7f") + '\0'), "a\\x0Db\\x09c\\x1B\\x7F\\x00");
	EXPECT_EQ(state::comment_text("a\xC2\x85"
	                              "b\xC2\x9B"),
	          "a\\u0085b\\u009B");                          // C1 controls (NEL, CSI)
	EXPECT_EQ(state::comment_text("\xC2\xA0"), "\xC2\xA0"); // U+00A0 is not one
}

TEST(CommentText, ScriptCommentsNeverCarryANewline) {
	// A graph read from the store may hold anything a row holds: the script's comments stay comments.
	Revision r = rev("001", {}, "add x\nALTER ROLE attacker SUPERUSER;\r--");
	RevisionGraph graph({r});
	const std::string sql = render_script(graph, plan_upgrade(graph, {}, "head"));
	EXPECT_NE(sql.find("-- Running upgrade  -> 001, add x\\x0AALTER ROLE attacker SUPERUSER;\\x0D--\n"),
	          std::string::npos)
	    << sql;
	EXPECT_EQ(sql.find("\nALTER ROLE"), std::string::npos) << sql;
}

TEST(VersionSql, DeletesThenInserts) {
	Step step{Direction::upgrade, 0, {"a", "b"}, {"m"}};
	auto sql = state::version_sql(step);
	ASSERT_EQ(sql.size(), 2u);
	EXPECT_NE(sql[0].find("DELETE FROM migrate.version"), std::string::npos);
	EXPECT_NE(sql[0].find("ARRAY['a', 'b']"), std::string::npos);
	EXPECT_EQ(sql[1], "INSERT INTO migrate.version (revision) VALUES ('m')");
}

TEST(VersionSql, NothingToDoIsEmpty) {
	Step step{Direction::downgrade, 0, {}, {}};
	EXPECT_TRUE(state::version_sql(step).empty());
}

TEST(LogSql, RecordsDirectionParentsChecksumAndDuration) {
	RevisionGraph graph({rev("001"), rev("002", {"001"})});
	Step step{Direction::upgrade, *graph.find("002"), {"001"}, {"002"}};
	std::string sql = state::log_sql(graph, step, 12.5);
	EXPECT_NE(sql.find("VALUES ('002', 'upgrade', '001', "), std::string::npos) << sql;
	EXPECT_NE(sql.find("12.500"), std::string::npos) << sql;
	EXPECT_NE(sql.find(std::string(64, 'a')), std::string::npos);
	std::string offline = state::log_sql(graph, step, std::nullopt);
	EXPECT_NE(offline.find(", NULL, "), std::string::npos) << offline;
}

TEST(RecordSql, OneStatementWithTheStepAsParameters) {
	RevisionGraph graph({rev("001"), rev("002", {"001"}), rev("003", {"001"}), rev("m", {"002", "003"})});
	const std::string_view sql = state::record_sql(false);
	EXPECT_NE(sql.find("DELETE FROM migrate.version"), std::string_view::npos);
	EXPECT_NE(sql.find("INSERT INTO migrate.version"), std::string_view::npos);
	EXPECT_NE(sql.find("INSERT INTO migrate.log"), std::string_view::npos);
	EXPECT_NE(sql.find("$8"), std::string_view::npos);
	EXPECT_EQ(sql.find("$9"), std::string_view::npos);
	using P = std::vector<std::optional<std::string>>;
	Step merge{Direction::upgrade, *graph.find("m"), {"002", "003"}, {"m"}};
	EXPECT_EQ(state::record_params(graph, merge, 12.5, nullptr),
	          (P{"002,003", "m", "m", "upgrade", "002, 003", "0.012500", "12.500", std::string(64, 'a')}));
	Step last{Direction::downgrade, *graph.find("001"), {"001"}, {}};
	EXPECT_EQ(state::record_params(graph, last, 1, nullptr),
	          (P{"001", "", "001", "downgrade", "", "0.001000", "1.000", std::string(64, 'a')}));
	// 0.5.0's log: the trace's columns too, NULL when empty.
	const std::string_view traced = state::record_sql(true);
	EXPECT_NE(traced.find("lock_waits, locks, rewritten"), std::string_view::npos);
	EXPECT_NE(traced.find("$11::pg_catalog.text[]"), std::string_view::npos);
	StepTrace trace{R"([{"attempt": 1}])", {}, {"public.agents", "odd\"name"}};
	EXPECT_EQ(state::record_params(graph, last, 1, &trace),
	          (P{"001", "", "001", "downgrade", "", "0.001000", "1.000", std::string(64, 'a'), R"([{"attempt": 1}])",
	             std::nullopt, R"({"public.agents","odd\"name"})"}));
}

TEST(StampSql, ChangesOnlyTheDifferenceAndLogsIt) {
	auto sql = state::stamp_sql({"a", "b"}, {"b", "c"});
	ASSERT_EQ(sql.size(), 3u);
	EXPECT_NE(sql[0].find("ARRAY['a']"), std::string::npos) << sql[0];
	EXPECT_NE(sql[1].find("VALUES ('c')"), std::string::npos) << sql[1];
	EXPECT_NE(sql[2].find("'stamp', 'a, b'"), std::string::npos) << sql[2];
	auto to_base = state::stamp_sql({"a"}, {});
	ASSERT_EQ(to_base.size(), 2u);
	EXPECT_NE(to_base[1].find("VALUES ('base', 'stamp', 'a'"), std::string::npos) << to_base[1];
}

TEST(RevisionUpsert, OneArrayPerColumn) {
	EXPECT_NE(state::revision_upsert_sql().find("VALUES ($1, $2::pg_catalog.text[]"), std::string::npos);
	const std::string_view many = state::revision_upsert_many_sql();
	EXPECT_NE(many.find("pg_catalog.unnest($16::pg_catalog.text[])) AS u("), std::string::npos) << many;
	EXPECT_EQ(many.find("$17"), std::string_view::npos) << many; // whatever the number of rows
	EXPECT_NE(many.find(" ON CONFLICT (revision) DO UPDATE"), std::string_view::npos) << many;

	std::vector<std::optional<std::string>> first(state::revision_param_count, "x"), second = first;
	first[0] = "001";
	second[0] = "002";
	second[9] = std::nullopt;             // no downgrade section
	first[15] = "a \"b\" \\c {d,e} NULL"; // content: every character an array literal gives a meaning to
	const auto columns = state::revision_array_params({first, second});
	ASSERT_EQ(columns.size(), state::revision_param_count);
	EXPECT_EQ(columns[0], R"({"001","002"})");
	EXPECT_EQ(columns[9], R"({"x",NULL})");
	EXPECT_EQ(columns[15], R"({"a \"b\" \\c {d,e} NULL","x"})");
	EXPECT_EQ(state::revision_array_params({}).at(0), "{}");
}

TEST(RevisionUpsert, ScriptSubstitutesLiteralsOnce) {
	Revision r = parse_migration(
	    "-- revision: 001\n-- down_revision: none\n-- message: it's $1\n-- migrate:upgrade\nSELECT $2 || '$10';\n",
	    "a.sql");
	const std::string sql = state::revision_upsert_script(r, "content", "a.sql");
	EXPECT_NE(sql.find("VALUES ('001', '{}'::pg_catalog.text[]"), std::string::npos) << sql;
	EXPECT_NE(sql.find("'it''s $1'"), std::string::npos) << sql; // a value is never substituted again
	EXPECT_NE(sql.find("'SELECT $2 || ''$10'';"), std::string::npos) << sql;
	EXPECT_NE(sql.find("'a.sql', 'content')"), std::string::npos) << sql; // the file's content, stored
	EXPECT_NE(sql.find(", NULL, "), std::string::npos) << sql;            // no downgrade section
	EXPECT_EQ(sql.find("$"), sql.find("$1'")) << sql;                     // no parameter left
}

TEST(RevisionUpsert, GuardedScriptRefusesAsAddDoes) {
	Revision r =
	    parse_migration("-- revision: 001\n-- down_revision: none\n-- migrate:upgrade\nSELECT '$migrate$';\n", "a.sql");
	const std::string sql = state::guarded_upsert_script(r, "content", "a.sql");
	// A dollar quote that the content cannot end.
	ASSERT_TRUE(sql.starts_with("DO $migrate1$\n")) << sql;
	EXPECT_TRUE(sql.ends_with("$migrate1$")) << sql;
	EXPECT_NE(sql.find(state::revision_upsert_script(r, "content", "a.sql")), std::string::npos) << sql;
	// The error is changed_since_applied's, with the stored checksum spliced into its detail.
	const Error refusal = state::changed_since_applied(r, "OLD", "a.sql");
	EXPECT_NE(sql.find("ERRCODE = '55000', MESSAGE = 'revision 001 has changed since it was applied'"),
	          std::string::npos)
	    << sql;
	const std::size_t old_at = refusal.detail().find("OLD");
	EXPECT_NE(sql.find(state::quote_literal(refusal.detail().substr(0, old_at)) +
	                   " OPERATOR(pg_catalog.||) applied_checksum"),
	          std::string::npos)
	    << sql;
	EXPECT_NE(sql.find(state::quote_literal(refusal.hint())), std::string::npos) << sql;
	EXPECT_NE(sql.find("r.checksum OPERATOR(pg_catalog.<>) '" + r.checksum + "'"), std::string::npos) << sql;
}
