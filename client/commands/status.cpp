// current, stamp, check: the database's version rows.
#include "commands/commands.hpp"
#include "libpq_database.hpp"
#include "migrate/error.hpp"
#include "migrate/runner.hpp"
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

} // namespace

int
current(Context &ctx, const CurrentOptions &opt) {
	const Extension &ext = ctx.prepare();
	Connection &conn = ctx.connection();
	Result r = conn.query(fmt::format("SELECT revision, is_head, message FROM {}()", ext.fn("migrate_current")));

	// The stored graph (the same the extension plans with) for Alembic's indicators.
	std::optional<migrate::RevisionGraph> graph;
	try {
		LibpqDatabase db(conn, false);
		graph.emplace(migrate::Runner(db).load_graph());
	} catch (const migrate::Error &) {
	}
	if (opt.verbose)
		out().result(fmt::format("Current revision(s) for {}:", ctx.target().display));
	std::vector<bool> current_mask(graph ? graph->size() : 0, false);
	if (graph)
		for (int i = 0; i < r.rows(); ++i)
			if (auto idx = graph->find(r.get(i, 0)))
				current_mask[*idx] = true;
	auto entries = graph && opt.verbose ? entries_by_revision(*graph, current_mask) : std::vector<migrate::HistoryEntry>{};

	nlohmann::json list = nlohmann::json::array();
	for (int i = 0; i < r.rows(); ++i) {
		std::string id = r.get(i, 0);
		std::optional<migrate::RevisionGraph::Index> idx = graph ? graph->find(id) : std::nullopt;
		if (opt.verbose && idx) {
			std::string block = entries[*idx].verbose;
			while (!block.empty() && block.back() == '\n')
				block.pop_back();
			out().result(block);
			out().result("");
		} else if (idx) {
			out().result(head_only(*graph, *idx, {}));
		} else {
			out().result(id + (r.get_bool(i, 1) ? " (head)" : ""));
		}
		list.push_back({{"revision", id}, {"is_head", r.get_bool(i, 1)}, {"message", r.get(i, 2)}});
	}
	out().doc()["current"] = list;
	return 0;
}

int
stamp(Context &ctx, const StampOptions &opt) {
	if (opt.sql)
		throw Failure("stamp --sql is not supported", {}, "Run stamp against the database.");
	const Extension &ext = ctx.prepare();
	Connection &conn = ctx.connection();
	std::string targets = fmt::format("{}", fmt::join(opt.targets, " "));
	Transaction tx(conn);
	acquire_migration_lock(conn, ctx.options().lock_wait, false);
	std::vector<std::string> before = version_rows(conn);
	conn.query(fmt::format("SELECT {}($1, $2::pg_catalog.bool)", ext.fn("migrate_stamp")),
	           {targets, opt.purge ? "true" : "false"});
	std::vector<std::string> after = version_rows(conn);
	tx.commit();
	if (before != after)
		out().progress(fmt::format("Running stamp_revision {} -> {}", rows_label(before), rows_label(after)));
	out().doc()["before"] = before;
	out().doc()["current"] = after;
	return 0;
}

int
check(Context &ctx) {
	const Extension &ext = ctx.prepare();
	Connection &conn = ctx.connection();
	try {
		conn.query(fmt::format("SELECT {}()", ext.fn("migrate_check")));
	} catch (const ServerError &e) {
		if (e.sqlstate == "55000")
			out().doc()["up_to_date"] = false;
		throw;
	}
	out().doc()["up_to_date"] = true;
	out().result("No pending upgrades");
	return 0;
}

} // namespace pgmigrate::commands
