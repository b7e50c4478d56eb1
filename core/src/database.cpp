// How both hosts name the statement of a migration an error or a notice is about.
#include "migrate/database.hpp"

#include "migrate/error.hpp"
#include "migrate/lock_retry.hpp"
#include "migrate/lock_trace.hpp"
#include "migrate/sql_text.hpp"
#include "migrate/state.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace migrate {

std::string
describe(const StatementContext &ctx, int extra_lines) {
	const char *direction = ctx.direction == Direction::upgrade ? "upgrade" : "downgrade";
	std::string where = ctx.section == "verify" ? std::string("verify") : std::string(direction);
	if (ctx.filename.empty())
		return fmt::format("revision {} ({}), line {}", ctx.revision, where, ctx.line + extra_lines);
	return fmt::format("revision {} ({}), file {}, line {}", ctx.revision, where, ctx.filename, ctx.line + extra_lines);
}

StatementContext
statement_context(std::string_view sql, std::size_t offset, const StatementContext &section) {
	StatementContext at = section;
	at.line = section.line +
	          static_cast<int>(std::count(sql.begin(), sql.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
	return at;
}

StatementContext
StatementLines::at(std::size_t offset) {
	offset = std::min(offset, sql_.size());
	if (offset > counted_) {
		at_.line += static_cast<int>(std::count(sql_.begin() + static_cast<std::ptrdiff_t>(counted_),
		                                        sql_.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
		counted_ = offset;
	}
	return at_;
}

void
Database::execute(const std::vector<std::string> &statements) {
	for (const auto &sql : statements)
		query(sql);
}

std::optional<Value>
Database::run_statements(std::string_view sql, const std::vector<StatementSpan> &spans,
                         const StatementContext &section) {
	std::optional<Value> last;
	StatementLines lines(sql, section);
	for (const StatementSpan &span : spans) {
		std::size_t end = span.offset + span.length;
		std::size_t start = skip_blank(sql, span.offset, end);
		if (start >= end)
			continue;
		last = run_statement(sql.substr(start, end - start), lines.at(start));
	}
	return last;
}

void
Database::lock_state(bool nowait) {
	query_repeated(nowait ? state::lock_nowait_sql : state::lock_sql, {});
	auto holder = query_repeated(state::lock_holder_sql, {});
	if (!holder.empty()) { // seen alive, maybe through this transaction's stale activity snapshot: look again
		query_repeated(state::fresh_activity_sql, {});
		holder = query_repeated(state::lock_holder_sql, {});
	}
	if (!holder.empty())
		throw state::lock_held_across_commits(holder[0].at(0).value_or("?"), holder[0].at(1).value_or("?"));
}

void
Database::hold_lock(std::string_view revision) {
	query(state::hold_lock_sql, {std::string(revision)});
}

void
Database::record_step(const RevisionGraph &graph, const Step &step, double duration_ms, const StepTrace &trace) {
	if (!log_traced_)
		log_traced_ = query(state::log_traced_sql) == std::vector<Row>{{"t"}};
	query_repeated(state::record_sql(*log_traced_),
	               state::record_params(graph, step, duration_ms, *log_traced_ ? &trace : nullptr));
	if (!graph[step.revision].transactional)
		query(state::release_lock_sql);
}

void
Database::refresh_summary() {
	if (!summary_)
		summary_ = query(state::summary_member_sql) == std::vector<Row>{{"t"}};
	if (*summary_)
		query(state::summary_refresh_sql());
}

void
Database::commit() {
	throw Error(sqlstate::invalid_transaction_state, "cannot commit between revisions here", {},
	            "Use one transaction for the whole plan, or call the per-revision procedure outside a transaction "
	            "block.");
}

void
Database::begin_attempt() {
	query_repeated("SAVEPOINT migrate_attempt", {});
}

void
Database::end_attempt(bool keep) {
	if (!keep)
		query_repeated("ROLLBACK TO SAVEPOINT migrate_attempt", {});
	query_repeated("RELEASE SAVEPOINT migrate_attempt", {});
}

LockPolicy
Database::lock_policy() const {
	return {};
}

std::vector<std::string>
Database::relations_of(std::string_view) {
	return {};
}

std::vector<RelationState>
Database::relation_states(const std::vector<std::string> &names) {
	const std::vector<std::string_view> views(names.begin(), names.end());
	std::vector<RelationState> states;
	for (const Row &r : query_repeated(relation_states_sql, {state::text_array_literal(views)}))
		states.push_back({r.at(0).value_or(""), r.at(1).value_or(""), r.at(2).value_or(""), {}});
	return states;
}

std::vector<RelationState>
Database::held_locks(const std::vector<RelationState> &before) {
	std::vector<std::string_view> oids;
	for (const RelationState &r : before)
		oids.push_back(r.oid);
	std::vector<RelationState> now = before;
	const std::vector<Row> rows = query_repeated(held_locks_sql, {state::text_array_literal(oids)});
	for (std::size_t i = 0; i < now.size() && i < rows.size(); ++i) {
		now[i].filenode = rows[i].at(0).value_or(""); // "": dropped by the step
		now[i].mode = rows[i].at(1).value_or("");
	}
	return now;
}

std::vector<lint::Statement>
Database::lint_statements(std::string_view, const StatementContext &) {
	return {};
}

lint::Policy
Database::lint_policy() const {
	return lint::Policy::off;
}

void
Database::report(std::string_view) {}

void
Database::pause(double seconds) {
	std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

} // namespace migrate
