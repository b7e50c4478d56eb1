// History, heads and branches in Alembic's words (its `history`, `history --verbose`, `show`).
#include "migrate/inspect.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <sstream>

namespace migrate {

namespace {

// "<base>" for a root, else the parents.
std::string
parents_label(const Revision &rev) {
	return rev.down_revisions.empty() ? std::string("<base>") : fmt::format("{}", fmt::join(rev.down_revisions, ", "));
}

// The history line's left side: the parents, then dependencies in parentheses.
std::string
down_label(const Revision &rev) {
	std::string down = parents_label(rev);
	if (!rev.depends_on.empty())
		down += fmt::format(" ({})", fmt::join(rev.depends_on, ", "));
	return down;
}

// Alembic's order on a history line: (head) or (effective head), (current), then the tree
// markers. An effective head has no child but another revision depends on it.
std::string
line_indicators(const HistoryEntry &e, bool effective_head) {
	std::string out;
	if (e.is_head)
		out += effective_head ? " (effective head)" : " (head)";
	if (e.is_current)
		out += " (current)";
	if (e.is_branch_point)
		out += " (branchpoint)";
	if (e.is_merge_point)
		out += " (mergepoint)";
	return out;
}

// The `Rev:` line of a verbose block: tree markers, then (current).
std::string
indicators(const HistoryEntry &e) {
	std::string out;
	if (e.is_head)
		out += " (head)";
	if (e.is_branch_point)
		out += " (branchpoint)";
	if (e.is_merge_point)
		out += " (mergepoint)";
	if (e.is_current)
		out += " (current)";
	return out;
}

std::string
verbose_block(const RevisionGraph &graph, const HistoryEntry &e) {
	const Revision &rev = graph[e.revision];
	std::string out = fmt::format("Rev: {}{}\n", rev.id, indicators(e));
	if (e.is_merge_point)
		out += fmt::format("Merges: {}\n", parents_label(rev));
	else
		out += fmt::format("Parent: {}\n", parents_label(rev));
	if (!rev.depends_on.empty())
		out += fmt::format("Also depends on: {}\n", fmt::join(rev.depends_on, ", "));
	if (e.is_branch_point) {
		std::vector<std::string> children;
		for (auto c : graph.children(e.revision))
			children.push_back(graph[c].id);
		out += fmt::format("Branches into: {}\n", fmt::join(children, ", "));
	}
	if (!rev.branch_labels.empty())
		out += fmt::format("Branch names: {}\n", fmt::join(rev.branch_labels, ", "));
	out += fmt::format("Path: {}\n\n", rev.filename.empty() ? std::string("<database>") : rev.filename);
	std::istringstream lines(rev.message);
	for (std::string line; std::getline(lines, line);)
		out += fmt::format("    {}\n", line);
	return out;
}

} // namespace

void
applied_masks(const RevisionGraph &graph, const std::vector<RevisionGraph::Index> &version, std::vector<bool> &applied,
              std::vector<bool> &current) {
	applied = graph.ancestors(version, true);
	current.assign(graph.size(), false);
	for (auto v : version)
		current[v] = true;
}

std::vector<HistoryEntry>
history(const RevisionGraph &graph, const std::vector<bool> &applied, const std::vector<bool> &current) {
	std::vector<HistoryEntry> entries;
	const auto &order = graph.topological_order();
	entries.reserve(order.size());
	for (auto it = order.rbegin(); it != order.rend(); ++it) {
		RevisionGraph::Index i = *it;
		const Revision &rev = graph[i];
		HistoryEntry e;
		e.revision = i;
		e.is_head = graph.children(i).empty();
		e.is_branch_point = graph.children(i).size() > 1;
		e.is_merge_point = graph.parents(i).size() > 1;
		e.is_applied = i < applied.size() && applied[i];
		e.is_current = i < current.size() && current[i];
		std::string labels = rev.branch_labels.empty() ? std::string()
		                                               : fmt::format(" ({})", fmt::join(rev.branch_labels, ", "));
		e.line = fmt::format("{} -> {}{}{}, {}", down_label(rev), rev.id, labels,
		                     line_indicators(e, !graph.dependents(i).empty()), rev.message);
		e.verbose = verbose_block(graph, e);
		entries.push_back(std::move(e));
	}
	return entries;
}

} // namespace migrate
