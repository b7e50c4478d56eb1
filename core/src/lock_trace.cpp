// The lock trace of a step (see lock_trace.hpp).
#include "migrate/lock_trace.hpp"

#include "migrate/sql_text.hpp"
#include "migrate/state.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace migrate {

const std::string_view relation_states_sql =
    "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), c.oid, c.relfilenode "
    "FROM (SELECT DISTINCT pg_catalog.to_regclass(x) AS r FROM pg_catalog.unnest($1::pg_catalog.text[]) AS x) AS x "
    "JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) x.r "
    "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
    "ORDER BY 1";

// pg_locks copies the whole server's lock table: read once per call (MATERIALIZED), not per oid.
const std::string_view held_locks_sql =
    "WITH mine AS MATERIALIZED (SELECT l.relation, l.mode FROM pg_catalog.pg_locks l "
    "WHERE l.locktype OPERATOR(pg_catalog.=) 'relation' AND l.granted "
    "AND l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()) "
    "SELECT c.relfilenode, (SELECT m.mode FROM mine m WHERE m.relation OPERATOR(pg_catalog.=) x.o ORDER BY "
    "pg_catalog.array_position('{AccessExclusiveLock,ExclusiveLock,ShareRowExclusiveLock,ShareLock,"
    "ShareUpdateExclusiveLock,RowExclusiveLock,RowShareLock,AccessShareLock}'::pg_catalog.text[], m.mode) LIMIT 1) "
    "FROM pg_catalog.unnest($1::pg_catalog.text[]::pg_catalog.oid[]) WITH ORDINALITY AS x(o, k) "
    "LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) x.o "
    "ORDER BY x.k";

bool
traced_statement(std::string_view statement) {
	const std::size_t at = skip_blank(statement, 0, statement.size());
	return at < statement.size() && std::isalpha(static_cast<unsigned char>(statement[at])) &&
	       !is_row_statement(statement);
}

StepTracer::StepTracer(Database &db, std::string_view sql, const std::vector<StatementSpan> &spans) : db_(db) {
	for (const StatementSpan &span : spans) {
		const std::string_view statement = sql.substr(span.offset, span.length);
		if (!traced_statement(statement))
			continue;
		for (std::string &name : db_.relations_of(statement))
			if (std::find(names_.begin(), names_.end(), name) == names_.end())
				names_.push_back(std::move(name));
	}
	if (!names_.empty())
		before_ = db_.relation_states(names_);
}

void
StepTracer::finish(StepTrace &trace) {
	if (before_.empty())
		return;
	nlohmann::json locks = nlohmann::json::object();
	const std::vector<RelationState> after = db_.held_locks(before_);
	for (std::size_t i = 0; i < after.size(); ++i) {
		const RelationState &now = after[i];
		if (!now.mode.empty())
			locks[now.name] = now.mode;
		// A dropped relation has no storage now; one without storage of its own (a view) keeps 0.
		if (!now.filenode.empty() && now.filenode != before_[i].filenode)
			trace.rewritten.push_back(now.name);
	}
	if (!locks.empty())
		trace.locks = locks.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace migrate
