// pgmigrate test: upgrade base -> heads one revision at a time on a scratch database,
// snapshotting the schema after each, then downgrade one revision at a time and fail at the
// first downgrade that does not restore the snapshot taken before its upgrade.
#include "apply.hpp"
#include "commands/commands.hpp"
#include "migrate/error.hpp"
#include "migrate/plan.hpp"
#include "migrate/target.hpp"
#include "output.hpp"
#include "scratch.hpp"
#include "snapshot.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>

namespace pgmigrate::commands {

namespace {

using migrate::Direction;
using migrate::RevisionGraph;

// The scratch database: given by --scratch-url, or created (and always dropped) next to -d.
class Scratch {
public:
	Scratch(Context &ctx, const std::string &url) {
		if (url.empty()) {
			created_.emplace(ctx.connection(), ctx.target(), "pgmigrate_test",
			                 "pgmigrate test creates (and drops) a scratch database next to the one -d names: give "
			                 "this role CREATEDB, or pass --scratch-url with an empty database it may use.");
			return;
		}
		given_ = Connection::open(other_target(ctx, url));
	}
	Connection &conn() { return created_ ? created_->conn() : *given_; }

private:
	std::optional<ScratchDatabase> created_;
	std::unique_ptr<Connection> given_;
};

std::vector<RevisionGraph::Index>
current_indices(Connection &conn, const RevisionGraph &graph) {
	return migrate::resolve_version_rows(graph, version_rows(conn));
}

// A downgrade target that undoes exactly revision `r` from the version rows `current`.
std::optional<std::string>
single_step_target(const RevisionGraph &graph, const std::vector<RevisionGraph::Index> &current,
                   RevisionGraph::Index r) {
	const std::string &id = graph[r].id;
	std::vector<std::string> candidates = {id + "@-1"};
	for (auto p : graph.parents(r))
		candidates.push_back(graph[p].id);
	candidates.push_back(id + "@base");
	candidates.push_back("base");
	for (const auto &c : candidates) {
		try {
			auto plan = migrate::plan_downgrade(graph, current, c);
			if (plan.steps.size() == 1 && plan.steps[0].revision == r)
				return c;
		} catch (const migrate::Error &) {
		}
	}
	return std::nullopt;
}

} // namespace

int
test(Context &ctx, const TestOptions &opt) {
	const Project &project = ctx.project();
	const RevisionGraph &graph = project.graph();
	if (graph.size() == 0)
		throw Failure(fmt::format("there are no revisions in {} to test", project.dir().string()));
	defer_interrupts(true);

	Scratch scratch(ctx, opt.scratch_url);
	Connection &conn = scratch.conn();
	const bool client_mode = ctx.options().no_extension;
	if (!client_mode) {
		try {
			conn.simple("CREATE EXTENSION IF NOT EXISTS migrate");
		} catch (const ServerError &e) {
			Failure f(fmt::format("cannot install the migrate extension in the scratch database: {}", e.what()),
			          e.detail(), e.hint());
			f.set_hint((f.hint().empty() ? std::string() : f.hint() + "\n") +
			           "Run pgmigrate test as a role allowed to create the extension, or without the extension: pass "
			           "--no-extension (or set PGMIGRATE_NO_EXTENSION=1).");
			f.set_sqlstate(e.sqlstate());
			throw f;
		}
	}
	Host ext = require_host(conn, client_mode, ctx.options().lock_wait);
	sync_project(conn, ext, project, ctx.options().lock_wait);
	if (!current_indices(conn, graph).empty())
		throw Failure("the scratch database is not at base", {}, "Give an empty database to --scratch-url.");

	migrate::Plan plan;
	plan = migrate::plan_upgrade(graph, {}, "heads");

	const double lock_wait = ctx.options().lock_wait;
	std::vector<std::vector<std::string>> snapshots;
	snapshots.push_back(schema_snapshot(conn));
	nlohmann::json results = nlohmann::json::array();
	for (const auto &step : plan.steps) {
		throw_if_interrupted();
		apply_online(conn, ext, {Direction::upgrade, graph[step.revision].id, false}, lock_wait);
		snapshots.push_back(schema_snapshot(conn));
	}

	std::size_t checked = 0;
	std::string stopped_at;
	for (std::size_t k = plan.steps.size(); k-- > 0;) {
		throw_if_interrupted();
		RevisionGraph::Index r = plan.steps[k].revision;
		const migrate::Revision &rev = graph[r];
		if (!rev.downgrade.present) {
			stopped_at = rev.id;
			out().note(fmt::format("Revision {} has no downgrade section: the downgrade checks stop there.", rev.id));
			break;
		}
		auto target = single_step_target(graph, current_indices(conn, graph), r);
		if (!target)
			throw Failure(fmt::format("pgmigrate test cannot downgrade revision {} by itself", rev.id), {},
			              "Its downgrade would also undo other revisions; test that branch separately.");
		apply_online(conn, ext, {Direction::downgrade, *target, false}, lock_wait);
		auto after = schema_snapshot(conn);
		if (after != snapshots[k]) {
			auto diff = snapshot_diff(snapshots[k], after);
			Failure f(fmt::format("the downgrade of revision {} does not restore the schema from before its upgrade "
			                      "('-' missing, '+' left over):",
			                      rev.id),
			          {},
			          fmt::format("Make the downgrade section of {} undo exactly what its upgrade does.",
			                      rev.filename.empty() ? rev.id : rev.filename));
			std::size_t shown = std::min<std::size_t>(diff.size(), 40);
			f.items.assign(diff.begin(), diff.begin() + static_cast<std::ptrdiff_t>(shown));
			if (shown < diff.size())
				f.items.push_back(fmt::format("... and {} more", diff.size() - shown));
			out().doc()["failed_revision"] = rev.id;
			out().doc()["difference"] = diff;
			throw f;
		}
		++checked;
		results.push_back(rev.id);
	}
	out().doc()["upgraded"] = plan.steps.size();
	out().doc()["downgrades_checked"] = results;
	if (!stopped_at.empty())
		out().doc()["irreversible"] = stopped_at;
	out().result(
	    fmt::format("OK: {} revision{} upgraded one at a time; {} downgrade{} restored the schema exactly{}",
	                plan.steps.size(), plan.steps.size() == 1 ? "" : "s", checked, checked == 1 ? "" : "s",
	                stopped_at.empty() ? "" : fmt::format(" (stopped at irreversible revision {})", stopped_at)));
	return 0;
}

} // namespace pgmigrate::commands
