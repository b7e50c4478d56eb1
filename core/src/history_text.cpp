// History, heads and branches in Alembic's words (its `history`, `history --verbose`, `show`).
#include "migrate/history_text.hpp"

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
	for (const Waiver &w : rev.waivers) // `-- migrate:allow RULE: reason` lines of its file
		out += fmt::format("Lint waiver: {}: {} (line {})\n", w.rule, w.reason, w.line);
	out += fmt::format("Path: {}\n\n", rev.filename.empty() ? std::string("<database>") : rev.filename);
	std::istringstream lines(rev.message);
	for (std::string line; std::getline(lines, line);)
		out += fmt::format("    {}\n", line);
	return out;
}

} // namespace

std::string
head_only(const RevisionGraph &graph, RevisionGraph::Index i, const HeadOnly &how) {
	const Revision &rev = graph[i];
	std::string text = rev.id;
	if (how.include_parents) {
		std::string down = parents_label(rev);
		if (!rev.depends_on.empty())
			down += fmt::format(" ({})", fmt::join(rev.depends_on, ", "));
		text = down + " -> " + text;
	}
	if (how.include_branches && !rev.branch_labels.empty())
		text += fmt::format(" ({})", fmt::join(rev.branch_labels, ", "));
	const bool is_head = graph.children(i).empty();
	if (how.head_indicators || how.tree_indicators) {
		// An effective head has no child, but another revision depends on it.
		if (is_head)
			text += graph.dependents(i).empty() ? " (head)" : " (effective head)";
		if (how.current)
			text += " (current)";
	}
	if (how.tree_indicators) {
		if (graph.children(i).size() > 1)
			text += " (branchpoint)";
		if (graph.parents(i).size() > 1)
			text += " (mergepoint)";
	}
	if (how.include_doc)
		text += ", " + rev.message;
	return text;
}

void
applied_masks(const RevisionGraph &graph, const std::vector<RevisionGraph::Index> &version, std::vector<bool> &applied,
              std::vector<bool> &current) {
	applied = graph.ancestors(version, true);
	current.assign(graph.size(), false);
	for (auto v : version)
		current[v] = true;
}

HistoryEntry
history_entry(const RevisionGraph &graph, RevisionGraph::Index i, const std::vector<bool> &applied,
              const std::vector<bool> &current, HistoryText text) {
	HistoryEntry e;
	e.revision = i;
	e.is_head = graph.children(i).empty();
	e.is_branch_point = graph.children(i).size() > 1;
	e.is_merge_point = graph.parents(i).size() > 1;
	e.is_applied = i < applied.size() && applied[i];
	e.is_current = i < current.size() && current[i];
	if (text == HistoryText::line)
		e.line = head_only(
		    graph, i,
		    {.include_branches = true, .include_doc = true, .include_parents = true, .current = e.is_current});
	else if (text == HistoryText::verbose)
		e.verbose = verbose_block(graph, e);
	return e;
}

std::vector<HistoryEntry>
history(const RevisionGraph &graph, const std::vector<bool> &applied, const std::vector<bool> &current,
        HistoryText text) {
	std::vector<HistoryEntry> entries;
	const auto &order = graph.topological_order();
	entries.reserve(order.size());
	for (auto it = order.rbegin(); it != order.rend(); ++it)
		entries.push_back(history_entry(graph, *it, applied, current, text));
	return entries;
}

} // namespace migrate
