// The state the engine keeps in schema `migrate` and the bookkeeping SQL it runs there.
// The same text is executed by the runner and printed by offline scripts, so both always agree.
#pragma once

#include "migrate/plan.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace migrate::state {

// Key of the transaction-scoped advisory lock every state-changing call takes first.
inline constexpr long long lock_key = 1835624306; // "migr"

inline constexpr std::string_view lock_sql = "SELECT pg_catalog.pg_advisory_xact_lock(1835624306)";

// A SQL string literal that is safe whatever standard_conforming_strings says.
std::string quote_literal(std::string_view text);

// Version-row changes after `step`: DELETEs then INSERTs, each statement ending in ";\n".
std::string version_sql(const Step &step);

// The audit row for `step`. With a duration (the runner) it is recorded; without (an offline
// script) started_at and finished_at are the insert time.
std::string log_sql(const RevisionGraph &graph, const Step &step, std::optional<double> duration_ms);

} // namespace migrate::state
