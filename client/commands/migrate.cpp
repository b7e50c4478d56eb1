// upgrade / downgrade: online through the database, or --sql (the script, nothing changed). In
// client mode (--no-extension) the script creates the state tables itself and stores revisions
// with plain SQL instead of migrate_add.
#include "alembic.hpp"
#include "apply.hpp"
#include "commands/commands.hpp"
#include "migrate/error.hpp"
#include "migrate/plan.hpp"
#include "migrate/script.hpp"
#include "migrate/state.hpp"
#include "migrate/target.hpp"
#include "output.hpp"

#include <fmt/format.h>

namespace pgmigrate::commands {

namespace {

using migrate::Direction;
using migrate::RevisionGraph;
using migrate::state::comment_text;
using migrate::state::dollar_tag;

// Client mode: the state tables (state.sql, as pgmigrate --no-extension creates them), created
// only when missing, since state.sql's COMMENT and GRANT need the owner.
std::string
state_statement() {
	const StateDdl ddl = state_ddl();
	std::string inner = dollar_tag(ddl.schema + ddl.rest, "state");
	std::string outer = dollar_tag(inner + ddl.schema + ddl.rest, "pgmigrate");
	return fmt::format(
	    "-- The state tables of client mode (pgmigrate --no-extension), created when missing\n"
	    "DO {0}\nDECLARE\n  caller_path text := pg_catalog.current_setting('search_path');\nBEGIN\n"
	    "  IF pg_catalog.to_regclass('migrate.revisions') IS NULL OR pg_catalog.to_regclass('migrate.version') "
	    "IS NULL\n     OR pg_catalog.to_regclass('migrate.log') IS NULL OR "
	    "pg_catalog.to_regclass('migrate.lock_holder') IS NULL THEN\n"
	    "    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);\n"
	    "    IF pg_catalog.to_regnamespace('migrate') IS NULL THEN\n      EXECUTE {1}{2}{1};\n    END IF;\n"
	    "    EXECUTE {1}\n{3}{1};\n"
	    "    PERFORM pg_catalog.set_config('search_path', caller_path, true);\n  END IF;\nEND\n{0};\n\n",
	    outer, inner, ddl.schema, ddl.rest);
}

// The schema of the installed extension, as a scalar subquery (for a script run without pgmigrate).
constexpr std::string_view extension_schema_sql =
    "(SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) "
    "e.extnamespace WHERE e.extname OPERATOR(pg_catalog.=) 'migrate')";

// The uploads `upgrade` makes before it runs: so the script works on a database that has never
// seen these revisions (migrate_add of identical content is a no-op). In client mode the
// engine's own upsert into migrate.revisions, after the state tables, refusing as migrate_add
// does to replace an applied revision by different content. The comments carry the id and file
// name through comment_text (the parser refuses control characters in both; this keeps the script
// safe whatever reached the graph).
std::string
upload_statements(const Project &project, const RevisionGraph &graph, const migrate::Plan &plan, const std::string &fn,
                  bool client_mode) {
	std::string sql;
	for (const auto &step : plan.steps) {
		if (step.direction != Direction::upgrade)
			continue;
		const migrate::Revision &rev = graph[step.revision];
		const ProjectFile &file = project.file(rev.id);
		if (client_mode) {
			sql += fmt::format("-- Upload revision {} ({})\n{};\n\n", comment_text(rev.id), comment_text(file.name()),
			                   migrate::state::guarded_upsert_script(rev, file.content, file.name()));
			continue;
		}
		std::string tag = dollar_tag(file.content, "pgmigrate");
		const std::string args =
		    fmt::format("{}{}{}, {}", tag, file.content, tag, migrate::state::quote_literal(file.name()));
		std::string call = fmt::format("SELECT {}({})", fn, args);
		if (fn.empty()) {
			// No database to ask where the extension lives: the script asks, so that an unqualified
			// call can never resolve to a look-alike in a schema on the runner's search_path.
			std::string escaped; // args inside format()'s pattern: a % is written %%
			for (char c : args)
				escaped += c == '%' ? std::string("%%") : std::string(1, c);
			std::string body = fmt::format("BEGIN\n  EXECUTE pg_catalog.format({}, {});\nEND\n",
			                               migrate::state::quote_literal("SELECT %I.migrate_add(" + escaped + ")"),
			                               extension_schema_sql);
			std::string outer = dollar_tag(body, "upload");
			call = fmt::format("DO {}\n{}{}", outer, body, outer);
		}
		sql +=
		    fmt::format("-- Upload revision {} ({})\n{};\n\n", comment_text(rev.id), comment_text(file.name()), call);
	}
	if (client_mode && !sql.empty())
		sql = state_statement() + sql;
	return sql;
}

int
offline(Context &ctx, Direction direction, const std::string &argument) {
	Project &project = ctx.project(false, true); // --sql needs the files
	require_sql(project);
	// With a database: the files' view of it (files_view.hpp), which holds the applied revisions
	// whose file is gone, with their stored (verified) sections for a downgrade script.
	std::optional<FilesView> view;
	if (ctx.has_database()) {
		Connection &conn = ctx.connection();
		if (find_extension(conn) || has_state_tables(conn))
			view = read_files_view(conn, project, true);
	}
	const RevisionGraph &graph = view ? view->graph() : project.graph();
	const bool up = direction == Direction::upgrade;
	std::string from, target = argument;
	bool ranged = false;
	if (auto colon = argument.find(':'); colon != std::string::npos) {
		ranged = true;
		from = argument.substr(0, colon);
		target = argument.substr(colon + 1);
	}
	std::string fn; // the extension's migrate_add, schema-qualified; empty: the script looks it up
	const bool client_mode = ctx.options().no_extension;
	std::vector<RevisionGraph::Index> current;
	if (ranged) {
		if (!from.empty() && from != "base")
			current = migrate::resolve_revisions(graph, from);
	} else if (ctx.has_database()) {
		// Only read: the current version. Nothing is uploaded, created or changed.
		Connection &conn = ctx.connection();
		if (auto ext = find_extension(conn)) {
			fn = ext->fn("migrate_add");
			current = view->current();
		} else if (has_state_tables(conn)) {
			if (!client_mode)
				throw client_mode_database(conn);
			current = view->current();
		}
	} else if (!up) {
		if (migrate::parse_target(target).relative_to_current())
			throw Failure("downgrade with --sql requires <fromrev>:<torev>", {},
			              "Give the starting point (pgmigrate downgrade 002:001 --sql), or a database URL to read "
			              "the current version from.");
		current = graph.heads();
	}
	migrate::Plan plan =
	    up ? migrate::plan_upgrade(graph, current, target) : migrate::plan_downgrade(graph, current, target);
	refuse_unfilled(project, graph, plan);
	std::string script = migrate::render_script(graph, plan);
	std::string uploads = upload_statements(project, graph, plan, fn, client_mode);
	// After BEGIN, before the lock: in client mode the uploads create the state tables, and the
	// lock is one on migrate.version (migrate_add takes it itself).
	if (!uploads.empty())
		script.insert(script.starts_with("BEGIN;\n\n") ? 8 : 0, uploads);
	out().raw(script);
	out().doc()["sql"] = out().scrubbed(script);
	out().doc()["steps"] = plan.steps.size();
	return 0;
}

// `upgrade head` / `upgrade heads` when the upload found the server unchanged and every stored
// revision applied: the plan the engine would make is empty (an upgrade never leaves an applied
// revision), so skip the lock and the call, which would load the extension's library into a fresh
// backend only to find nothing to do; the deploy that starts an app pays for this. A migrator
// running now has not committed, so this snapshot sees the state before it: a consistent order.
// With several heads `head` is the engine's error, so it goes to the engine.
bool
nothing_to_upgrade(const SyncResult &synced, const std::string &target) {
	return synced.unchanged && synced.all_applied && (target == "heads" || (target == "head" && synced.heads == 1));
}

int
online(Context &ctx, Direction direction, const MigrateOptions &opt) {
	if (opt.target.find(':') != std::string::npos)
		throw Failure("Range revision not allowed", {},
		              "A range (A:B) is for --sql and history; give a single target.");
	const bool to_heads = direction == Direction::upgrade && (opt.target == "head" || opt.target == "heads");
	// Drafts are never uploaded, so a server holding exactly the files has none to apply. Otherwise
	// plan on the files' graph first, to refuse a plan that would apply one before anything is
	// uploaded or run.
	const auto refuse_drafts = [&] {
		Project &files = ctx.files();
		if (direction != Direction::upgrade || files.unfinished().empty())
			return;
		FilesView view = read_files_view(ctx.connection(), files);
		refuse_unfilled(files, view.graph(), migrate::plan_upgrade(view.graph(), view.current(), opt.target));
	};
	const Host &host = ctx.prepare(to_heads, refuse_drafts);
	std::vector<AppliedStep> steps;
	if (!to_heads || !nothing_to_upgrade(ctx.synced(), opt.target)) {
		refuse_alembic_database(ctx.connection(), version_rows(ctx.connection()));
		steps = apply_online(ctx.connection(), host, {direction, opt.target, opt.per_revision, out().json()},
		                     ctx.options().lock_wait);
	}
	if (!out().json()) // the document is printed only with --json: 1 KB a step, 10 MB at 10,000
		return 0;
	nlohmann::json list = nlohmann::json::array();
	for (const auto &s : steps)
		list.push_back({{"direction", s.direction},
		                {"revision", s.revision},
		                {"down_revision", s.down_revision},
		                {"message", s.message},
		                {"duration_ms", s.duration_ms}});
	out().doc()["target"] = opt.target;
	out().doc()["steps"] = list;
	out().doc()["current"] = version_rows(ctx.connection());
	return 0;
}

} // namespace

int
upgrade(Context &ctx, const MigrateOptions &opt) {
	if (opt.sql)
		return offline(ctx, Direction::upgrade, opt.target);
	return online(ctx, Direction::upgrade, opt);
}

int
downgrade(Context &ctx, const MigrateOptions &opt) {
	if (opt.sql)
		return offline(ctx, Direction::downgrade, opt.target);
	return online(ctx, Direction::downgrade, opt);
}

} // namespace pgmigrate::commands
