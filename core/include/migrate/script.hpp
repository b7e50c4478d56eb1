// Offline SQL rendering: what a plan would run, version bookkeeping included (`--sql`).
#pragma once

#include "migrate/plan.hpp"

#include <string>

namespace migrate {

// BEGIN; then per step a "-- Running upgrade a -> b" comment, the section SQL, the version and
// log statements; then COMMIT;. The graph must hold the section SQL of every step.
std::string render_script(const RevisionGraph &graph, const Plan &plan);

} // namespace migrate
