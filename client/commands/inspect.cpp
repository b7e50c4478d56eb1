// history, heads, branches, show: read from the files, as Alembic does (the database only for
// --indicate-current and `current` in ranges and show).
#include "audit_view.hpp"
#include "commands/commands.hpp"
#include "migrate/error.hpp"
#include "migrate/history_text.hpp"
#include "migrate/target.hpp"
#include "output.hpp"
#include "revision_view.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>

namespace pgmigrate::commands {

namespace {

using migrate::RevisionGraph;

// What these commands show: the files' graph, and with a database that holds migrate's state,
// the files' view of it (files_view.hpp: applied revisions whose file is gone are shown, marked).
// Only reads.
struct Shown {
	const RevisionGraph *graph = nullptr;
	const FilesView *view = nullptr;
	std::unordered_map<std::string, AuditEntry> audit; // verbose blocks: the log's last upgrades
	std::string marker(RevisionGraph::Index i) const { return view ? view->marker(i) : std::string(); }
	// A verbose block's end: the marker, then what the audit log says of its last upgrade.
	std::string trailer(RevisionGraph::Index i) const {
		auto found = audit.find((*graph)[i].id);
		return marker(i) + (found == audit.end() ? std::string() : "\n" + found->second.text);
	}
	void add_audit(nlohmann::json &j, RevisionGraph::Index i) const {
		if (auto found = audit.find((*graph)[i].id); found != audit.end())
			j["last_upgrade"] = found->second.json;
	}
};

// `verbose`: with the audit log's last upgrade of each revision (show, history --verbose).
Shown
shown(Context &ctx, bool verbose = false) {
	Project &project = ctx.files();
	if (project.exists() && ctx.has_database()) {
		Connection &conn = ctx.connection();
		if (find_extension(conn) || has_state_tables(conn)) {
			const FilesView *view = (ctx.inspect(), ctx.view());
			if (view)
				return {&view->graph(), view, verbose ? last_upgrades(conn) : decltype(Shown::audit){}};
		}
	}
	return {&ctx.project(false, true).graph(), nullptr, {}};
}

// The version rows of the database, against the shown graph.
std::vector<RevisionGraph::Index>
current_revisions(Context &ctx, const Shown &s) {
	if (s.view)
		return s.view->current();
	ctx.inspect();
	if (const FilesView *view = ctx.view()) // no state yet: the files' graph itself, at base
		return view->current();
	return migrate::resolve_version_rows(*s.graph, version_rows(ctx.connection()));
}

// One end of a history range: nullopt = open.
std::optional<std::vector<RevisionGraph::Index>>
range_end(Context &ctx, const Shown &s, const std::string &text, bool lower) {
	const RevisionGraph &graph = *s.graph;
	if (text.empty() || (lower && text == "base"))
		return std::nullopt;
	if (text == "current")
		return current_revisions(ctx, s);
	const migrate::TargetSyntax syntax = migrate::parse_target(text);
	if (syntax.relative) {
		std::vector<RevisionGraph::Index> current;
		if (syntax.relative_to_current())
			current = current_revisions(ctx, s);
		auto t = migrate::resolve_target(
		    graph, current, text, syntax.sign == '-' ? migrate::Direction::downgrade : migrate::Direction::upgrade);
		return t.revisions;
	}
	return migrate::resolve_revisions(graph, text);
}

void
print_block(const std::string &block) {
	std::string text = block;
	while (!text.empty() && text.back() == '\n')
		text.pop_back();
	out().result(text);
	out().result("");
}

} // namespace

int
history(Context &ctx, const HistoryOptions &opt) {
	const Shown s = shown(ctx, opt.verbose);
	const RevisionGraph &graph = *s.graph;
	std::vector<bool> in_range(graph.size(), true);
	if (!opt.range.empty()) {
		auto colon = opt.range.find(':');
		if (colon == std::string::npos)
			throw Failure("History range requires [start]:[end], [start]:, or :[end]");
		auto lower = range_end(ctx, s, opt.range.substr(0, colon), true);
		auto upper = range_end(ctx, s, opt.range.substr(colon + 1), false);
		if (lower && upper) {
			// Alembic's RangeNotAncestorError: the lower end must be below the upper one.
			auto below = graph.ancestors(*upper, true);
			for (auto i : *lower)
				if (!below[i])
					throw Failure(fmt::format("Revision {} is not an ancestor of revision {}", graph[i].id,
					                          fmt::join(graph.ids(*upper), ", ")));
		}
		if (lower) {
			auto mask = graph.descendants(*lower, true);
			for (std::size_t i = 0; i < in_range.size(); ++i)
				in_range[i] = in_range[i] && mask[i];
		}
		if (upper) {
			auto mask = graph.ancestors(*upper, true);
			for (std::size_t i = 0; i < in_range.size(); ++i)
				in_range[i] = in_range[i] && mask[i];
		}
	}
	std::vector<bool> applied, current;
	if (opt.indicate_current)
		migrate::applied_masks(graph, current_revisions(ctx, s), applied, current);

	nlohmann::json list = nlohmann::json::array();
	for (const auto &e : migrate::history(graph, applied, current,
	                                      opt.verbose ? migrate::HistoryText::verbose : migrate::HistoryText::line)) {
		if (!in_range[e.revision])
			continue;
		if (opt.verbose)
			print_block(e.verbose + s.trailer(e.revision));
		else
			out().result(e.line + s.marker(e.revision));
		nlohmann::json j = revision_json(graph, e.revision);
		s.add_audit(j, e.revision);
		if (s.view)
			j["has_file"] = !s.view->no_file(e.revision);
		j["is_head"] = e.is_head;
		j["is_branch_point"] = e.is_branch_point;
		j["is_merge_point"] = e.is_merge_point;
		if (opt.indicate_current) {
			j["is_applied"] = e.is_applied;
			j["is_current"] = e.is_current;
		}
		list.push_back(j);
	}
	out().doc()["revisions"] = list;
	return 0;
}

int
heads(Context &ctx, const HeadsOptions &opt) {
	const Shown s = shown(ctx);
	const RevisionGraph &graph = *s.graph;
	auto list = opt.resolve_dependencies ? graph.real_heads() : graph.heads();
	auto entries = opt.verbose ? entries_by_revision(graph) : std::vector<migrate::HistoryEntry>{};
	nlohmann::json heads = nlohmann::json::array();
	for (auto i : list) {
		if (opt.verbose)
			print_block(entries[i].verbose + s.marker(i));
		else
			out().result(migrate::head_only(graph, i, {.include_branches = true, .tree_indicators = false}) +
			             s.marker(i));
		heads.push_back(revision_json(graph, i));
	}
	out().doc()["heads"] = heads;
	return 0;
}

int
branches(Context &ctx, const BranchesOptions &opt) {
	const Shown s = shown(ctx);
	const RevisionGraph &graph = *s.graph;
	auto entries =
	    migrate::history(graph, {}, {}, opt.verbose ? migrate::HistoryText::verbose : migrate::HistoryText::none);
	nlohmann::json list = nlohmann::json::array();
	for (const auto &e : entries) {
		if (!e.is_branch_point)
			continue;
		std::string block =
		    opt.verbose ? e.verbose : migrate::head_only(graph, e.revision, {.include_branches = true}) + "\n";
		std::string indent(graph[e.revision].id.size(), ' ');
		nlohmann::json children = nlohmann::json::array();
		for (auto c : graph.children(e.revision)) {
			block += fmt::format("{} -> {}\n", indent,
			                     migrate::head_only(graph, c, {.include_branches = true, .include_doc = opt.verbose}));
			children.push_back(graph[c].id);
		}
		print_block(block);
		nlohmann::json j = revision_json(graph, e.revision);
		j["branches_into"] = children;
		list.push_back(j);
	}
	out().doc()["branches"] = list;
	return 0;
}

int
show(Context &ctx, const ShowOptions &opt) {
	const Shown s = shown(ctx, true);
	const RevisionGraph &graph = *s.graph;
	nlohmann::json list = nlohmann::json::array();
	for (const auto &text : opt.revisions) {
		std::vector<RevisionGraph::Index> found;
		if (text == "current") {
			found = current_revisions(ctx, s);
		} else {
			found = migrate::resolve_revisions(graph, text);
		}
		for (auto i : found) {
			print_block(migrate::history_entry(graph, i, {}, {}, migrate::HistoryText::verbose).verbose + s.trailer(i));
			nlohmann::json j = revision_json(graph, i);
			s.add_audit(j, i);
			list.push_back(j);
		}
	}
	out().doc()["revisions"] = list;
	return 0;
}

} // namespace pgmigrate::commands
