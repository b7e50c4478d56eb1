// The line of each statement of a section: right, and counted once front to back (a long data
// migration of N statements must not cost N times the section's size).
#include "migrate/database.hpp"
#include "migrate/sql_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace migrate;

namespace {

// Runs nothing: records the line each statement was given.
class LineRecorder : public Database {
public:
	std::vector<int> lines;
	std::vector<Row> query(std::string_view, const std::vector<Value> &) override { return {}; }
	std::vector<StatementSpan> split(std::string_view, const StatementContext &) override { return {}; }
	std::optional<Value> run_statement(std::string_view, const StatementContext &ctx) override {
		lines.push_back(ctx.line);
		return std::nullopt;
	}
	void begin_revision(const Revision &) override {}
	void end_revision() override {}
	void notice(std::string_view, std::size_t, std::size_t) override {}
	bool can_run_non_transactional() const override { return false; }
};

} // namespace

TEST(StatementLines, AgreesWithStatementContextAtEveryStatement) {
	const std::string sql = "SELECT 1;\n\nSELECT 'a\nb';\nSELECT 3; SELECT 4;\n\n\nSELECT 5;\n";
	StatementContext section;
	section.line = 7;
	StatementLines lines(sql, section);
	for (std::size_t offset : {0u, 11u, 25u, 35u, 47u})
		EXPECT_EQ(lines.at(offset).line, statement_context(sql, offset, section).line) << offset;
}

TEST(StatementLines, CountsEachByteOnce) {
	std::string sql;
	std::vector<std::size_t> starts;
	for (int i = 0; i < 10000; ++i) {
		starts.push_back(sql.size());
		sql += "INSERT INTO t VALUES (" + std::to_string(i) + ", 'some text of a seed row');\n";
	}
	StatementLines lines(sql, StatementContext{});
	for (std::size_t n = 0; n < starts.size(); ++n)
		ASSERT_EQ(lines.at(starts[n]).line, static_cast<int>(n));
	EXPECT_EQ(lines.bytes_counted(), starts.back()); // not the sum of all offsets
}

TEST(StatementLines, RunStatementsGivesEachStatementItsLine) {
	LineRecorder db;
	const std::string sql =
	    "CREATE TABLE a (id int);\n\n-- a comment\nINSERT INTO a VALUES (1);\nINSERT INTO a\n  VALUES (2);\n";
	StatementContext section;
	section.line = 5;
	// as the splitters cut it: each span runs from the end of the previous statement
	std::vector<StatementSpan> spans{{0, 24}, {24, 64 - 24}, {64, sql.size() - 64}};
	db.run_statements(sql, spans, section);
	EXPECT_EQ(db.lines, (std::vector<int>{5, 5 + 3, 5 + 4})); // blanks and comments before a statement skipped
}

// The line an error position names, as both hosts compute it (sql_text.hpp).
TEST(SqlText, LinesBeforeAnErrorPosition) {
	const std::string text = "SELECT 1;\nSELEC 2;\n\n";
	EXPECT_EQ(lines_before(text, 1), 0);
	EXPECT_EQ(lines_before(text, 11), 1); // the S of SELEC
	// "at end of input": the last non-blank character's line, not the blank lines after it.
	EXPECT_EQ(lines_before(text, static_cast<int>(text.size()) + 1), 1);
	// Positions count characters: é is two bytes, one character.
	EXPECT_EQ(lines_before("é\nx", 3), 1);
	EXPECT_EQ(utf8_offset("é\nx", 2), 3u);
}

// Row statements (queries and DML) need no parse tree from lint or the lock trace: the first word
// decides, after blanks and comments, in any case, and only as a whole word.
TEST(SqlText, RowStatementsByTheirFirstWord) {
	for (const char *row : {"INSERT INTO t VALUES (1)", "select 1", "  -- seed\n/* x */ Update t SET a = 1",
	                        "WITH x AS (SELECT 1) DELETE FROM t", "VALUES (1)", "COPY t FROM '/f'", "TABLE t",
	                        "CALL p()", "MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE"})
		EXPECT_TRUE(is_row_statement(row)) << row;
	for (const char *schema : {"CREATE TABLE insert (a int)", "ALTER TABLE t ADD COLUMN a int", "selection",
	                           "DROP TABLE t", "(SELECT 1)", "", "-- only a comment", "CREATE INDEX ON t (a)"})
		EXPECT_FALSE(is_row_statement(schema)) << schema;
}
