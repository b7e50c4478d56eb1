// Offline scripts: the runner's statements in the runner's order, as psql input.
#include "migrate/script.hpp"
#include "migrate/state.hpp"
#include "test_graphs.hpp"

#include <gtest/gtest.h>

using namespace migrate;
using migrate::testing::rev;

namespace {

std::size_t
at(const std::string &text, const std::string &needle) {
	std::size_t pos = text.find(needle);
	EXPECT_NE(pos, std::string::npos) << "missing: " << needle << "\nin:\n" << text;
	return pos;
}

} // namespace

TEST(Script, UpgradeFromBaseInOrderWithBookkeeping) {
	RevisionGraph graph({rev("001"), rev("002", {"001"})});
	std::string sql = render_script(graph, plan_upgrade(graph, {}, "head"));
	std::size_t begin = at(sql, "BEGIN;");
	std::size_t lock = at(sql, std::string(state::lock_sql));
	std::size_t first = at(sql, "-- Running upgrade  -> 001, msg 001");
	std::size_t create1 = at(sql, "CREATE TABLE t_001");
	std::size_t insert1 = at(sql, "INSERT INTO migrate.version (revision) VALUES ('001')");
	std::size_t second = at(sql, "-- Running upgrade 001 -> 002, msg 002");
	std::size_t create2 = at(sql, "CREATE TABLE t_002");
	std::size_t commit = at(sql, "COMMIT;");
	EXPECT_LT(begin, lock);
	EXPECT_LT(lock, first);
	EXPECT_LT(first, create1);
	EXPECT_LT(create1, insert1);
	EXPECT_LT(insert1, second);
	EXPECT_LT(second, create2);
	EXPECT_LT(create2, commit);
	EXPECT_EQ(sql.substr(sql.size() - 8), "COMMIT;\n");
}

TEST(Script, DowngradeRunsDowngradeSections) {
	RevisionGraph graph({rev("001"), rev("002", {"001"})});
	std::vector<RevisionGraph::Index> current{*graph.find("002")};
	std::string sql = render_script(graph, plan_downgrade(graph, current, "001"));
	at(sql, "-- Running downgrade 002 -> 001, msg 002");
	at(sql, "DROP TABLE t_002;");
	EXPECT_EQ(sql.find("DROP TABLE t_001"), std::string::npos);
}

TEST(Script, LockTimeoutIsScopedToItsRevision) {
	Revision r = rev("001");
	r.lock_timeout = "5s";
	RevisionGraph graph({r, rev("002", {"001"})});
	std::string sql = render_script(graph, plan_upgrade(graph, {}, "head"));
	std::size_t set = at(sql, "SET LOCAL lock_timeout = '5s';");
	std::size_t reset = at(sql, "SET LOCAL lock_timeout TO DEFAULT;");
	EXPECT_LT(set, at(sql, "CREATE TABLE t_001"));
	EXPECT_LT(reset, at(sql, "-- Running upgrade 001 -> 002"));
}

TEST(Script, NonTransactionalRevisionRunsBetweenTransactions) {
	Revision r = rev("002", {"001"});
	r.transactional = false;
	r.upgrade.sql = "CREATE INDEX CONCURRENTLY i ON t_001 (id)\n";
	RevisionGraph graph({rev("001"), r});
	std::string sql = render_script(graph, plan_upgrade(graph, {}, "head"));
	std::size_t commit = at(sql, "COMMIT;\n\nCREATE INDEX CONCURRENTLY");
	std::size_t begin_again = sql.find("BEGIN;", commit);
	ASSERT_NE(begin_again, std::string::npos);
	EXPECT_LT(begin_again, at(sql, "VALUES ('002')"));
	// The statement without a trailing semicolon gets one.
	at(sql, "CREATE INDEX CONCURRENTLY i ON t_001 (id);");
}

TEST(Script, TrailingLineCommentDoesNotSwallowTheSemicolon) {
	Revision r = rev("001");
	r.upgrade.sql = "SELECT 1 -- done";
	RevisionGraph graph({r});
	std::string sql = render_script(graph, plan_upgrade(graph, {}, "head"));
	at(sql, "SELECT 1 -- done\n;\n");
}

TEST(Script, SectionsFromTheGivenTextsOnly) {
	// Runner::script reads the planned revisions' SQL only: the graph it plans with holds none.
	RevisionGraph with_sql({rev("001"), rev("002", {"001"})});
	Revision bare1 = rev("001"), bare2 = rev("002", {"001"});
	bare1.upgrade.sql = bare2.upgrade.sql = "";
	RevisionGraph without_sql({bare1, bare2});
	Plan plan = plan_upgrade(without_sql, {}, "head");
	std::string sql = render_script(without_sql, plan, [&](RevisionGraph::Index i) -> const Revision & {
		return with_sql[*with_sql.find(without_sql[i].id)];
	});
	EXPECT_EQ(sql, render_script(with_sql, plan_upgrade(with_sql, {}, "head")));
}
