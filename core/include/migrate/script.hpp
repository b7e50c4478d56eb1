// Offline SQL rendering: what a plan would run, version bookkeeping included (`--sql`).
#pragma once

#include "migrate/plan.hpp"

#include <functional>
#include <string>

namespace migrate {

// BEGIN; then per step a "-- Running upgrade a -> b" comment, the section SQL, the version and
// log statements; then COMMIT;. The graph must hold the section SQL of every step.
std::string render_script(const RevisionGraph &graph, const Plan &plan);

// The same with each step's sections from `text` (the graph may hold none: only the planned
// revisions' SQL need be read).
using RevisionText = std::function<const Revision &(RevisionGraph::Index)>;
std::string render_script(const RevisionGraph &graph, const Plan &plan, const RevisionText &text);

} // namespace migrate
