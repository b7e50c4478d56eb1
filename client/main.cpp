// pgmigrate: Alembic's command set for the migrate extension. Parses the command line and
// dispatches; every failure ends as `FAILED: ...` and exit 1, a usage error as exit 2.
#include "commands/commands.hpp"
#include "connection.hpp"
#include "migrate/error.hpp"
#include "output.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <functional>
#include <iostream>

#ifndef PGMIGRATE_VERSION
#define PGMIGRATE_VERSION "dev"
#endif

namespace {

using namespace pgmigrate;

constexpr const char *usage_line =
    "usage: pgmigrate [-d URL] [--dir DIR] [--json] [-q] [--wait [SECONDS]] [--lock-wait SECONDS] [--no-extension]\n"
    "                 COMMAND [ARGS]";

// --branch-label a,b and repeated options both work.
std::vector<std::string>
split_commas(const std::vector<std::string> &values) {
	std::vector<std::string> out;
	for (const auto &v : values) {
		std::size_t start = 0;
		while (start <= v.size()) {
			std::size_t comma = v.find(',', start);
			std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
			auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
			if (b != std::string::npos)
				out.push_back(item.substr(b, e - b + 1));
			if (comma == std::string::npos)
				break;
			start = comma + 1;
		}
	}
	return out;
}

// PGMIGRATE_NO_EXTENSION=1 (or true, yes, on); 0, false, no, off or empty leave it off.
bool
env_true(std::string value) {
	for (auto &c : value)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return !(value.empty() || value == "0" || value == "false" || value == "no" || value == "off");
}

int
run(int argc, char **argv) {
	CLI::App app{"pgmigrate: schema migrations for PostgreSQL, stored and applied by the migrate extension,\n"
	             "with Alembic's command set.",
	             "pgmigrate"};
	app.set_version_flag("--version", std::string("pgmigrate ") + PGMIGRATE_VERSION);
	app.require_subcommand(1);
	app.fallthrough();
	app.footer("Targets: head, heads, base, <rev> or a unique prefix, +N, -N, <rev>+N, head-N, <label>@head,\n"
	           "<label>@-N; A:B ranges for history and --sql. Exit status: 0 ok, 1 failure, 2 usage error.");

	GlobalOptions g;
	app.add_option("-d,--database-url", g.database_url,
	               "Database URL (postgresql://, postgres://, postgresql+asyncpg://... or a libpq keyword/value "
	               "string); default $DATABASE_URL");
	app.add_option("--dir", g.dir, "Migrations directory; default $PGMIGRATE_DIR or ./migrations");
	app.add_flag("--json", g.json, "Print one JSON document for the command");
	app.add_flag("-q,--quiet", g.quiet, "Print only results and errors, no progress");
	double wait_seconds = -1;
	auto *wait = app.add_option("--wait", wait_seconds,
	                            "Wait up to SECONDS (default 60) for the server to accept connections")
	                 ->expected(0, 1)
	                 ->default_str("60")
	                 ->type_name("[SECONDS]");
	app.add_flag("--no-extension", g.no_extension,
	             "Run without the migrate extension (client mode, for managed databases that allow no C extension): "
	             "pgmigrate keeps the same state in schema migrate and applies the migrations itself; also "
	             "PGMIGRATE_NO_EXTENSION=1");
	app.add_option("--lock-wait", g.lock_wait,
	               "Wait up to SECONDS (default 300) while another migration holds the lock")
	    ->check(CLI::NonNegativeNumber)
	    ->type_name("SECONDS");

	std::function<int(Context &)> action;

	// init
	commands::InitOptions init_opt;
	auto *init = app.add_subcommand("init", "Create the migrations directory with a README on the file format");
	init->add_option("directory", init_opt.dir, "Directory (default --dir, $PGMIGRATE_DIR or ./migrations)");
	init->callback([&] { action = [&](Context &c) { return commands::init(c, init_opt); }; });

	// revision
	commands::RevisionOptions rev_opt;
	std::vector<std::string> rev_labels, rev_deps;
	auto *revision = app.add_subcommand("revision", "Create a new revision file");
	revision->add_option("-m,--message", rev_opt.message, "Message (also the file name's slug)")->required();
	revision->add_option("--rev-id", rev_opt.rev_id, "Revision id (default: next number, or 12 hex digits)");
	revision->add_option("--head", rev_opt.head, "Head to base the revision on ('base' for a new root)");
	revision->add_flag("--splice", rev_opt.splice, "Allow --head to name a revision that is not a head");
	revision->add_option("--branch-label", rev_labels, "Branch label(s) for the new revision");
	revision->add_option("--depends-on", rev_deps, "Revision(s) this one depends on");
	auto *autogenerate = revision->add_flag("--autogenerate", rev_opt.autogenerate,
	                   "Draft the upgrade and downgrade SQL from the difference between the migrations' head and "
	                   "the schema files (--schema)");
	revision->add_option("--schema", rev_opt.shadow.schema_path,
	                     "With --autogenerate: the desired schema, a .sql file or a directory of them (default ./schema)")
	    ->needs(autogenerate);
	revision->add_option("--shadow-url", rev_opt.shadow.shadow_url,
	                     "With --autogenerate: create the two shadow databases on this server instead of -d's")
	    ->needs(autogenerate);
	revision->callback([&] {
		rev_opt.branch_labels = split_commas(rev_labels);
		rev_opt.depends_on = split_commas(rev_deps);
		action = [&](Context &c) { return commands::revision(c, rev_opt); };
	});

	// merge
	commands::MergeOptions merge_opt;
	std::vector<std::string> merge_labels;
	auto *merge = app.add_subcommand("merge", "Create a revision that merges heads");
	merge->add_option("revisions", merge_opt.revisions, "Revisions to merge, or 'heads'")->required();
	merge->add_option("-m,--message", merge_opt.message, "Message")->required();
	merge->add_option("--rev-id", merge_opt.rev_id, "Revision id");
	merge->add_option("--branch-label", merge_labels, "Branch label(s) for the merge revision");
	merge->callback([&] {
		merge_opt.branch_labels = split_commas(merge_labels);
		action = [&](Context &c) { return commands::merge(c, merge_opt); };
	});

	// upgrade / downgrade
	commands::MigrateOptions up_opt, down_opt;
	auto *upgrade = app.add_subcommand("upgrade", "Upgrade to a later revision");
	upgrade->add_option("revision", up_opt.target, "Target (head, heads, +N, <rev>...; A:B with --sql)")->required();
	upgrade->add_flag("--sql", up_opt.sql, "Print the SQL instead of running it");
	upgrade->add_flag("--transaction-per-revision", up_opt.per_revision, "Commit after each revision");
	upgrade->callback([&] { action = [&](Context &c) { return commands::upgrade(c, up_opt); }; });

	auto *downgrade = app.add_subcommand("downgrade", "Revert to a previous revision");
	downgrade->add_option("revision", down_opt.target, "Target (-N, <rev>, base...; A:B with --sql)")->required();
	downgrade->add_flag("--sql", down_opt.sql, "Print the SQL instead of running it");
	downgrade->add_flag("--transaction-per-revision", down_opt.per_revision, "Commit after each revision");
	downgrade->callback([&] { action = [&](Context &c) { return commands::downgrade(c, down_opt); }; });

	// current
	commands::CurrentOptions cur_opt;
	auto *current = app.add_subcommand("current", "Show the current revision(s) of the database");
	current->add_flag("-v,--verbose", cur_opt.verbose, "Show each revision in full");
	current->callback([&] { action = [&](Context &c) { return commands::current(c, cur_opt); }; });

	// history
	commands::HistoryOptions hist_opt;
	auto *history = app.add_subcommand("history", "List the revisions, newest first");
	history->add_flag("-v,--verbose", hist_opt.verbose, "Show each revision in full");
	history->add_option("-r,--rev-range", hist_opt.range, "Range [start]:[end]");
	history->add_flag("-i,--indicate-current", hist_opt.indicate_current, "Mark the database's current revision(s)");
	history->callback([&] { action = [&](Context &c) { return commands::history(c, hist_opt); }; });

	// heads, branches, show
	commands::HeadsOptions heads_opt;
	auto *heads = app.add_subcommand("heads", "Show the heads of the revision graph");
	heads->add_flag("-v,--verbose", heads_opt.verbose, "Show each head in full");
	heads->add_flag("--resolve-dependencies", heads_opt.resolve_dependencies,
	                "Leave out heads that other revisions depend on");
	heads->callback([&] { action = [&](Context &c) { return commands::heads(c, heads_opt); }; });

	commands::BranchesOptions br_opt;
	auto *branches = app.add_subcommand("branches", "Show the branch points of the revision graph");
	branches->add_flag("-v,--verbose", br_opt.verbose, "Show each revision in full");
	branches->callback([&] { action = [&](Context &c) { return commands::branches(c, br_opt); }; });

	commands::ShowOptions show_opt;
	auto *show = app.add_subcommand("show", "Show revision(s) in full");
	show->add_option("revisions", show_opt.revisions, "Revision(s): an id, prefix, label, head, heads, current")
	    ->required();
	show->callback([&] { action = [&](Context &c) { return commands::show(c, show_opt); }; });

	// stamp
	commands::StampOptions stamp_opt;
	auto *stamp = app.add_subcommand("stamp", "Set the version rows without running any migration");
	stamp->add_option("revisions", stamp_opt.targets, "Target revision(s); several set exactly those")->required();
	stamp->add_flag("--purge", stamp_opt.purge, "Delete every version row first (even unknown ones)");
	stamp->callback([&] { action = [&](Context &c) { return commands::stamp(c, stamp_opt); }; });

	// check
	commands::CheckOptions check_opt;
	auto *check = app.add_subcommand("check", "Exit 1 unless the database is at the head(s) (and, with --schema, "
	                                          "the migrations' head matches the schema files)");
	auto *check_schema = check->add_option("--schema", check_opt.shadow.schema_path,
	                                       "Also fail when the schema files (a .sql file or a directory) differ from the "
	                                       "migrations' head: 'New upgrade operations detected'");
	check->add_option("--shadow-url", check_opt.shadow.shadow_url,
	                  "With --schema: create the shadow databases on this server instead of -d's")
	    ->needs(check_schema);
	check->callback([&] {
		check_opt.schema = check_schema->count() > 0;
		action = [&](Context &c) { return commands::check(c, check_opt); };
	});

	// install-extension, uninstall-extension
	commands::InstallExtensionOptions install_opt;
	auto *install = app.add_subcommand(
	    "install-extension",
	    "Move a database from client mode (--no-extension) into the migrate extension, history kept");
	install->add_option("--schema", install_opt.schema,
	                    "Schema for the extension's functions (default: the first schema on search_path)");
	install->callback([&] { action = [&](Context &c) { return commands::install_extension(c, install_opt); }; });
	auto *uninstall = app.add_subcommand(
	    "uninstall-extension",
	    "Move a database from the migrate extension to client mode (--no-extension), history kept, and drop the "
	    "extension");
	uninstall->callback([&] { action = [&](Context &c) { return commands::uninstall_extension(c); }; });

	// diff
	commands::DiffOptions diff_opt;
	auto *diff = app.add_subcommand("diff", "Print the DDL that turns one database's schema into another's");
	diff->add_option("from", diff_opt.from_url, "Database URL of the schema to start from")->required();
	diff->add_option("to", diff_opt.to_url, "Database URL of the schema to arrive at")->required();
	diff->callback([&] { action = [&](Context &c) { return commands::diff(c, diff_opt); }; });

	// test
	commands::TestOptions test_opt;
	auto *test = app.add_subcommand(
	    "test", "Upgrade and downgrade one revision at a time on a scratch database, checking each downgrade");
	test->add_option("--scratch-url", test_opt.scratch_url,
	                 "An empty database to use (default: create and drop one next to -d)");
	test->callback([&] { action = [&](Context &c) { return commands::test(c, test_opt); }; });

	for (auto *sub : app.get_subcommands({}))
		sub->fallthrough();

	try {
		app.parse(argc, argv);
	} catch (const CLI::CallForHelp &e) {
		return app.exit(e);
	} catch (const CLI::CallForAllHelp &e) {
		return app.exit(e);
	} catch (const CLI::CallForVersion &e) {
		return app.exit(e);
	} catch (const CLI::ParseError &e) {
		std::cerr << "pgmigrate: " << e.what() << "\n" << usage_line << "\nRun 'pgmigrate --help' for more.\n";
		if (g.json) { // still one document on stdout for scripts
			nlohmann::json doc = {{"ok", false}, {"error", {{"message", e.what()}, {"usage", true}}}};
			std::cout << doc.dump(2) << "\n";
		}
		return exit_usage;
	}
	if (wait->count() > 0)
		g.wait = wait_seconds < 0 ? 60 : wait_seconds;
	if (!g.no_extension)
		if (const char *env = std::getenv("PGMIGRATE_NO_EXTENSION"))
			g.no_extension = env_true(env);

	out().configure(g.json, g.quiet);
	for (auto *sub : app.get_subcommands())
		out().doc()["command"] = sub->get_name();
	install_interrupt_handler();
	try {
		Context ctx(g);
		return out().finish(action(ctx));
	} catch (const Failure &f) {
		out().fail(f);
		return out().finish(f.exit_code);
	} catch (const migrate::Error &e) {
		out().fail(from_engine(e));
		return out().finish(exit_failure);
	} catch (const std::exception &e) {
		out().fail(Failure(e.what()));
		return out().finish(exit_failure);
	}
}

} // namespace

int
main(int argc, char **argv) {
	return run(argc, argv);
}
