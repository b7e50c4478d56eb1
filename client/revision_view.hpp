// How a revision is shown: history entries by revision and JSON objects (Alembic's one-line forms
// are core's migrate::head_only).
#pragma once

#include "migrate/history_text.hpp"
#include "migrate/revision_graph.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pgmigrate {

// The history entries (with the `Rev:` block, not the line) indexed by revision.
std::vector<migrate::HistoryEntry> entries_by_revision(const migrate::RevisionGraph &graph,
                                                       const std::vector<bool> &current = {});

nlohmann::json revision_json(const migrate::RevisionGraph &graph, migrate::RevisionGraph::Index i);

} // namespace pgmigrate
