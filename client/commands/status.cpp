// current, stamp, check: the database's version rows, through the extension or, in client mode,
// the engine over libpq.
#include "commands/commands.hpp"
#include "libpq_database.hpp"
#include "migrate/error.hpp"
#include "migrate/runner.hpp"
#include "migrate/schema_diff.hpp"
#include "output.hpp"
#include "revision_view.hpp"
#include "waiting.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace pgmigrate::commands {

namespace {

// `a, b c` -> {a, b, c}: several revisions separated by commas or spaces, as migrate_stamp reads them.
std::vector<std::string>
split_targets(const std::string &text) {
	std::vector<std::string> out;
	std::string current;
	for (char c : text) {
		if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (!current.empty())
				out.push_back(std::move(current));
			current.clear();
		} else {
			current += c;
		}
	}
	if (!current.empty())
		out.push_back(std::move(current));
	return out;
}

std::string
rows_label(const std::vector<std::string> &rows) {
	return fmt::format("{}", fmt::join(rows, ", "));
}

// The version rows as migrate_current() returns them: (revision, is_head, message).
std::vector<migrate::CurrentRow>
current_rows(Context &ctx, const Host &host) {
	Connection &conn = ctx.connection();
	std::vector<migrate::CurrentRow> rows;
	if (host.client) {
		LibpqDatabase db(conn, false);
		try {
			rows = migrate::Runner(db).current();
		} catch (const migrate::Error &e) {
			throw from_engine(e);
		}
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
		throw Failure(fmt::format("check --schema needs the migration files: {} does not exist", project.dir().string()),
		              {}, "Run it from the project, or name the directory with --dir.");
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
	const Host &host = ctx.prepare();
	Connection &conn = ctx.connection();
	const std::vector<migrate::CurrentRow> rows = current_rows(ctx, host);

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
		for (const auto &row : rows)
			if (auto idx = graph->find(row.revision))
				current_mask[*idx] = true;
	auto entries = graph && opt.verbose ? entries_by_revision(*graph, current_mask) : std::vector<migrate::HistoryEntry>{};

	nlohmann::json list = nlohmann::json::array();
	for (const auto &row : rows) {
		const std::string &id = row.revision;
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
			out().result(id + (row.is_head ? " (head)" : ""));
		}
		list.push_back({{"revision", id}, {"is_head", row.is_head}, {"message", row.message}});
	}
	out().doc()["current"] = list;
	return 0;
}

int
stamp(Context &ctx, const StampOptions &opt) {
	if (opt.sql)
		throw Failure("stamp --sql is not supported", {}, "Run stamp against the database.");
	const Host &host = ctx.prepare();
	Connection &conn = ctx.connection();
	std::string targets = fmt::format("{}", fmt::join(opt.targets, " "));
	Transaction tx(conn);
	acquire_migration_lock(conn, ctx.options().lock_wait, false);
	std::vector<std::string> before = version_rows(conn);
	if (host.client) {
		std::vector<std::string> list = split_targets(targets);
		if (list.empty()) {
			Failure f("no revision to stamp", {}, "Name one or more revisions, 'head', 'heads' or 'base'.");
			f.sqlstate = "22023";
			throw f;
		}
		LibpqDatabase db(conn, false);
		try {
			migrate::Runner(db).stamp(list, opt.purge);
		} catch (const migrate::Error &e) {
			throw from_engine(e);
		}
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

int
check(Context &ctx, const CheckOptions &opt) {
	const Host &host = ctx.prepare();
	Connection &conn = ctx.connection();
	try {
		if (host.client) {
			LibpqDatabase db(conn, false);
			try {
				migrate::Runner(db).check();
			} catch (const migrate::Error &e) {
				throw from_engine(e);
			}
		} else {
			conn.query(fmt::format("SELECT {}()", host.fn("migrate_check")));
		}
	} catch (const Failure &e) {
		if (e.sqlstate == "55000")
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
