// current, check: the database's version rows, through the extension or, in client mode, the
// engine over libpq.
#include "commands/commands.hpp"
#include "libpq_database.hpp"
#include "migrate/error.hpp"
#include "migrate/runner.hpp"
#include "migrate/schema_diff.hpp"
#include "migrate/plan.hpp"
#include "migrate/state.hpp"
#include "migrate/target.hpp"
#include "output.hpp"
#include "revision_view.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace pgmigrate::commands {

namespace {

// The version rows as migrate_current() returns them: (revision, is_head, message).
std::vector<migrate::CurrentRow>
current_rows(Context &ctx, const Host &host) {
	Connection &conn = ctx.connection();
	std::vector<migrate::CurrentRow> rows;
	if (host.client) {
		LibpqDatabase db(conn, false);
		rows = migrate::Runner(db).current();
		return rows;
	}
	Result r = conn.query(fmt::format("SELECT revision, is_head, message FROM {}()", host.fn("migrate_current")));
	for (int i = 0; i < r.rows(); ++i)
		rows.push_back({r.get(i, 0), r.get_bool(i, 1), r.get(i, 2)});
	return rows;
}

// Alembic's check after autogenerate: the migrations' head must already be the schema files.
void
check_schema(Context &ctx, const ShadowOptions &shadow) {
	const Project &project = ctx.project();
	if (!project.exists())
		throw Failure(
		    fmt::format("check --schema needs the migration files: {} does not exist", project.dir().string()), {},
		    "Run it from the project, or name the directory with --dir.");
	std::vector<std::string> targets;
	if (!project.empty())
		targets.push_back("heads");
	ShadowSchemas shadows = read_shadow_schemas(ctx, project, targets, shadow);
	auto steps = migrate::schema::diff(shadows.head, shadows.desired);
	const auto changes = migrate::schema::changes(steps);
	out().doc()["schema_changes"] = changes;
	if (steps.empty())
		return;
	Failure f("New upgrade operations detected", {},
	          fmt::format("Run pgmigrate revision --autogenerate -m \"...\" --schema {} to draft a migration for them.",
	                      shadow.schema_path));
	f.items = changes;
	throw f;
}

} // namespace

int
current(Context &ctx, const CurrentOptions &opt) {
	const Host &host = ctx.inspect();
	Connection &conn = ctx.connection();
	const FilesView *view = ctx.view();
	// With the files: their view of the database (files_view.hpp). Without: the stored graph, which
	// the extension plans with.
	std::optional<migrate::RevisionGraph> stored;
	const migrate::RevisionGraph *graph = nullptr;
	std::vector<migrate::CurrentRow> rows;
	if (view) {
		graph = &view->graph();
		auto current = view->current();
		std::sort(current.begin(), current.end(),
		          [&](auto a, auto b) { return graph->topological_position(a) < graph->topological_position(b); });
		for (auto i : current)
			rows.push_back({(*graph)[i].id, graph->children(i).empty(), (*graph)[i].message});
	} else {
		rows = current_rows(ctx, host);
		try {
			LibpqDatabase db(conn, false);
			graph = &stored.emplace(migrate::Runner(db).load_graph());
		} catch (const migrate::Error &) {
		}
	}
	if (opt.verbose)
		out().result(fmt::format("Current revision(s) for {}:", ctx.target().display));
	std::vector<bool> current_mask(graph ? graph->size() : 0, false);
	if (graph)
		for (const auto &row : rows)
			if (auto idx = graph->find(row.revision))
				current_mask[*idx] = true;
	auto entries =
	    graph && opt.verbose ? entries_by_revision(*graph, current_mask) : std::vector<migrate::HistoryEntry>{};

	nlohmann::json list = nlohmann::json::array();
	for (const auto &row : rows) {
		const std::string &id = row.revision;
		std::optional<migrate::RevisionGraph::Index> idx = graph ? graph->find(id) : std::nullopt;
		const std::string marker = view && idx ? view->marker(*idx) : std::string();
		if (opt.verbose && idx) {
			std::string block = entries[*idx].verbose;
			while (!block.empty() && block.back() == '\n')
				block.pop_back();
			out().result(block + marker);
			out().result("");
		} else if (idx) {
			out().result(migrate::head_only(*graph, *idx, {}) + marker);
		} else {
			out().result(id + (row.is_head ? " (head)" : ""));
		}
		nlohmann::json j = {{"revision", id}, {"is_head", row.is_head}, {"message", row.message}};
		if (view)
			j["has_file"] = marker.empty();
		list.push_back(j);
	}
	out().doc()["current"] = list;
	return 0;
}

int
check(Context &ctx, const CheckOptions &opt) {
	const Host &host = ctx.inspect();
	Connection &conn = ctx.connection();
	try {
		if (const FilesView *view = ctx.view()) {
			// The same question as migrate_check, about the files' graph (files_view.hpp).
			if (!migrate::plan_upgrade(view->graph(), view->current(), "heads").steps.empty())
				throw migrate::Error(migrate::sqlstate::not_in_prerequisite_state,
				                     "Target database is not up to date.");
		} else if (host.client) {
			LibpqDatabase db(conn, false);
			migrate::Runner(db).check();
		} else {
			conn.query(fmt::format("SELECT {}()", host.fn("migrate_check")));
		}
	} catch (const migrate::Error &e) {
		if (e.sqlstate() == migrate::sqlstate::not_in_prerequisite_state)
			out().doc()["up_to_date"] = false;
		throw;
	}
	out().doc()["up_to_date"] = true;
	if (opt.schema)
		check_schema(ctx, opt.shadow);
	out().result("No pending upgrades");
	return 0;
}

} // namespace pgmigrate::commands
