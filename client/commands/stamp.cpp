// stamp: sets the version rows without running SQL (Alembic's stamp), through the extension or,
// in client mode, the engine over libpq; --sql prints the rows' SQL instead.
#include "alembic.hpp"
#include "commands/commands.hpp"
#include "libpq_database.hpp"
#include "migrate/error.hpp"
#include "migrate/plan.hpp"
#include "migrate/runner.hpp"
#include "migrate/state.hpp"
#include "migrate/target.hpp"
#include "output.hpp"
#include "revision_view.hpp"
#include "waiting.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace pgmigrate::commands {

namespace {

std::string
rows_label(const std::vector<std::string> &rows) {
	return fmt::format("{}", fmt::join(rows, ", "));
}

// stamp --sql: the version and log rows a stamp would write, as a script (Alembic's stamp --sql).
// From base with the files alone; with a database, from its version rows (only read).
int
stamp_script(Context &ctx, const StampOptions &opt) {
	Project &project = ctx.files();
	std::optional<FilesView> view;
	if (ctx.has_database()) {
		ctx.inspect();
		if (ctx.view())
			view = *ctx.view();
	}
	const migrate::RevisionGraph &graph = view ? view->graph() : project.graph();
	std::vector<std::string> before = view ? view->version : std::vector<std::string>{};
	std::vector<std::string> after;
	std::vector<migrate::RevisionGraph::Index> chosen;
	std::vector<migrate::RevisionGraph::Index> current;
	if (view && !opt.purge)
		current = view->current();
	after = migrate::plan_stamp(
	    graph, current, migrate::split_revision_list(fmt::format("{}", fmt::join(opt.targets, " "))), opt.purge);
	for (const auto &id : after)
		chosen.push_back(*graph.find(id));
	refuse_unfilled(project, graph, chosen);
	std::string script = fmt::format("BEGIN;\n\n{};\n\n", migrate::state::lock_sql);
	std::vector<std::string> sorted_before = before, sorted_after = after;
	std::sort(sorted_before.begin(), sorted_before.end());
	std::sort(sorted_after.begin(), sorted_after.end());
	if (sorted_before != sorted_after)
		for (const auto &sql : migrate::state::stamp_sql(before, after))
			script += sql + ";\n";
	script += "\nCOMMIT;\n";
	out().raw(script);
	out().doc()["sql"] = out().scrubbed(script);
	out().doc()["before"] = before;
	out().doc()["current"] = after;
	return 0;
}

} // namespace

int
stamp(Context &ctx, const StampOptions &opt) {
	if (opt.from_alembic)
		return adopt(ctx);
	if (opt.sql)
		return stamp_script(ctx, opt);
	std::string targets = fmt::format("{}", fmt::join(opt.targets, " "));
	if (Project &files = ctx.files(); files.exists() && !files.unfinished().empty()) {
		// Drafts are never uploaded: ask the files' graph first whether this stamp would record one.
		FilesView view = read_files_view(ctx.connection(), files);
		std::vector<migrate::RevisionGraph::Index> chosen;
		for (const auto &id : migrate::plan_stamp(
		         view.graph(), opt.purge ? std::vector<migrate::RevisionGraph::Index>{} : view.current(),
		         migrate::split_revision_list(targets), opt.purge))
			chosen.push_back(*view.graph().find(id));
		refuse_unfilled(files, view.graph(), chosen);
	}
	const Host &host = ctx.prepare();
	Connection &conn = ctx.connection();
	Transaction tx(conn);
	acquire_migration_lock(conn, host, ctx.options().lock_wait);
	std::vector<std::string> before = version_rows(conn);
	if (std::string note = alembic_database_note(conn, before); !note.empty())
		out().warning(note);
	if (host.client) {
		LibpqDatabase db(conn, false);
		migrate::Runner(db).stamp(targets, opt.purge);
	} else {
		conn.query(fmt::format("SELECT {}($1, $2::pg_catalog.bool)", host.fn("migrate_stamp")),
		           {targets, opt.purge ? "true" : "false"});
	}
	std::vector<std::string> after = version_rows(conn);
	tx.commit();
	if (before != after)
		out().progress(fmt::format("Running stamp_revision {} -> {}", rows_label(before), rows_label(after)));
	out().doc()["before"] = before;
	out().doc()["current"] = after;
	return 0;
}

} // namespace pgmigrate::commands
