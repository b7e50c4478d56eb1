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
	const migrate::StatementContext where{"004", migrate::Direction::upgrade, "upgrade", "x.sql", 10};
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

namespace {

std::vector<std::string>
split_in_pieces(const std::string &sql, std::size_t piece_bytes) {
	std::vector<std::string> out;
	for (auto s : split_statements(sql, {}, piece_bytes))
		out.push_back(sql.substr(s.offset, s.length));
	return out;
}

} // namespace

// A long section is parsed in pieces cut at the scanner's statement ends: the same statements, at
// the same offsets, as one parse of the whole.
TEST(Split, InPiecesAsWhole) {
	std::string sql = "CREATE TABLE seed (id bigint, note text);\n";
	for (int i = 0; i < 200; ++i)
		sql += "-- row " + std::to_string(i) + "\nINSERT INTO seed VALUES (" + std::to_string(i) + ", 'a;b');\n";
	const auto whole = pieces(sql);
	ASSERT_EQ(whole.size(), 201u);
	for (std::size_t piece : {1, 40, 100, 1000})
		EXPECT_EQ(split_in_pieces(sql, piece), whole) << "pieces of " << piece << " bytes";
}

// The scanner also cuts inside CREATE RULE (...; ...) and BEGIN ATOMIC ... END: a piece ending
// there does not parse, and the whole section is parsed instead.
TEST(Split, InPiecesAcrossStatementsWithSemicolons) {
	const std::string sql =
	    "INSERT INTO t VALUES (1);\n"
	    "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\n"
	    "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n"
	    "INSERT INTO t VALUES (2);\n";
	const auto whole = pieces(sql);
	ASSERT_EQ(whole.size(), 4u);
	for (std::size_t piece = 1; piece < sql.size(); piece += 7)
		EXPECT_EQ(split_in_pieces(sql, piece), whole) << "pieces of " << piece << " bytes";
}

TEST(Split, InPiecesSyntaxErrorNamesTheLine) {
	std::string sql;
	for (int i = 0; i < 50; ++i)
		sql += "INSERT INTO t VALUES (" + std::to_string(i) + ");\n";
	sql += "INSERT INTO t VALUS (50);\n";
	const migrate::StatementContext where{"004", migrate::Direction::upgrade, "upgrade", "x.sql", 3};
	try {
		split_statements(sql, where, 64);
		FAIL() << "expected a syntax error";
	} catch (const migrate::Error &e) {
		EXPECT_EQ(e.sqlstate(), migrate::sqlstate::syntax_error);
		EXPECT_NE(e.context.find("file x.sql, line 53"), std::string::npos) << e.context;
	}
}

// A string left open stops the scanner as well: the whole section goes to the parser, which
// names the line where the string began.
TEST(Split, InPiecesUnterminatedStringNamesItsLine) {
	std::string sql;
	for (int i = 0; i < 20; ++i)
		sql += "INSERT INTO t VALUES (" + std::to_string(i) + ");\n";
	sql += "INSERT INTO t VALUES ('open);\nINSERT INTO t VALUES (21);\n";
	const migrate::StatementContext where{"004", migrate::Direction::upgrade, "upgrade", "x.sql", 1};
	try {
		split_statements(sql, where, 64);
		FAIL() << "expected a syntax error";
	} catch (const migrate::Error &e) {
		EXPECT_NE(std::string(e.what()).find("unterminated quoted string"), std::string::npos) << e.what();
		EXPECT_NE(e.context.find("file x.sql, line 21"), std::string::npos) << e.context;
	}
}
