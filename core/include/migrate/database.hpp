// The small interface the runner needs from its host: the extension implements it over SPI,
// the client over libpq. Nothing here knows which one it is talking to.
#pragma once

#include "migrate/lint.hpp"
#include "migrate/migration_file.hpp"
#include "migrate/plan.hpp"
#include "migrate/target.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrate {

struct LockPolicy;    // lock_retry.hpp
struct RelationState; // lock_trace.hpp

using Value = std::optional<std::string>; // a text value; nullopt is SQL NULL
using Row = std::vector<Value>;

// Where a statement of a migration comes from, for error context and progress.
struct StatementContext {
	std::string revision;
	Direction direction = Direction::upgrade;
	std::string section; // "upgrade", "downgrade" or "verify"
	std::string filename;
	int line = 0; // 1-based line of the statement's first character in the file
};

// "revision 003 (upgrade), file 20260223_1800_003_x.sql, line 12": how both hosts name a statement.
std::string describe(const StatementContext &ctx, int extra_lines = 0);

// A statement inside a section body: byte offset and length.
struct StatementSpan {
	std::size_t offset = 0;
	std::size_t length = 0;
};

// The context of the statement at byte `offset` of a section's `sql`: `section` with the line
// of that offset.
StatementContext statement_context(std::string_view sql, std::size_t offset, const StatementContext &section);

// statement_context for the statements of one section in order, counting each byte once: a section
// of N statements costs O(size), where a statement_context per statement would cost O(N x size).
class StatementLines {
public:
	StatementLines(std::string_view sql, const StatementContext &section) : sql_(sql), at_(section) {}
	// The context at `offset`, which must not be before the previous one's.
	StatementContext at(std::size_t offset);
	std::size_t bytes_counted() const noexcept { return counted_; }

private:
	std::string_view sql_;
	StatementContext at_;
	std::size_t counted_ = 0; // newlines of sql_[0, counted_) are in at_.line
};

// What the audit log keeps of a step besides its rows and time (0.5.0): the lock waits its
// attempts timed out on (lock_waits_json), and its lock trace (lock_trace.hpp). Empty: NULL.
struct StepTrace {
	std::string lock_waits; // jsonb text
	std::string locks;      // jsonb text: {"public.agents": "AccessExclusiveLock", ...}
	std::vector<std::string> rewritten;
};

class Database {
public:
	virtual ~Database() = default;

	// Runs engine-written SQL (fully qualified, parameters as $1, $2... text values) and
	// returns every row as text. Throws migrate::Error with the server's SQLSTATE on failure.
	virtual std::vector<Row> query(std::string_view sql, const std::vector<Value> &params = {}) = 0;

	// query() for a statement whose text never changes and that the runner sends again and again
	// (the bookkeeping after each step, the lock, each upload): a host may plan it once and keep
	// the plan.
	virtual std::vector<Row> query_repeated(std::string_view sql, const std::vector<Value> &params) {
		return query(sql, params);
	}

	// query() for engine-written SQL that resolves names the user's SQL wrote (lint's catalog
	// lookups): with the search_path the migration's statements run with. By default query().
	virtual std::vector<Row> query_as_caller(std::string_view sql, const std::vector<Value> &params) {
		return query(sql, params);
	}

	// Runs engine-written statements without parameters or results (a stamp's version and log
	// rows), in order. By default one query each; a host may send them together.
	virtual void execute(const std::vector<std::string> &statements);

	// Statement boundaries of user SQL, found by PostgreSQL's own parser. A syntax error or an
	// unsupported statement (COPY ... FROM stdin) throws, naming `where` (the section's start).
	virtual std::vector<StatementSpan> split(std::string_view sql, const StatementContext &where) = 0;

	// Runs one user statement; an error carries `ctx` as context. Returns the first column of the
	// first row when the statement returned rows (the verify section's verdict), else nullopt.
	virtual std::optional<Value> run_statement(std::string_view sql, const StatementContext &ctx) = 0;

	// Runs the statements `spans` of one section (`sql`; `section` names it, with the section's
	// first line) in order and returns what run_statement returned for the last one. By default
	// one run_statement each, its context naming the statement's line; a host may send them
	// together (the client: one round trip per section) if its errors name the same statement.
	virtual std::optional<Value> run_statements(std::string_view sql, const std::vector<StatementSpan> &spans,
	                                            const StatementContext &section);

	// A revision's scope: user SQL runs with the caller's search_path and, when the revision sets
	// one, its lock_timeout; end_revision restores what begin_revision changed.
	virtual void begin_revision(const Revision &revision) = 0;
	virtual void end_revision() = 0;

	// The migration lock for the rest of the transaction (state::lock_sql; with `nowait`, 55P03
	// at once when another session holds it), refused with 55P03 while another live session holds
	// it across commits (state::lock_holder_sql).
	virtual void lock_state(bool nowait);

	// Keeps other migrators out across the commits around `revision`, a transactional: false
	// revision about to run outside a transaction (state::hold_lock_sql), until record_step
	// records it or this session ends.
	virtual void hold_lock(std::string_view revision);

	// Records a step that ran: its version rows and its log row (state::record_sql), and for a
	// transactional: false revision the end of hold_lock.
	//
	// These three write the state. A host whose role may not (a client over the extension's
	// tables) asks the extension to, which does them as the state's owner.
	virtual void record_step(const RevisionGraph &graph, const Step &step, double duration_ms, const StepTrace &trace);
	// After the runner changed the stored revisions: migrate.summary anew (state::summary_refresh_sql),
	// where the extension keeps one.
	void refresh_summary();

	// Progress: one message per step ("Running upgrade 001 -> 002, msg"), step `step` (1-based) of
	// the `steps` the plan has (a client's [k/N] counter comes from here, not from planning twice).
	virtual void notice(std::string_view message, std::size_t step, std::size_t steps) = 0;

	// False inside a function (the extension): `transactional: false` revisions cannot run there.
	virtual bool can_run_non_transactional() const = 0;

	// Commits and starts a new transaction (one commit per revision). Only hosts that can, can:
	// a procedure CALLed outside a transaction block, or a client connection.
	virtual void commit();

	// Lock-safe apply (lock_retry.hpp). An attempt that a lock timeout may undo without ending the
	// transaction or giving up the migration lock: by default a savepoint; the extension uses a
	// subtransaction. end_attempt(false) undoes everything since begin_attempt.
	virtual void begin_attempt();
	// Whether this host commits between the revisions of one run (a client's per-revision run):
	// then each revision is an attempt of its own.
	virtual bool commits_each_revision() const { return false; }
	virtual void end_attempt(bool keep);
	// The lock_timeout and retries this host applies (none by default).
	virtual LockPolicy lock_policy() const;
	// The tables, views and sequences `statement` names, as written ("public.agents", "agents"),
	// found by the host's parser: whose locks it may wait for. None by default.
	virtual std::vector<std::string> relations_of(std::string_view statement);
	// Lock trace (lock_trace.hpp): the relations `names` (as written; those that do not exist are
	// left out) as the catalog has them (relation_states_sql); then, after the step, the same
	// relations by oid with this session's strongest lock on each and their storage now (by
	// default held_locks_sql).
	std::vector<RelationState> relation_states(const std::vector<std::string> &names);
	virtual std::vector<RelationState> held_locks(const std::vector<RelationState> &before);
	// Lint (lint.hpp): the statements of a section in the neutral model, parsed by the host's
	// parser; and the `migrate.lint` policy this host applies (off by default).
	virtual std::vector<lint::Statement> lint_statements(std::string_view sql, const StatementContext &where);
	virtual lint::Policy lint_policy() const;
	// A message about the run that is not a step (a lock wait), and a pause (interruptible).
	virtual void report(std::string_view message);
	virtual void pause(double seconds);

private:
	std::optional<bool> log_traced_; // record_step: whether migrate.log has 0.5.0's columns
	std::optional<bool> summary_;    // refresh_summary: whether the extension keeps migrate.summary (0.6.0)
};

} // namespace migrate
