// Read-only views of the graph in Alembic's words, as text: history, heads, branches, show.
#pragma once

#include "migrate/revision_graph.hpp"

#include <string>
#include <vector>

namespace migrate {

struct HistoryEntry {
	RevisionGraph::Index revision;
	bool is_head = false;
	bool is_branch_point = false;
	bool is_merge_point = false;
	bool is_applied = false;
	bool is_current = false; // one of the version rows
	std::string line;        // `001 -> 002 (head), add agent capabilities` (HistoryText::line)
	std::string verbose;     // the `Rev: ...` block of `history --verbose` / `show` (HistoryText::verbose)
};

// Which text of an entry to build: a listing shows one form, so the other is not built.
enum class HistoryText { none, line, verbose };

// Alembic's Script._head_only switches: which parts of a revision's one-line form to show.
struct HeadOnly {
	bool include_branches = false;
	bool include_doc = false;
	bool include_parents = false;
	bool tree_indicators = true;
	bool head_indicators = true;
	bool current = false;
};

// `002 (memory) (head)`, `001 (branchpoint)`, `<base> -> 001 (head), initial schema`...: Alembic's
// one-line form of revision `i`. A history line is it with every switch on.
std::string head_only(const RevisionGraph &graph, RevisionGraph::Index i, const HeadOnly &how);

// The entry of revision `i`. `applied`/`current` are membership masks (may be empty: nothing applied).
HistoryEntry history_entry(const RevisionGraph &graph, RevisionGraph::Index i, const std::vector<bool> &applied,
                           const std::vector<bool> &current, HistoryText text);

// Every entry, newest first.
std::vector<HistoryEntry> history(const RevisionGraph &graph, const std::vector<bool> &applied,
                                  const std::vector<bool> &current, HistoryText text);

// Applied version rows expressed against the graph (ancestor closure, current mask).
void applied_masks(const RevisionGraph &graph, const std::vector<RevisionGraph::Index> &version,
                   std::vector<bool> &applied, std::vector<bool> &current);

} // namespace migrate
