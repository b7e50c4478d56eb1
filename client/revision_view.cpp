// History entries by revision and the JSON shape of a revision.
#include "revision_view.hpp"

namespace pgmigrate {

std::vector<migrate::HistoryEntry>
entries_by_revision(const migrate::RevisionGraph &graph, const std::vector<bool> &current) {
	std::vector<migrate::HistoryEntry> by(graph.size());
	for (auto &e : migrate::history(graph, current, current, migrate::HistoryText::verbose))
		by[e.revision] = std::move(e);
	return by;
}

nlohmann::json
revision_json(const migrate::RevisionGraph &graph, migrate::RevisionGraph::Index i) {
	const migrate::Revision &rev = graph[i];
	nlohmann::json waivers = nlohmann::json::array();
	for (const migrate::Waiver &w : rev.waivers)
		waivers.push_back({{"rule", w.rule}, {"reason", w.reason}, {"line", w.line}});
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
	    {"lint_waivers", waivers},
	};
}

} // namespace pgmigrate
