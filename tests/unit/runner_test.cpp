// The runner's contract with its host, over an in-memory Database that records every call.
#include "migrate/error.hpp"
#include "migrate/lock_retry.hpp"
#include "migrate/runner.hpp"
#include "migrate/state.hpp"
#include "test_graphs.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>

using namespace migrate;
using migrate::testing::rev;

namespace {

bool
starts_with(std::string_view text, std::string_view prefix) {
	return text.substr(0, prefix.size()) == prefix;
}

class FakeDatabase : public Database {
public:
	std::vector<Revision> revisions;
	std::vector<std::string> version;
	std::string isolation = "read committed";
	std::vector<std::string> calls; // in order: "query: ...", "run: <line>: ...", "notice: ...", "begin", "end"
	std::optional<Value> verdict;   // what a SELECT in a verify section returns
	std::vector<Row> lock_holder;   // what state::lock_holder_sql finds: another session's pid, revision
	bool runs_non_transactional = false;
	std::vector<std::pair<std::size_t, std::size_t>> counts; // each notice's step of steps
	// Lock-safe apply: a statement containing LOCKED times out waiting for a lock (55P03) this
	// many times; the policy, the pauses and reports the runner asked for.
	int lock_timeouts = 0;
	LockPolicy policy;
	std::vector<double> pauses;
	std::vector<std::string> reports;
	LockPolicy lock_policy() const override { return policy; }
	std::vector<std::string> relations_of(std::string_view statement) override {
		return {"statement: " + std::string(statement)};
	}
	void report(std::string_view message) override { reports.emplace_back(message); }
	void pause(double seconds) override { pauses.push_back(seconds); }

	std::vector<Row> blocker_rows; // pid, application, state, seconds in it, query, mode, relation
	bool records_versions = false; // record_sql changes `version` (a per-revision run reads it back)
	static std::vector<std::string> split_ids(const std::string &list) {
		std::vector<std::string> ids;
		for (std::size_t start = 0; start < list.size();) {
			std::size_t comma = std::min(list.find(',', start), list.size());
			ids.push_back(list.substr(start, comma - start));
			start = comma + 1;
		}
		return ids;
	}
	std::size_t planned = 0;       // query() calls: statements a host parses and plans afresh
	std::vector<std::string> kept; // query_repeated() calls but the bookkeeping: kept plans
	std::size_t commits = 0;
	void commit() override { ++commits; }

	// The bookkeeping after a step (state::record_sql): logged with its parameters.
	std::vector<Row> query_repeated(std::string_view sql, const std::vector<Value> &params) override {
		if (sql != state::record_sql(true)) {
			auto rows = query(sql, params);
			--planned; // a host keeps this one's plan
			kept.emplace_back(sql);
			return rows;
		}
		std::string line = "record:";
		for (const auto &p : params)
			line += " " + p.value_or("NULL");
		calls.push_back(line);
		if (records_versions) { // params: the version rows to delete, then to insert (comma-joined)
			for (const auto &r : split_ids(params.at(0).value_or("")))
				std::erase(version, r);
			for (const auto &r : split_ids(params.at(1).value_or("")))
				version.push_back(r);
		}
		return {};
	}

	std::vector<Value> upsert_params; // the last revision upsert's
	std::vector<Row> query(std::string_view sql, const std::vector<Value> &params) override {
		++planned;
		calls.push_back("query: " + std::string(sql));
		if (starts_with(sql, "INSERT INTO migrate.revisions"))
			upsert_params = params;
		if (sql.find("transaction_isolation") != std::string_view::npos)
			return {{isolation}};
		if (sql == state::lock_holder_sql)
			return lock_holder;
		if (sql == state::log_traced_sql)
			return {{"t"}};
		if (sql.find("FROM pg_catalog.pg_locks l ") != std::string_view::npos) // lock_retry's blockers
			return blocker_rows;
		if (starts_with(sql, "SELECT transactional FROM migrate.revisions")) {
			normalize();
			for (const auto &r : revisions)
				if (r.id == params.at(0))
					return {{r.transactional ? "t" : "f"}};
			return {};
		}
		if (starts_with(sql, "SELECT revision FROM migrate.version"))
			return rows_of(version);
		if (starts_with(sql, "SELECT checksum, content IS NOT NULL FROM migrate.revisions")) {
			for (const auto &r : revisions)
				if (r.id == params.at(0))
					return {{r.checksum, "t"}};
			return {};
		}
		if (starts_with(sql, "SELECT revision, checksum, content IS NOT NULL FROM migrate.revisions")) { // add_all
			std::vector<Row> out;
			for (const auto &r : revisions)
				if (params.at(0)->find(r.id) != std::string::npos)
					out.push_back({r.id, r.checksum, "t"});
			return out;
		}
		if (starts_with(sql, "WITH RECURSIVE applied") &&
		    sql.find("SELECT DISTINCT revision") != std::string_view::npos)
			return rows_of(version);                    // add_all: the version rows stand for everything applied
		if (starts_with(sql, "WITH RECURSIVE applied")) // the revision is applied if any row is a version row
			return version.empty() ? std::vector<Row>{} : std::vector<Row>{{"1"}};
		if (starts_with(sql, "SELECT revision, upgrade_sql")) {
			calls.push_back("sections of: " + params.at(0).value_or(""));
			normalize();
			std::vector<Row> out;
			for (const auto &r : revisions)
				out.push_back({r.id, r.upgrade.sql, r.downgrade.present ? Value(r.downgrade.sql) : std::nullopt,
				               r.verify.present ? Value(r.verify.sql) : std::nullopt, contents[r.id]});
			return out;
		}
		if (starts_with(sql, "SELECT revision, pg_catalog.array_to_string")) {
			normalize();
			std::vector<Row> out;
			for (const auto &r : revisions) {
				auto join = [](const std::vector<std::string> &v) {
					std::string s;
					for (const auto &x : v)
						s += (s.empty() ? "" : ",") + x;
					return s;
				};
				auto line = [](const Section &s) {
					return s.present ? Value(std::to_string(s.first_line)) : std::nullopt;
				};
				out.push_back({r.id, join(r.down_revisions), join(r.depends_on), join(r.branch_labels), r.message,
				               r.transactional ? "t" : "f",
				               r.lock_timeout.empty() ? std::nullopt : Value(r.lock_timeout), line(r.upgrade),
				               line(r.downgrade), line(r.verify), r.checksum, r.filename});
			}
			return out;
		}
		return {};
	}

	// The stored form of each revision: a file rendered from it, and the revision as that file
	// parses (checksum and lines included), as migrate_add stores it; the runner checks the two.
	std::unordered_map<std::string, std::string> contents;
	void normalize() {
		for (auto &r : revisions) {
			if (contents.contains(r.id))
				continue;
			auto list = [](const std::vector<std::string> &v) {
				std::string out;
				for (const auto &x : v)
					out += (out.empty() ? "" : ",") + x;
				return out;
			};
			std::string text = "-- revision: " + r.id + "\n-- down_revision: " +
			                   (r.down_revisions.empty() ? std::string("none") : list(r.down_revisions)) + "\n";
			if (!r.depends_on.empty())
				text += "-- depends_on: " + list(r.depends_on) + "\n";
			if (!r.branch_labels.empty())
				text += "-- branch_labels: " + list(r.branch_labels) + "\n";
			text += "-- message: " + r.message + "\n";
			if (!r.transactional)
				text += "-- transactional: false\n";
			if (!r.lock_timeout.empty())
				text += "-- lock_timeout: " + r.lock_timeout + "\n";
			text += "-- migrate:upgrade\n" + r.upgrade.sql;
			if (r.downgrade.present)
				text += "\n-- migrate:downgrade\n" + r.downgrade.sql;
			if (r.verify.present)
				text += "-- migrate:verify\n" + r.verify.sql;
			Revision parsed = parse_migration(text, r.filename);
			parsed.filename = r.filename;
			contents[r.id] = text;
			r = parsed;
		}
	}

	std::vector<StatementSpan> split(std::string_view sql, const StatementContext &) override {
		if (sql.find("SYNTAX") != std::string_view::npos)
			throw Error("42601", "syntax error at or near \"SYNTAX\"");
		std::vector<StatementSpan> spans;
		std::size_t start = 0;
		for (std::size_t i = 0; i <= sql.size(); ++i) {
			if (i == sql.size() || sql[i] == ';') {
				spans.push_back({start, i - start});
				start = i + 1;
			}
		}
		return spans;
	}

	std::optional<Value> run_statement(std::string_view sql, const StatementContext &ctx) override {
		calls.push_back("run: " + std::to_string(ctx.line) + ": " + std::string(sql));
		if (sql.find("FAIL") != std::string_view::npos)
			throw Error("42P01", "relation does not exist");
		if (sql.find("LOCKED") != std::string_view::npos && lock_timeouts > 0) {
			--lock_timeouts;
			Error e(sqlstate::lock_not_available, "canceling statement due to lock timeout");
			e.statement = std::string(sql);
			throw e;
		}
		if (starts_with(sql, "SELECT"))
			return verdict;
		return std::nullopt;
	}

	void begin_revision(const Revision &r) override { calls.push_back("begin " + r.id); }
	void end_revision() override { calls.push_back("end"); }
	void notice(std::string_view message, std::size_t step, std::size_t steps) override {
		calls.push_back("notice: " + std::string(message));
		counts.push_back({step, steps});
	}
	bool can_run_non_transactional() const override { return runs_non_transactional; }

	std::size_t index_of(std::string_view prefix) const {
		for (std::size_t i = 0; i < calls.size(); ++i)
			if (starts_with(calls[i], prefix))
				return i;
		ADD_FAILURE() << "no call starting with: " << prefix;
		return calls.size();
	}
	bool has(std::string_view prefix) const {
		for (const auto &c : calls)
			if (starts_with(c, prefix))
				return true;
		return false;
	}

private:
	static std::vector<Row> rows_of(const std::vector<std::string> &values) {
		std::vector<Row> out;
		for (const auto &v : values)
			out.push_back({v});
		return out;
	}
};

std::string
error_sqlstate(const std::function<void()> &fn) {
	try {
		fn();
	} catch (const Error &e) {
		return e.sqlstate();
	}
	return "no error";
}

} // namespace

TEST(Runner, UpgradeLocksThenRunsEachStepThenRecordsIt) {
	FakeDatabase db;
	db.revisions = {rev("001"), rev("002", {"001"})};
	db.revisions[1].upgrade.sql = "\n\nCREATE TABLE a (id int);\n-- comment\nCREATE TABLE b (id int);";
	db.revisions[1].upgrade.first_line = 5;
	Runner runner(db);
	auto steps = runner.upgrade("head");

	ASSERT_EQ(steps.size(), 2u);
	EXPECT_EQ(steps[0].revision, "001");
	EXPECT_EQ(steps[0].down_revision, "");
	EXPECT_EQ(steps[1].revision, "002");
	EXPECT_EQ(steps[1].down_revision, "001");
	EXPECT_EQ(steps[1].message, "msg 002");

	EXPECT_LT(db.index_of("query: SELECT pg_catalog.current_setting"),
	          db.index_of("query: " + std::string(state::lock_sql)));
	EXPECT_LT(db.index_of("query: " + std::string(state::lock_sql)),
	          db.index_of("query: SELECT revision FROM migrate.version"));
	std::size_t notice = db.index_of("notice: Running upgrade 001 -> 002, msg 002");
	std::size_t begin = db.index_of("begin 002");
	// Lines are those of each statement's first token in the file.
	std::size_t first = db.index_of("run: 7: CREATE TABLE a (id int)");
	std::size_t second = db.index_of("run: 9: CREATE TABLE b (id int)");
	// Version rows: delete 001, insert 002; then the log row of 002 (upgrade from 001).
	std::size_t record = db.index_of("record: 001 002 002 upgrade 001 ");
	EXPECT_LT(notice, begin);
	EXPECT_LT(begin, first);
	EXPECT_LT(first, second);
	EXPECT_LT(second, record);
	EXPECT_TRUE(db.has("record:  001 001 upgrade  ")) << "the first step deletes nothing and has no parent";
	EXPECT_TRUE(db.has("notice: Running upgrade  -> 001, msg 001"));
}

TEST(Runner, RefusesRepeatableReadBeforeLocking) {
	for (std::string level : {"repeatable read", "serializable"}) {
		FakeDatabase db;
		db.isolation = level;
		db.revisions = {rev("001")};
		Runner runner(db);
		EXPECT_EQ(error_sqlstate([&] { runner.upgrade("head"); }), "25000") << level;
		EXPECT_FALSE(db.has("query: " + std::string(state::lock_sql)));
		EXPECT_FALSE(db.has("run:"));
	}
}

TEST(Runner, RefusesWhileAnotherSessionHoldsTheLockAcrossCommits) {
	FakeDatabase db;
	db.revisions = {rev("001")};
	db.lock_holder = {{"4242", "003"}};
	Runner runner(db);
	try {
		runner.upgrade("head");
		ADD_FAILURE() << "upgraded while pid 4242 holds the lock";
	} catch (const Error &e) {
		EXPECT_EQ(e.sqlstate(), "55P03");
		EXPECT_STREQ(e.what(), "another migration is in progress");
		EXPECT_NE(e.detail().find("Session 4242"), std::string::npos) << e.detail();
		EXPECT_NE(e.detail().find("revision 003"), std::string::npos) << e.detail();
	}
	EXPECT_LT(db.index_of("query: " + std::string(state::lock_sql)),
	          db.index_of("query: " + std::string(state::lock_holder_sql)));
	EXPECT_FALSE(db.has("query: SELECT revision FROM migrate.version")) << "refused before reading the state";
	EXPECT_FALSE(db.has("run:"));
}

TEST(Runner, NonTransactionalRevisionHoldsTheLockFromBeforeItsCommitToItsRecord) {
	FakeDatabase db;
	db.runs_non_transactional = true;
	Revision r2 = rev("002", {"001"});
	r2.transactional = false;
	db.revisions = {rev("001"), r2, rev("003", {"002"})};
	Runner runner(db);
	runner.upgrade("head");
	const std::string hold = "query: " + std::string(state::hold_lock_sql);
	const std::string release = "query: " + std::string(state::release_lock_sql);
	std::size_t held = db.index_of(hold);
	EXPECT_LT(db.index_of("record:  001 001 upgrade"), held);
	EXPECT_LT(held, db.index_of("begin 002")) << "held before the host commits what came before";
	std::size_t recorded = db.index_of("record: 001 002 002 upgrade");
	std::size_t released = db.index_of(release);
	EXPECT_LT(recorded, released);
	EXPECT_LT(released, db.index_of("begin 003"));
	std::size_t holds = 0, releases = 0;
	for (const auto &c : db.calls) {
		holds += c == hold;
		releases += c == release;
	}
	EXPECT_EQ(holds, 1u) << "only the transactional: false revision holds it";
	EXPECT_EQ(releases, 1u);
}

TEST(Runner, HoldLockRefusesATransactionalRevision) {
	FakeDatabase db;
	db.revisions = {rev("001")};
	Runner runner(db);
	EXPECT_EQ(error_sqlstate([&] { runner.hold_lock("001"); }), "22023");
	EXPECT_EQ(error_sqlstate([&] { runner.hold_lock("nope"); }), "42704");
	EXPECT_FALSE(db.has("query: " + std::string(state::hold_lock_sql)));
}

TEST(Runner, RefusesNonTransactionalRevisionBeforeRunningAnything) {
	FakeDatabase db;
	db.revisions = {rev("001"), rev("002", {"001"})};
	db.revisions[1].transactional = false;
	Runner runner(db);
	EXPECT_EQ(error_sqlstate([&] { runner.upgrade("head"); }), "25000");
	EXPECT_FALSE(db.has("run:")) << "nothing may run when part of the plan cannot";
}

TEST(Runner, FailingStatementStopsBeforeBookkeeping) {
	FakeDatabase db;
	db.revisions = {rev("001"), rev("002", {"001"})};
	db.revisions[1].upgrade.sql = "CREATE TABLE a (id int); SELECT * FROM FAIL";
	Runner runner(db);
	EXPECT_EQ(error_sqlstate([&] { runner.upgrade("head"); }), "42P01");
	EXPECT_TRUE(db.has("record:  001 001 upgrade")) << "001 ran and was recorded";
	EXPECT_FALSE(db.has("record: 001 002 002"));
}

TEST(Runner, SyntaxErrorInALaterRevisionFailsBeforeTheFirstStepRuns) {
	FakeDatabase db;
	db.revisions = {rev("001"), rev("002", {"001"})};
	db.revisions[1].upgrade.sql = "SYNTAX";
	Runner runner(db);
	EXPECT_EQ(error_sqlstate([&] { runner.upgrade("head"); }), "42601");
	EXPECT_FALSE(db.has("run:"));
	EXPECT_FALSE(db.has("notice:"));
}

TEST(Runner, VerifyReturningFalseFailsTheUpgrade) {
	FakeDatabase db;
	db.revisions = {rev("001")};
	db.revisions[0].verify = {"SELECT count(*) = 1 FROM t_001", 9, true};
	db.verdict = Value("f");
	Runner runner(db);
	EXPECT_EQ(error_sqlstate([&] { runner.upgrade("head"); }), "23514");
	EXPECT_TRUE(db.has("run: 10: SELECT count(*) = 1 FROM t_001")); // its line in the file the fake stores
	EXPECT_FALSE(db.has("record:"));

	FakeDatabase ok;
	ok.revisions = db.revisions;
	ok.verdict = Value("t");
	Runner ok_runner(ok);
	EXPECT_EQ(ok_runner.upgrade("head").size(), 1u);
	EXPECT_TRUE(ok.has("record:  001 001 upgrade"));
}

TEST(Runner, DowngradeRunsDowngradeSectionsChildrenFirst) {
	FakeDatabase db;
	db.revisions = {rev("001"), rev("002", {"001"})};
	db.version = {"002"};
	Runner runner(db);
	auto steps = runner.downgrade("base");
	ASSERT_EQ(steps.size(), 2u);
	EXPECT_EQ(steps[0].revision, "002");
	EXPECT_EQ(steps[1].revision, "001");
	EXPECT_LT(db.index_of("run: 8: DROP TABLE t_002"), db.index_of("run: 8: DROP TABLE t_001"));
	EXPECT_TRUE(db.has("notice: Running downgrade 002 -> 001, msg 002"));
}

TEST(Runner, CheckComparesVersionWithHeads) {
	FakeDatabase db;
	db.revisions = {rev("001"), rev("002", {"001"})};
	db.version = {"001"};
	Runner runner(db);
	try {
		runner.check();
		FAIL() << "expected an error";
	} catch (const Error &e) {
		EXPECT_STREQ(e.what(), "Target database is not up to date.");
	}
	db.version = {"002"};
	EXPECT_NO_THROW(runner.check());
}

TEST(Runner, UnknownVersionRowIsReported) {
	FakeDatabase db;
	db.revisions = {rev("001")};
	db.version = {"3cac04ae8714"};
	Runner runner(db);
	try {
		runner.current();
		FAIL() << "expected an error";
	} catch (const Error &e) {
		EXPECT_STREQ(e.what(), "Can't locate revision identified by '3cac04ae8714'");
	}
}

TEST(Runner, AddIsANoOpForIdenticalContent) {
	const std::string content =
	    "-- revision: 001\n-- down_revision: none\n-- message: m\n-- migrate:upgrade\nSELECT 1;\n";
	FakeDatabase db;
	Runner runner(db);
	Revision stored = rev("001");
	stored.checksum = migration_checksum(content);
	db.revisions = {stored};
	EXPECT_EQ(runner.add(content, "x.sql"), "001");
	EXPECT_FALSE(db.has("query: INSERT INTO migrate.revisions"));
}

TEST(Runner, AddRefusesToChangeAnAppliedRevision) {
	FakeDatabase db;
	db.revisions = {rev("001")};
	db.version = {"001"};
	Runner runner(db);
	try {
		runner.add("-- revision: 001\n-- down_revision: none\n-- migrate:upgrade\nSELECT 2;\n", "x.sql");
		FAIL() << "expected an error";
	} catch (const Error &e) {
		EXPECT_EQ(e.sqlstate(), "55000");
		EXPECT_NE(e.detail().find(std::string(64, 'a')), std::string::npos) << e.detail();
		EXPECT_NE(e.detail().find(
		              migration_checksum("-- revision: 001\n-- down_revision: none\n-- migrate:upgrade\nSELECT 2;\n")),
		          std::string::npos);
	}
	EXPECT_FALSE(db.has("query: INSERT INTO migrate.revisions"));
}

TEST(Runner, AddAllStoresWhatIsNewOrChangedInOneUpsert) {
	const std::string same = "-- revision: 001\n-- down_revision: none\n-- message: m\n-- migrate:upgrade\nSELECT 1;\n";
	const std::string changed = "-- revision: 002\n-- down_revision: 001\n-- migrate:upgrade\nSELECT 22;\n";
	const std::string added = "-- revision: 003\n-- down_revision: 002\n-- migrate:upgrade\nSELECT 3;\n";
	FakeDatabase db;
	Revision one = rev("001"), two = rev("002", {"001"});
	one.checksum = migration_checksum(same);
	db.revisions = {one, two};
	Runner runner(db);
	auto ids = runner.add_all({{same, "1.sql"}, {changed, "2.sql"}, {added, "3.sql"}});
	EXPECT_EQ(ids, (std::vector<std::string>{"001", "002", "003"}));
	std::size_t inserts = 0;
	for (const auto &c : db.calls)
		if (starts_with(c, "query: INSERT INTO migrate.revisions"))
			++inserts;
	EXPECT_EQ(inserts, 1u);
	ASSERT_EQ(db.upsert_params.size(), state::revision_param_count); // a column array each
	EXPECT_EQ(db.upsert_params[0], R"({"002","003"})") << "not 001, which is unchanged";
	EXPECT_EQ(db.upsert_params[15], state::text_array_literal({changed, added})) << "the files' content";
	// Its text does not depend on the number of rows: a host keeps its plan.
	EXPECT_EQ(std::count(db.kept.begin(), db.kept.end(), state::revision_upsert_many_sql()), 1);
	EXPECT_LT(db.index_of("query: " + std::string(state::lock_sql)),
	          db.index_of("query: INSERT INTO migrate.revisions"));
}

TEST(Runner, AddAllRefusesToChangeAnAppliedRevision) {
	FakeDatabase db;
	db.revisions = {rev("001")};
	db.version = {"001"};
	Runner runner(db);
	const std::string content = "-- revision: 001\n-- down_revision: none\n-- migrate:upgrade\nSELECT 2;\n";
	try {
		runner.add_all({{"-- revision: 002\n-- down_revision: 001\n-- migrate:upgrade\nSELECT 1;\n", "2.sql"},
		                {content, "x.sql"}});
		FAIL() << "expected an error";
	} catch (const Error &e) {
		EXPECT_EQ(e.sqlstate(), "55000");
		EXPECT_STREQ(e.what(), "revision 001 has changed since it was applied");
		EXPECT_NE(e.detail().find(migration_checksum(content)), std::string::npos);
		EXPECT_NE(e.detail().find("(file x.sql)"), std::string::npos);
	}
	EXPECT_FALSE(db.has("query: INSERT INTO migrate.revisions"));
}

TEST(Runner, AddAllOfNothingNewWritesNothing) {
	const std::string content =
	    "-- revision: 001\n-- down_revision: none\n-- message: m\n-- migrate:upgrade\nSELECT 1;\n";
	FakeDatabase db;
	Revision stored = rev("001");
	stored.checksum = migration_checksum(content);
	db.revisions = {stored};
	Runner runner(db);
	EXPECT_EQ(runner.add_all({{content, "x.sql"}}), std::vector<std::string>{"001"});
	EXPECT_FALSE(db.has("query: INSERT INTO migrate.revisions"));
	EXPECT_TRUE(Runner(db).add_all({}).empty());
}

TEST(Runner, StampWritesOnlyTheDifference) {
	FakeDatabase db;
	db.revisions = {rev("001"), rev("002", {"001"})};
	db.version = {"001"};
	Runner runner(db);
	runner.stamp({"head"}, false);
	EXPECT_TRUE(db.has("query: DELETE FROM migrate.version"));
	EXPECT_TRUE(db.has("query: INSERT INTO migrate.version (revision) VALUES ('002')"));
	EXPECT_FALSE(db.has("run:"));

	FakeDatabase same;
	same.revisions = db.revisions;
	same.version = {"002"};
	Runner again(same);
	again.stamp({"002"}, false);
	EXPECT_FALSE(same.has("query: INSERT INTO migrate.log")) << "stamping the current version changes nothing";
}

TEST(Runner, EachNoticeCountsItsStepOfThePlan) {
	FakeDatabase db;
	db.revisions = {rev("001"), rev("002", {"001"}), rev("003", {"002"})};
	db.version = {"001"};
	Runner(db).upgrade("head");
	EXPECT_EQ(db.counts, (std::vector<std::pair<std::size_t, std::size_t>>{{1, 2}, {2, 2}}));
}

TEST(Runner, ScriptReadsOnlyThePlannedRevisionsSql) {
	FakeDatabase db;
	db.revisions = {rev("001"), rev("002", {"001"}), rev("003", {"002"})};
	db.version = {"002"};
	std::string sql = Runner(db).script("upgrade", "head");
	EXPECT_NE(sql.find("CREATE TABLE t_003"), std::string::npos) << sql;
	EXPECT_EQ(sql.find("CREATE TABLE t_002"), std::string::npos) << sql;
	EXPECT_TRUE(db.has("sections of: 003"));
	for (const auto &call : db.calls)
		EXPECT_FALSE(starts_with(call, "query: SELECT revision, pg_catalog.array_to_string") &&
		             call.find("upgrade_sql") != std::string::npos)
		    << "the graph is read without its SQL: " << call;
}

// Lock-safe apply (lock_retry.hpp): a lock timeout undoes the whole attempt and tries again.
TEST(Runner, LockTimeoutUndoesTheAttemptAndRetriesIt) {
	FakeDatabase db;
	db.revisions = {rev("001"), rev("002", {"001"})};
	db.revisions[1].upgrade.sql = "ALTER TABLE LOCKED ADD c int";
	db.policy = {"500ms", 3};
	db.lock_timeouts = 2;
	db.blocker_rows = {{"4242", "web", "idle in transaction", "41", "SELECT 1", "AccessShareLock", "public.agents"}};
	auto steps = Runner(db).upgrade("head");
	ASSERT_EQ(steps.size(), 2u);
	auto count = [&](std::string_view prefix) {
		return std::count_if(db.calls.begin(), db.calls.end(), [&](const auto &c) { return starts_with(c, prefix); });
	};
	// One savepoint per attempt around the whole plan, two of them undone; each step recorded once.
	EXPECT_EQ(count("query: SAVEPOINT migrate_attempt"), 3);
	EXPECT_EQ(count("query: ROLLBACK TO SAVEPOINT migrate_attempt"), 2);
	EXPECT_EQ(count("query: RELEASE SAVEPOINT migrate_attempt"), 3);
	EXPECT_EQ(std::count_if(db.calls.begin(), db.calls.end(),
	                        [](const auto &c) {
		                        return !starts_with(c, "record:") && c.find("ALTER TABLE LOCKED") != std::string::npos;
	                        }),
	          3);
	// 001 recorded in each attempt (the first two undone with it), 002 in the last only, with the
	// two waits that undid the attempts before (the audit log's lock_waits); 001 waited for nothing.
	EXPECT_EQ(count("record:  001 001 upgrade"), 3);
	EXPECT_EQ(std::count_if(db.calls.begin(), db.calls.end(),
	                        [](const auto &c) {
		                        return starts_with(c, "record:  001 001 upgrade") && c.ends_with(" NULL NULL NULL");
	                        }),
	          3);
	ASSERT_EQ(count("record: 001 002 002 upgrade 001"), 1);
	const std::string &recorded = *std::find_if(db.calls.begin(), db.calls.end(), [](const auto &c) {
		return starts_with(c, "record: 001 002 002 upgrade 001");
	});
	EXPECT_NE(recorded.find(R"([{"attempt":1,"blockers":[)"), std::string::npos) << recorded;
	EXPECT_NE(recorded.find(R"({"attempt":2,"blockers":[)"), std::string::npos) << recorded;
	EXPECT_EQ(recorded.find(R"("attempt":3)"), std::string::npos) << recorded;
	EXPECT_NE(recorded.find(R"("lock_timeout":"500ms")"), std::string::npos) << recorded;
	EXPECT_NE(recorded.find(R"("statement":"ALTER TABLE LOCKED ADD c int")"), std::string::npos) << recorded;
	EXPECT_NE(recorded.find(R"({"application_name":"web","mode":"AccessShareLock","pid":4242,"query":"SELECT 1",)"
	                        R"("relation":"public.agents","state":"idle in transaction","state_for_s":41})"),
	          std::string::npos)
	    << recorded;
	ASSERT_EQ(db.pauses.size(), 2u);
	ASSERT_EQ(db.reports.size(), 2u);
	EXPECT_NE(db.reports[0].find("waiting for a lock (lock_timeout 500ms, try 1 of 4)"), std::string::npos)
	    << db.reports[0];
	// The lock is taken once, before the first attempt, and kept through the retries.
	EXPECT_EQ(count("query: " + std::string(state::lock_sql)), 1);
}

TEST(Runner, LockTimeoutAfterTheLastRetryFailsNamingWhatWasTried) {
	FakeDatabase db;
	db.revisions = {rev("001")};
	db.revisions[0].upgrade.sql = "ALTER TABLE LOCKED ADD c int";
	db.policy = {"200ms", 1};
	db.lock_timeouts = 5;
	try {
		Runner(db).upgrade("head");
		ADD_FAILURE() << "no error";
	} catch (const Error &e) {
		EXPECT_EQ(e.sqlstate(), sqlstate::lock_not_available);
		EXPECT_NE(e.detail().find("Tried 2 times, each waiting up to lock_timeout 200ms."), std::string::npos)
		    << e.detail();
		EXPECT_NE(e.detail().find("Blocked by: no session holds a lock on it now"), std::string::npos) << e.detail();
		EXPECT_NE(e.hint().find("Nothing was applied"), std::string::npos);
	}
	EXPECT_EQ(db.pauses.size(), 1u);
	EXPECT_EQ(std::count(db.calls.begin(), db.calls.end(), "query: ROLLBACK TO SAVEPOINT migrate_attempt"), 2);
}

TEST(Runner, OtherErrorsAndTransactionalFalsePlansAreNotRetried) {
	FakeDatabase db;
	db.revisions = {rev("001")};
	db.revisions[0].upgrade.sql = "CREATE TABLE FAIL (id int)";
	db.policy = {"500ms", 5};
	EXPECT_EQ(error_sqlstate([&] { Runner(db).upgrade("head"); }), "42P01");
	EXPECT_TRUE(db.pauses.empty());

	FakeDatabase nontx;
	nontx.runs_non_transactional = true;
	nontx.revisions = {rev("001")};
	nontx.revisions[0].transactional = false;
	nontx.revisions[0].upgrade.sql = "CREATE INDEX CONCURRENTLY LOCKED ON t (c)";
	nontx.policy = {"500ms", 5};
	nontx.lock_timeouts = 1;
	EXPECT_EQ(error_sqlstate([&] { Runner(nontx).upgrade("head"); }), sqlstate::lock_not_available);
	EXPECT_TRUE(nontx.pauses.empty());
	EXPECT_FALSE(nontx.has("query: SAVEPOINT"));
}

TEST(LockRetry, BackoffDoublesFromHalfASecondToThirtyWithJitter) {
	EXPECT_DOUBLE_EQ(backoff_seconds(0, 0.5), 0.5);
	EXPECT_DOUBLE_EQ(backoff_seconds(0, 0.0), 0.375);
	EXPECT_DOUBLE_EQ(backoff_seconds(0, 1.0), 0.625);
	EXPECT_DOUBLE_EQ(backoff_seconds(3, 0.5), 4.0);
	EXPECT_DOUBLE_EQ(backoff_seconds(6, 0.5), 30.0);
	EXPECT_DOUBLE_EQ(backoff_seconds(100, 1.0), 37.5);
}

TEST(LockRetry, TheRevisionsHeaderOverridesTheDefault) {
	Revision r = rev("001");
	LockPolicy policy{"500ms", 10};
	EXPECT_EQ(effective_lock_timeout(r, policy), "500ms");
	r.lock_timeout = "5s";
	EXPECT_EQ(effective_lock_timeout(r, policy), "5s");
	// CREATE INDEX CONCURRENTLY waits for older transactions without blocking anyone: no default.
	r.transactional = false;
	EXPECT_EQ(effective_lock_timeout(r, policy), "5s");
	r.lock_timeout.clear();
	EXPECT_EQ(effective_lock_timeout(r, policy), "");
}

// Complexity pinned by counting, not timing (issue 15).

namespace {

std::vector<Revision>
linear_history(std::size_t n) {
	std::vector<Revision> revs;
	auto id = [](std::size_t i) { return fmt::format("{:05}", i); };
	for (std::size_t i = 1; i <= n; ++i)
		revs.push_back(i == 1 ? rev(id(i)) : rev(id(i), {id(i - 1)}));
	return revs;
}

} // namespace

TEST(RunnerComplexity, PerRevisionRunsPlanNothingNewPerStep) {
	// Every step of a per-revision run sends the same statements with kept plans: what is planned
	// afresh (loading the graph, once) does not grow with the number of steps, and the calls per
	// step are the same at any length.
	auto run = [](std::size_t n) {
		FakeDatabase db;
		db.records_versions = true;
		db.revisions = linear_history(n);
		EXPECT_EQ(Runner(db).upgrade_per_revision("head").size(), n);
		EXPECT_EQ(db.commits, n);
		return std::pair(db.planned, db.calls.size());
	};
	auto [planned10, calls10] = run(10);
	auto [planned20, calls20] = run(20);
	auto [planned40, calls40] = run(40);
	EXPECT_EQ(planned10, planned40);
	EXPECT_EQ(planned20, planned40);
	EXPECT_EQ(calls40 - calls20, 2 * (calls20 - calls10)) << "calls grow linearly with the steps";
}

TEST(RunnerComplexity, UploadingFilesChecksTheStoredGraphOnce) {
	// migrate_add_all (and client mode's upload): one read of the stored graph for any number of
	// files, where one migrate_add per file looked for revisions naming each of them.
	auto run = [](std::size_t n) {
		FakeDatabase db;
		std::vector<std::string> texts;
		for (std::size_t i = 1; i <= n; ++i)
			texts.push_back(fmt::format("-- revision: {:05}\n-- down_revision: {}\n-- migrate:upgrade\nSELECT 1;\n", i,
			                            i == 1 ? std::string("none") : fmt::format("{:05}", i - 1)));
		std::vector<Runner::Upload> files;
		for (const auto &t : texts)
			files.push_back({t, "f.sql"});
		Runner(db).add_all(files);
		std::size_t graph_reads = 0;
		for (const auto &c : db.calls)
			graph_reads += starts_with(c, "query: SELECT revision, pg_catalog.array_to_string");
		EXPECT_EQ(graph_reads, 1u) << n << " files";
		return db.calls.size();
	};
	EXPECT_EQ(run(5), run(50)) << "the same queries for 5 files as for 50";
}

namespace {

// A host that lints: its "parser" knows two statements, its policy is set by the test.
class LintingDatabase : public FakeDatabase {
public:
	lint::Policy lint = lint::Policy::warn;
	int parsed = 0;
	lint::Policy lint_policy() const override { return lint; }
	std::vector<lint::Statement> lint_statements(std::string_view sql, const StatementContext &) override {
		++parsed;
		std::vector<lint::Statement> out;
		lint::Statement s;
		s.relation = "t";
		if (sql.find("CREATE TABLE t") != std::string_view::npos)
			s.kind = lint::Statement::Kind::create_table;
		else if (sql.find("CREATE INDEX") != std::string_view::npos)
			s.kind = lint::Statement::Kind::create_index;
		out.push_back(s);
		return out;
	}
};

LintingDatabase
index_plan(lint::Policy policy, bool create_first) {
	LintingDatabase db;
	db.lint = policy;
	db.revisions = {rev("001"), rev("002", {"001"})};
	db.revisions[0].upgrade.sql = create_first ? "CREATE TABLE t (a text)" : "SELECT 1";
	db.revisions[1].upgrade.sql = "CREATE INDEX i ON t (a)";
	db.revisions[1].filename = "002_index.sql";
	return db;
}

} // namespace

TEST(RunnerLint, WarnReportsAndRuns) {
	LintingDatabase db = index_plan(lint::Policy::warn, false);
	Runner runner(db);
	EXPECT_EQ(runner.upgrade("head").size(), 2u);
	ASSERT_EQ(db.reports.size(), 1u);
	EXPECT_TRUE(
	    starts_with(db.reports[0], "lint: revision 002: 002_index.sql:5: warning[require-concurrent-index-creation]"))
	    << db.reports[0];
	EXPECT_EQ(db.parsed, 2); // once per section
}

TEST(RunnerLint, ErrorRefusesBeforeAnythingRuns) {
	LintingDatabase db = index_plan(lint::Policy::error, false);
	Runner runner(db);
	try {
		runner.upgrade("head");
		ADD_FAILURE() << "no error";
	} catch (const Error &e) {
		EXPECT_EQ(e.sqlstate(), "55000");
		EXPECT_EQ(std::string(e.what()), "revision 002 does not pass lint (migrate.lint = error); nothing was run");
		EXPECT_NE(e.detail().find("002_index.sql:5: warning[require-concurrent-index-creation]"), std::string::npos);
		EXPECT_NE(e.hint().find("-- migrate:allow RULE: reason"), std::string::npos);
	}
	EXPECT_FALSE(db.has("run:"));
}

TEST(RunnerLint, TableCreatedEarlierInThePlanPasses) {
	LintingDatabase db = index_plan(lint::Policy::error, true);
	Runner runner(db);
	EXPECT_EQ(runner.upgrade("head").size(), 2u);
	EXPECT_TRUE(db.reports.empty());
}

TEST(RunnerLint, OffLintsNothing) {
	LintingDatabase db = index_plan(lint::Policy::off, false);
	Runner runner(db);
	EXPECT_EQ(runner.upgrade("head").size(), 2u);
	EXPECT_EQ(db.parsed, 0);
}

TEST(RunnerLint, PerRevisionRunLintsThePlanBeforeItsFirstCommit) {
	LintingDatabase db = index_plan(lint::Policy::error, false);
	Runner runner(db);
	EXPECT_EQ(error_sqlstate([&] { runner.upgrade_per_revision("head"); }), "55000");
	EXPECT_FALSE(db.has("run:"));
	EXPECT_EQ(db.commits, 0u);
}
