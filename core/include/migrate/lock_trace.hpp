// Lock trace: what each applied step did to the relations its schema changes name, for the audit
// log (migrate.log.locks and .rewritten, shown by `pgmigrate show` and `history --verbose`): the
// strongest lock the step's transaction holds on each when the step ends, and the ones whose
// storage was replaced (a new relfilenode: a rewrite, or a TRUNCATE).
//
// Only schema changes are traced (an INSERT's ROW EXCLUSIVE blocks no reader, and a seed of 40,000
// of them would be parsed twice): the relations come from the host's parser, their states from
// the catalog before and after the step. The extension asks its own lock table (LockHeldByMe); a
// client reads pg_locks, which copies the whole server's lock table, so a one-transaction plan of
// thousands of revisions pays for it in client mode (migrate.lock_trace = off turns it off).
#pragma once

#include "migrate/database.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace migrate {

inline constexpr const char *lock_trace_setting = "migrate.lock_trace";

// One relation as the catalog has it now.
struct RelationState {
	std::string name; // schema-qualified, quoted where needed
	std::string oid;
	std::string filenode; // pg_class.relfilenode ("0": no storage of its own)
	std::string mode;     // after the step: the strongest lock this session holds on it, or ""
};

// The default ways to read them, in SQL (client mode). Before a step: $1 the names (text[]) as
// written, resolved with the session's search_path (those that resolve to nothing left out).
// After: for each of the oids $1 (text[]), in order, its relfilenode now (NULL: dropped) and the
// strongest lock this session holds on it (NULL: none).
extern const std::string_view relation_states_sql;
extern const std::string_view held_locks_sql;

// Whether `statement` is traced: a schema change rather than a query or DML.
bool traced_statement(std::string_view statement);

// The trace of one step: construct before it runs (reads the states of the relations its traced
// statements name that exist then), finish() after. Relations the step creates are left out:
// nobody else can see them until it commits.
class StepTracer {
public:
	StepTracer(Database &db, std::string_view sql, const std::vector<StatementSpan> &spans);
	// `trace` gets the locks (jsonb text: {"public.agents": "AccessExclusiveLock"}) and rewritten.
	void finish(StepTrace &trace);

private:
	Database &db_;
	std::vector<std::string> names_;
	std::vector<RelationState> before_;
};

} // namespace migrate
