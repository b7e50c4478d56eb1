// The engine's one exception type: a PostgreSQL-shaped error (SQLSTATE, message, detail, hint)
// that both hosts can report without translation.
#pragma once

// Every engine header includes this one. In the extension, postgres.h's macros (printf, snprintf,
// _) would reach the C++ headers included after it, so those come first (boundary.h).
#ifdef PG_VERSION_NUM
#error "include the engine's and every C++ header before postgres.h"
#endif

#include <stdexcept>
#include <string>

namespace migrate {

// SQLSTATEs the engine raises (PostgreSQL's standard codes, so clients can match on them).
namespace sqlstate {
inline constexpr const char *invalid_parameter_value = "22023";       // bad target, bad argument
inline constexpr const char *invalid_migration_file = "22P02";        // a file that does not parse
inline constexpr const char *undefined_object = "42704";              // unknown revision
inline constexpr const char *invalid_object_definition = "42P17";     // broken graph: cycle, unknown parent
inline constexpr const char *duplicate_object = "42710";              // duplicate revision or branch label
inline constexpr const char *not_in_prerequisite_state = "55000";     // not up to date, irreversible, changed checksum
inline constexpr const char *invalid_transaction_state = "25000";     // REPEATABLE READ, transactional: false
inline constexpr const char *lock_not_available = "55P03";            // another migration holds the lock
inline constexpr const char *feature_not_supported = "0A000";         // COPY FROM stdin
inline constexpr const char *check_violation = "23514";               // verify section returned false
inline constexpr const char *data_corrupted = "XX001";                // a stored revision that fails its checksum
inline constexpr const char *dependent_objects_still_exist = "2BP01"; // removing a revision another names
inline constexpr const char *internal_error = "XX000";
// Raised by the hosts, or matched on what the server reports.
inline constexpr const char *connection_failure = "08006";
inline constexpr const char *unable_to_connect = "08001"; // sqlclient_unable_to_establish_sqlconnection
inline constexpr const char *null_value_not_allowed = "22004";
inline constexpr const char *unique_violation = "23505";
inline constexpr const char *active_sql_transaction = "25001";
inline constexpr const char *insufficient_privilege = "42501";
inline constexpr const char *syntax_error = "42601";
inline constexpr const char *ambiguous_function = "42725";
inline constexpr const char *duplicate_schema = "42P06";
inline constexpr const char *duplicate_table = "42P07";
inline constexpr const char *out_of_memory = "53200"; // also "out of shared memory": the lock table is full
inline constexpr const char *query_canceled = "57014";
inline constexpr const char *undefined_file = "58P01";
} // namespace sqlstate

class Error : public std::runtime_error {
public:
	Error(std::string sqlstate, const std::string &message, std::string detail = {}, std::string hint = {})
	    : std::runtime_error(message), sqlstate_(std::move(sqlstate)), detail_(std::move(detail)),
	      hint_(std::move(hint)) {}

	const std::string &sqlstate() const noexcept { return sqlstate_; }
	const std::string &detail() const noexcept { return detail_; }
	const std::string &hint() const noexcept { return hint_; }
	// For a host that adds what it knows (pgmigrate's hints, a server error's fields).
	void set_sqlstate(std::string sqlstate) { sqlstate_ = std::move(sqlstate); }
	void set_detail(std::string detail) { detail_ = std::move(detail); }
	void set_hint(std::string hint) { hint_ = std::move(hint); }

	// Fields PostgreSQL errors carry through the engine untouched (set by the hosts only).
	std::string context;
	std::string internal_query;
	int internal_position = 0;
	int cursor_position = 0;
	// The migration statement that failed, when one did (set by the hosts): lock_retry names who
	// holds locks on what it names.
	std::string statement;

private:
	std::string sqlstate_;
	std::string detail_;
	std::string hint_;
};

} // namespace migrate
