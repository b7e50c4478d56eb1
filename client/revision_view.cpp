// Alembic's one-line revision forms and the JSON shape of a revision.
#include "revision_view.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pgmigrate {

std::string
head_only(const migrate::RevisionGraph &graph, migrate::RevisionGraph::Index i, const HeadOnly &how) {
	const migrate::Revision &rev = graph[i];
	std::string text = rev.id;
	if (how.include_parents) {
		std::string down = rev.down_revisions.empty() ? std::string("<base>")
		                                              : fmt::format("{}", fmt::join(rev.down_revisions, ", "));
		if (!rev.depends_on.empty())
			down += fmt::format(" ({})", fmt::join(rev.depends_on, ", "));
		text = down + " -> " + text;
	}
	if (how.include_branches && !rev.branch_labels.empty())
		text += fmt::format(" ({})", fmt::join(rev.branch_labels, ", "));
	const bool is_head = graph.children(i).empty();
	const bool real_head = is_head && graph.dependents(i).empty();
	if (how.head_indicators || how.tree_indicators) {
		if (real_head)
			text += " (head)";
		else if (is_head)
			text += " (effective head)";
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

std::vector<migrate::HistoryEntry>
entries_by_revision(const migrate::RevisionGraph &graph, const std::vector<bool> &current) {
	std::vector<migrate::HistoryEntry> by(graph.size());
	for (auto &e : migrate::history(graph, current, current))
		by[e.revision] = std::move(e);
	return by;
}

nlohmann::json
revision_json(const migrate::RevisionGraph &graph, migrate::RevisionGraph::Index i) {
	const migrate::Revision &rev = graph[i];
	return {
	    {"revision", rev.id},
	    {"down_revisions", rev.down_revisions},
	    {"depends_on", rev.depends_on},
	    {"branch_labels", rev.branch_labels},
	    {"message", rev.message},
	    {"transactional", rev.transactional},
	    {"reversible", rev.downgrade.present},
	    {"checksum", rev.checksum},
	    {"path", rev.filename},
	};
}

} // namespace pgmigrate
