// The engine's Database over libpq: what lets the client run a plan itself, for revisions marked
// `transactional: false` (CREATE INDEX CONCURRENTLY and friends cannot run inside a function) and
// for every plan in client mode (--no-extension).
//
// Transactions: the caller opens one (begin()); the engine takes the migration lock in it. A
// `transactional: false` revision holds the lock across commits (Database::hold_lock), commits
// what came before it, runs its statements one by one outside any transaction block, then opens
// a new transaction, under the lock again, for its version and log rows, which commits before the
// next revision starts (or at the caller's commit()). With `per_revision`, every revision commits
// before the next one starts, and the next takes the lock again.
#pragma once

#include "connection.hpp"
#include "migrate/database.hpp"
#include "migrate/lock_retry.hpp"

#include <functional>
#include <string>

namespace pgmigrate {

struct Host;

class LibpqDatabase : public migrate::Database {
public:
	LibpqDatabase(Connection &conn, bool per_revision) : conn_(conn), per_revision_(per_revision) {}

	void begin();
	void commit();
	void rollback() noexcept;

	// Over the extension's tables: take the lock, hold it and record each step through the
	// extension's functions (migrate_lock, migrate_hold_lock, migrate_record), which do it as the
	// extension's owner, instead of as this role (which needs no right on the state then).
	void through_extension(const Host &host);
	void lock_state(bool nowait) override;
	void hold_lock(std::string_view revision) override;
	void record_step(const migrate::RevisionGraph &graph, const migrate::Step &step, double duration_ms,
	                 const migrate::StepTrace &trace) override;

	// Progress messages (`Running upgrade ...`, step k of N) go here.
	using NoticeFn = std::function<void(std::string_view, std::size_t step, std::size_t steps)>;
	void on_notice(NoticeFn f) { notice_ = std::move(f); }

	std::vector<migrate::Row> query(std::string_view sql, const std::vector<migrate::Value> &params = {}) override;
	// One simple-query message for all of them: one round trip for a step's version and log rows.
	void execute(const std::vector<std::string> &statements) override;
	std::vector<migrate::StatementSpan> split(std::string_view sql, const migrate::StatementContext &where) override;
	std::optional<migrate::Value> run_statement(std::string_view sql, const migrate::StatementContext &ctx) override;
	// A transactional revision's section goes to the server as one simple-query message (one round
	// trip, not one per statement); an error names the statement and line run_statement would have
	// named: the results before it count the statements that completed, and its position, which is
	// into the whole message, gives the line. `transactional: false` sections run one by one, and
	// so does every section on a Citus server (see on_citus).
	std::optional<migrate::Value> run_statements(std::string_view sql, const std::vector<migrate::StatementSpan> &spans,
	                                             const migrate::StatementContext &section) override;
	void begin_revision(const migrate::Revision &revision) override;
	void end_revision() override;
	void notice(std::string_view message, std::size_t step, std::size_t steps) override;
	bool can_run_non_transactional() const override { return true; }
	bool commits_each_revision() const override { return per_revision_; }

	// Lock-safe apply (migrate/lock_retry.hpp): attempts are savepoints (after the commit a
	// per-revision run owes), the policy is the session's migrate.lock_timeout and
	// migrate.lock_retries (read once; defaults when unset), relations come from libpg_query.
	void begin_attempt() override;
	void end_attempt(bool keep) override;
	migrate::LockPolicy lock_policy() const override;
	std::vector<std::string> relations_of(std::string_view statement) override;
	// Lint: statements from libpg_query (lint_parse.hpp); the policy is the session's migrate.lint
	// (read once; `warn` when unset).
	std::vector<migrate::lint::Statement> lint_statements(std::string_view sql,
	                                                      const migrate::StatementContext &where) override;
	migrate::lint::Policy lint_policy() const override;
	void report(std::string_view message) override;
	void pause(double seconds) override;

private:
	void new_transaction();
	// Whether the server runs Citus (asked once). Citus sends some DDL, CREATE INDEX among them, to
	// its workers as the whole query string it arrived in, and a worker refuses several statements
	// there ("cannot insert multiple commands into a prepared statement"), so a section that is one
	// message fails on Citus. tests/e2e/test_citus.sh.
	bool on_citus();

	Connection &conn_;
	bool per_revision_;
	bool in_tx_ = false;
	bool commit_before_next_ = false;
	bool non_transactional_ = false;
	bool lock_timeout_set_ = false;
	std::string saved_lock_timeout_;
	std::optional<bool> citus_;
	std::string revision_;
	int statements_done_ = 0;
	NoticeFn notice_;
	mutable std::optional<migrate::LockPolicy> policy_;
	mutable std::optional<migrate::lint::Policy> lint_policy_;
	std::string lock_fn_, hold_fn_, record_fn_; // empty: write the state as this role
	bool record_traced_ = false;                // record_fn_ takes the step's trace (0.5.0)
};

// The session's `migrate.lint` (`warn` when unset); an invalid value is an error naming the setting.
migrate::lint::Policy session_lint_policy(Connection &conn);

// Whether a statement is transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, PREPARE
// TRANSACTION...): its first keyword says so, as in PostgreSQL's grammar. A migration runs inside
// the migrator's transaction, so the client refuses these as the extension does.
bool is_transaction_control(std::string_view statement);

// PostgreSQL's own parser (libpg_query) cutting SQL into statements: byte offset and length of
// each, comments and blanks before a statement skipped. Throws migrate::Error on a syntax error.
// A section longer than `piece_bytes` is parsed in pieces of about that size, so memory does not
// grow with the section.
std::vector<migrate::StatementSpan> split_statements(std::string_view sql, const migrate::StatementContext &where,
                                                     std::size_t piece_bytes = std::size_t{1} << 20);

// The relations a statement names (every RangeVar of its parse tree), as written: "agents",
// "public.agents" (quoted where needed). None when it does not parse.
std::vector<std::string> statement_relations(std::string_view statement);

} // namespace pgmigrate
