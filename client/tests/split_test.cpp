// Statement splitting with libpg_query (transactional: false revisions), and snapshot diffs.
#include "libpq_database.hpp"
#include "migrate/error.hpp"
#include "snapshot.hpp"

#include <gtest/gtest.h>

using pgmigrate::split_statements;

namespace {

std::vector<std::string>
pieces(const std::string &sql) {
	std::vector<std::string> out;
	for (auto s : split_statements(sql, {}))
		out.push_back(sql.substr(s.offset, s.length));
	return out;
}

} // namespace

TEST(Split, StatementsCommentsAndDollarQuotes) {
	auto p = pieces("CREATE INDEX CONCURRENTLY a ON t (x);\n-- a comment; with a semicolon\n"
	                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
	                "/* block; */ SELECT ';';\n");
	ASSERT_EQ(p.size(), 3u);
	EXPECT_EQ(p[0], "CREATE INDEX CONCURRENTLY a ON t (x)");
	EXPECT_EQ(p[1], "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql");
	EXPECT_EQ(p[2], "SELECT ';'");
}

TEST(Split, LastStatementWithoutSemicolon) {
	auto p = pieces("VACUUM t;\nSELECT 1");
	ASSERT_EQ(p.size(), 2u);
	EXPECT_EQ(p[1], "SELECT 1");
}

TEST(Split, OnlyComments) {
	EXPECT_TRUE(pieces("-- nothing\n/* here */\n").empty());
}

TEST(Split, SyntaxErrorNamesTheLine) {
	migrate::StatementContext where;
	where.revision = "004";
	where.section = "upgrade";
	where.filename = "x.sql";
	where.line = 10;
	try {
		split_statements("SELECT 1;\nSELEC 2;\n", where);
		FAIL() << "expected a syntax error";
	} catch (const migrate::Error &e) {
		EXPECT_EQ(e.sqlstate(), migrate::sqlstate::syntax_error);
		EXPECT_NE(e.context.find("revision 004 (upgrade), file x.sql, line 11"), std::string::npos) << e.context;
	}
}

TEST(Snapshot, Diff) {
	std::vector<std::string> before = {"a", "b", "c"}, after = {"a", "c", "d"};
	EXPECT_EQ(pgmigrate::snapshot_diff(before, after), (std::vector<std::string>{"- b", "+ d"}));
	EXPECT_TRUE(pgmigrate::snapshot_diff(before, before).empty());
}
