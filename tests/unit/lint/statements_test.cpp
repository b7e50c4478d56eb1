// The client's statement model for lint (lint_parse.hpp): every statement of a section with its
// offset, schema changes with their trees, row statements without one.
#include "lint_parse.hpp"
#include "migrate/error.hpp"

#include <gtest/gtest.h>

#include <string>

using migrate::lint::Statement;

TEST(LintStatements, EveryStatementInOrderWithItsOffset) {
	const std::string sql = "CREATE TABLE seed (id bigint);\n"
	                        "-- rows\nINSERT INTO seed VALUES (1);\n"
	                        "INSERT INTO seed VALUES (2);\n"
	                        "CREATE INDEX seed_id ON seed (id);\n";
	const auto statements = pgmigrate::lint_statements(sql, {});
	ASSERT_EQ(statements.size(), 4u);
	EXPECT_EQ(statements[0].kind, Statement::Kind::create_table);
	EXPECT_EQ(statements[0].relation, "seed");
	EXPECT_EQ(statements[1].kind, Statement::Kind::other);
	EXPECT_EQ(sql.substr(statements[1].offset, statements[1].length), "INSERT INTO seed VALUES (1)");
	EXPECT_EQ(sql.substr(statements[2].offset, statements[2].length), "INSERT INTO seed VALUES (2)");
	EXPECT_EQ(statements[3].kind, Statement::Kind::create_index);
	EXPECT_EQ(statements[3].new_name, "seed_id");
	EXPECT_EQ(sql.substr(statements[3].offset, statements[3].length), "CREATE INDEX seed_id ON seed (id)");
}

// Row statements are not parsed for a tree, but the whole section still is, for its syntax: an
// error in an INSERT names its line.
TEST(LintStatements, SyntaxErrorInARowStatementNamesItsLine) {
	const migrate::StatementContext where{"001", migrate::Direction::upgrade, "upgrade", "001_seed.sql", 4};
	try {
		pgmigrate::lint_statements("CREATE TABLE seed (id bigint);\nINSERT INTO seed VALUES (1);\n"
		                           "INSERT INTO seed VALUS (2);\n",
		                           where);
		FAIL() << "no error";
	} catch (const migrate::Error &e) {
		EXPECT_EQ(e.sqlstate(), migrate::sqlstate::syntax_error);
		EXPECT_NE(e.context.find("file 001_seed.sql, line 6"), std::string::npos) << e.context;
	}
}
