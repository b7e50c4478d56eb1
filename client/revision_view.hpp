// How a revision is shown: Alembic's one-line forms (`002 (memory) (head)`) and JSON objects.
#pragma once

#include "migrate/inspect.hpp"
#include "migrate/revision_graph.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pgmigrate {

// Alembic's Script._head_only switches.
struct HeadOnly {
	bool include_branches = false;
	bool include_doc = false;
	bool include_parents = false;
	bool tree_indicators = true;
	bool head_indicators = true;
	bool current = false;
};

// `002 (memory) (head)`, `001 (branchpoint)`, `<base> -> 001 (head), initial schema`...
std::string head_only(const migrate::RevisionGraph &graph, migrate::RevisionGraph::Index i, const HeadOnly &how);

// The history entries (with the `Rev:` block) indexed by revision.
std::vector<migrate::HistoryEntry> entries_by_revision(const migrate::RevisionGraph &graph,
                                                       const std::vector<bool> &current = {});

nlohmann::json revision_json(const migrate::RevisionGraph &graph, migrate::RevisionGraph::Index i);

} // namespace pgmigrate
