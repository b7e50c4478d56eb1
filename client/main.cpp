// pgmigrate: Alembic's command set for the migrate extension. Parses the command line and
// dispatches; every failure ends as `FAILED: ...` and exit 1, a usage error as exit 2.
#include "commands/commands.hpp"
#include "completion.hpp"
#include "connection.hpp"
#include "fleet.hpp"
#include "migrate/error.hpp"
#include "output.hpp"
#include "url.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <optional>
#include <set>

#ifndef PGMIGRATE_VERSION
#define PGMIGRATE_VERSION "dev"
#endif

namespace {

using namespace pgmigrate;

constexpr const char *usage_line =
    "usage: pgmigrate [-d URL]... [--targets FILE] [--dir DIR] [--json] [-q] [--wait [SECONDS]] [--lock-wait SECONDS]\n"
    "                 [--lock-timeout DURATION] [--lock-retries N] [--no-extension] [--jobs N] [--canary N]\n"
    "                 [--continue-on-error] COMMAND [ARGS]";

// --branch-label a,b and repeated options both work: CLI11 splits at the commas (dropping empty
// items), this trims the blanks around each item.
std::string
trimmed(std::string item) {
	return CLI::detail::trim_copy(item);
}

// PGMIGRATE_NO_EXTENSION=1 (or true, yes, on); 0, false, no, off or empty leave it off.
bool
env_true(std::string value) {
	for (auto &c : value)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return !(value.empty() || value == "0" || value == "false" || value == "no" || value == "off");
}

// A usage error (exit 2): the message, the usage line, and with --json still one document.
int
usage_error(const std::string &message, bool json) {
	std::cerr << "pgmigrate: " << message << "\n" << usage_line << "\nRun 'pgmigrate --help' for more.\n";
	if (json) { // still one document on stdout for scripts
		nlohmann::json doc = {{"ok", false}, {"error", {{"message", message}, {"usage", true}}}};
		std::cout << doc.dump(2) << "\n";
	}
	return exit_usage;
}

// A number of seconds >= 0 (finite), or nullopt.
std::optional<double>
parse_seconds(const std::string &text) {
	if (text.empty() || std::isspace(static_cast<unsigned char>(text.front())))
		return std::nullopt;
	errno = 0;
	char *end = nullptr;
	double value = std::strtod(text.c_str(), &end);
	if (errno != 0 || *end != '\0' || !std::isfinite(value) || value < 0)
		return std::nullopt;
	return value;
}

// Edit distance with adjacent transpositions (optimal string alignment): upgarde -> upgrade is 1.
std::size_t
edit_distance(std::string_view a, std::string_view b) {
	std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
	for (std::size_t i = 0; i <= a.size(); ++i)
		d[i][0] = i;
	for (std::size_t j = 0; j <= b.size(); ++j)
		d[0][j] = j;
	for (std::size_t i = 1; i <= a.size(); ++i)
		for (std::size_t j = 1; j <= b.size(); ++j) {
			std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
		}
	return d[a.size()][b.size()];
}

// The command word of the command line: the first argument that is neither an option nor the
// value of a global option (-d URL, --dir DIR, --lock-wait N, --wait [N]); "" when there is none.
std::string
command_word(int argc, char **argv) {
	for (int i = 1; i < argc; ++i) {
		std::string_view arg = argv[i];
		if (arg == "--")
			return i + 1 < argc ? argv[i + 1] : "";
		if (arg == "-d" || arg == "--database-url" || arg == "--dir" || arg == "--lock-wait") {
			++i;
			continue;
		}
		if (arg == "--wait") {
			if (i + 1 < argc && parse_seconds(argv[i + 1]))
				++i;
			continue;
		}
		if (arg.starts_with("-"))
			continue;
		return std::string(arg);
	}
	return {};
}

// `unknown command 'upgarde'; did you mean 'upgrade'?`, or "" when `word` is a command (or
// there is no word: CLI11's own message says what is missing).
std::string
unknown_command(const CLI::App &app, const std::string &word) {
	if (word.empty())
		return {};
	std::string best;
	std::size_t best_distance = std::string::npos;
	for (const auto *sub : app.get_subcommands({})) {
		const std::string &name = sub->get_name();
		if (name == word)
			return {};
		std::size_t d = edit_distance(word, name);
		if (name.starts_with(word) && word.size() >= 2)
			d = std::min<std::size_t>(d, 1);
		if (d < best_distance) {
			best_distance = d;
			best = name;
		}
	}
	std::string message = fmt::format("unknown command '{}'", word);
	if (best_distance <= std::max<std::size_t>(2, word.size() / 3))
		message += fmt::format("; did you mean '{}'?", best);
	else
		message += " (run 'pgmigrate --help' for the commands)";
	return message;
}

// A password on the command line (-d postgresql://u:PW@..., --shadow-url, diff's URLs) is
// readable by every local user in /proc/PID/cmdline and ps: once the arguments are parsed
// (CLI11 copied them), overwrite the password bytes in place with '*', same length. Until then
// it shows for a moment: DATABASE_URL, PGPASSWORD or ~/.pgpass keep it off the command line.
void
hide_passwords(int argc, char **argv) {
	for (int i = 1; i < argc; ++i) {
		std::string blanked = blank_passwords(argv[i]);
		if (blanked.size() == std::strlen(argv[i]) && blanked != argv[i])
			std::memcpy(argv[i], blanked.data(), blanked.size());
	}
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
	std::vector<std::string> urls;
	app.add_option("-d,--database-url", urls,
	               "Database URL (postgresql://, postgres://, postgresql+asyncpg://... or a libpq keyword/value "
	               "string); default $DATABASE_URL. Repeat it to run the command on each database")
	    ->allow_extra_args(false)
	    ->type_name("URL");
	std::string targets_file;
	FleetOptions fleet;
	app.add_option("--targets", targets_file,
	               "Run the command on every database of FILE ('-': stdin): one URL or conninfo per line; blank lines "
	               "and # comments are skipped")
	    ->type_name("FILE");
	app.add_option("--jobs", fleet.jobs, "With several databases: how many at a time (default 4)")
	    ->check(CLI::Range(1, 256))
	    ->type_name("N");
	app.add_option("--canary", fleet.canary,
	               "With several databases: run the first N alone first, and stop if one of them fails")
	    ->check(CLI::NonNegativeNumber)
	    ->type_name("N");
	app.add_flag("--continue-on-error", fleet.continue_on_error,
	             "With several databases: go on after a failure (by default no new database is started)");
	app.add_option("--dir", g.dir, "Migrations directory; default $PGMIGRATE_DIR or ./migrations")->type_name("DIR");
	app.add_flag("--json", g.json, "Print one JSON document for the command");
	app.add_flag("-q,--quiet", g.quiet, "Print only results and errors, no progress");
	std::string wait_text; // numbers checked after parsing, for a clear message
	auto *wait =
	    app.add_option("--wait", wait_text, "Wait up to SECONDS (default 60) for the server to accept connections")
	        ->expected(0, 1)
	        ->default_str("60")
	        ->type_name("[SECONDS]");
	app.add_flag("--no-extension", g.no_extension,
	             "Run without the migrate extension (client mode, for managed databases that allow no C extension): "
	             "pgmigrate keeps the same state in schema migrate and applies the migrations itself; also "
	             "PGMIGRATE_NO_EXTENSION=1");
	std::string lock_wait_text;
	auto *lock_wait = app.add_option("--lock-wait", lock_wait_text,
	                                 "Wait up to SECONDS (default 300) while another migration holds the lock")
	                      ->type_name("SECONDS");

	app.add_option("--lock-timeout", g.lock_timeout,
	               "How long each migration statement waits for a lock before the attempt is undone and retried "
	               "(default 500ms; 0: no limit; a revision's lock_timeout header wins); sets migrate.lock_timeout")
	    ->type_name("DURATION");
	app.add_option("--lock-retries", g.lock_retries,
	               "How many times to retry after a lock timeout, with growing pauses (default 10); sets "
	               "migrate.lock_retries")
	    ->check(CLI::Range(0, 1000))
	    ->type_name("N");

	std::function<int(Context &)> action;

	// init
	commands::InitOptions init_opt;
	auto *init = app.add_subcommand("init", "Create the migrations directory with a README on the file format");
	init->add_option("directory", init_opt.dir, "Directory (default --dir, $PGMIGRATE_DIR or ./migrations)");
	init->callback([&] { action = [&](Context &c) { return commands::init(c, init_opt); }; });

	// revision
	commands::RevisionOptions rev_opt;
	auto *revision = app.add_subcommand("revision", "Create a new revision file");
	revision->add_option("-m,--message", rev_opt.message, "Message (also the file name's slug)")->required();
	revision->add_option("--rev-id", rev_opt.rev_id, "Revision id (default: next number, or 12 hex digits)");
	revision->add_option("--head", rev_opt.head, "Head to base the revision on ('base' for a new root)");
	revision->add_flag("--splice", rev_opt.splice, "Allow --head to name a revision that is not a head");
	revision->add_option("--branch-label", rev_opt.branch_labels, "Branch label(s) for the new revision")
	    ->delimiter(',')
	    ->transform(trimmed);
	revision->add_option("--depends-on", rev_opt.depends_on, "Revision(s) this one depends on")
	    ->delimiter(',')
	    ->transform(trimmed);
	auto *autogenerate =
	    revision->add_flag("--autogenerate", rev_opt.autogenerate,
	                       "Draft the upgrade and downgrade SQL from the difference between the migrations' head and "
	                       "the schema files (--schema)");
	revision
	    ->add_option("--schema", rev_opt.shadow.schema_path,
	                 "With --autogenerate: the desired schema, a .sql file or a directory of them (default ./schema)")
	    ->type_name("PATH")
	    ->needs(autogenerate);
	revision
	    ->add_option("--shadow-url", rev_opt.shadow.shadow_url,
	                 "With --autogenerate: create the two shadow databases on this server instead of -d's")
	    ->needs(autogenerate);
	revision->callback([&] { action = [&](Context &c) { return commands::revision(c, rev_opt); }; });

	// merge
	commands::MergeOptions merge_opt;
	auto *merge = app.add_subcommand("merge", "Create a revision that merges heads");
	merge->add_option("revisions", merge_opt.revisions, "Revisions to merge, or 'heads'")->required();
	merge->add_option("-m,--message", merge_opt.message, "Message")->required();
	merge->add_option("--rev-id", merge_opt.rev_id, "Revision id");
	merge->add_option("--branch-label", merge_opt.branch_labels, "Branch label(s) for the merge revision")
	    ->delimiter(',')
	    ->transform(trimmed);
	merge->callback([&] { action = [&](Context &c) { return commands::merge(c, merge_opt); }; });

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
	auto *stamp_targets =
	    stamp->add_option("revisions", stamp_opt.targets, "Target revision(s); several set exactly those");
	auto *stamp_purge =
	    stamp->add_flag("--purge", stamp_opt.purge, "Delete every version row first (even unknown ones)");
	auto *stamp_sql = stamp->add_flag("--sql", stamp_opt.sql, "Print the SQL instead of running it");
	stamp
	    ->add_flag("--from-alembic", stamp_opt.from_alembic,
	               "Adopt a database that Alembic migrated: the revisions its alembic_version holds (as adopt)")
	    ->excludes(stamp_targets)
	    ->excludes(stamp_purge)
	    ->excludes(stamp_sql);
	stamp->callback([&] {
		if (!stamp_opt.from_alembic && stamp_opt.targets.empty())
			throw CLI::RequiredError("revisions");
		action = [&](Context &c) { return commands::stamp(c, stamp_opt); };
	});

	// adopt
	auto *adopt = app.add_subcommand(
	    "adopt", "Take over a database that Alembic migrated: its alembic_version rows become migrate's version");
	adopt->callback([&] { action = [&](Context &c) { return commands::adopt(c); }; });

	// import
	commands::ImportOptions import_opt;
	auto *import = app.add_subcommand("import", "Write migration files from another tool's project");
	import->require_subcommand(1);
	auto *import_alembic = import->add_subcommand(
	    "alembic", "An Alembic project's revisions, their SQL rendered by Alembic's offline mode (--sql)");
	import_alembic->add_option("--from", import_opt.from, "The Alembic project's directory (default: the current one)");
	import_alembic->add_option("-c,--config", import_opt.config, "Alembic's configuration file (default: alembic.ini)");
	import_alembic->add_option("--alembic", import_opt.alembic,
	                           "The command that runs Alembic, split at blanks (default: alembic on PATH), e.g. "
	                           "'python3 -m alembic'");
	import_alembic->add_option("--python", import_opt.python,
	                           "The Python that has the alembic module (default: the one --alembic runs)");
	import_alembic->add_option("--version-table", import_opt.version_table,
	                           "Alembic's version table, whose statements are left out (default: alembic_version)");
	import_alembic->add_option("--timeout", import_opt.timeout, "Seconds each run of Alembic may take (default: 120)")
	    ->check(CLI::PositiveNumber);
	import_alembic->add_flag("--force", import_opt.force,
	                         "Overwrite files that hold an imported revision with other content");
	import_alembic->callback([&] { action = [&](Context &c) { return commands::import_alembic(c, import_opt); }; });

	// remove
	commands::RemoveOptions remove_opt;
	auto *remove = app.add_subcommand("remove", "Remove stored revisions that were never applied and have no file");
	remove->add_option("revisions", remove_opt.revisions, "Full revision id(s)")->required();
	remove->callback([&] { action = [&](Context &c) { return commands::remove(c, remove_opt); }; });

	// check
	commands::CheckOptions check_opt;
	auto *check = app.add_subcommand("check", "Exit 1 unless the database is at the head(s) (and, with --schema, "
	                                          "the migrations' head matches the schema files)");
	auto *check_schema =
	    check
	        ->add_option("--schema", check_opt.shadow.schema_path,
	                     "Also fail when the schema files (a .sql file or a directory) differ from the "
	                     "migrations' head: 'New upgrade operations detected'")
	        ->type_name("PATH");
	check
	    ->add_option("--shadow-url", check_opt.shadow.shadow_url,
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
	install->add_flag("--drop-other-grants", install_opt.drop_other_grants,
	                  "Leave behind the grants on the state tables that the extension does not give (TRIGGER, "
	                  "TRUNCATE, rights given to PUBLIC...), one line each; without it they stop the move");
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

	// lint
	commands::LintOptions lint_opt;
	auto *lint = app.add_subcommand("lint", "Check migrations for statements that lock, rewrite or break a live "
	                                        "database (squawk's rules, graded by the catalog)");
	lint->add_option("revisions", lint_opt.revisions, "Revision(s) to lint (default: all): an id, prefix or label");
	lint->add_flag("--offline", lint_opt.offline, "Do not connect: the text-only verdicts");
	lint->callback([&] { action = [&](Context &c) { return commands::lint(c, lint_opt); }; });

	// test
	commands::TestOptions test_opt;
	auto *test = app.add_subcommand(
	    "test", "Upgrade and downgrade one revision at a time on a scratch database, checking each downgrade");
	test->add_option("--scratch-url", test_opt.scratch_url,
	                 "An empty database to use (default: create and drop one next to -d)");
	test->callback([&] { action = [&](Context &c) { return commands::test(c, test_opt); }; });

	// completion
	std::string completion_shell;
	auto *completion = app.add_subcommand("completion", "Print the shell completion script (bash) for pgmigrate's "
	                                                    "commands and options");
	completion->add_option("shell", completion_shell, "The shell: bash")->required()->check(CLI::IsMember({"bash"}));

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
		// A mistyped command leaves no subcommand parsed: name it rather than "A subcommand is required".
		std::string unknown = app.get_subcommands().empty() ? unknown_command(app, command_word(argc, argv)) : "";
		return usage_error(unknown.empty() ? e.what() : unknown, g.json);
	}
	hide_passwords(argc, argv);
	if (completion->parsed()) { // the parser itself, before anything reads the environment
		std::cout << bash_completion(app);
		return exit_ok;
	}
	// What reads the sections' SQL client-side; the other commands keep the files' headers only.
	g.project_sql = lint->parsed() || up_opt.sql || down_opt.sql;
	const bool fleet_mode = urls.size() > 1 || !targets_file.empty();
	if (fleet_mode) {
		const std::string command = app.get_subcommands().front()->get_name();
		static const std::set<std::string> single = {"init", "revision", "merge", "diff", "test", "import"};
		if (single.contains(command))
			return usage_error(fmt::format("{} works on one database: give -d once, without --targets", command),
			                   g.json);
		if (up_opt.sql || down_opt.sql || stamp_opt.sql)
			return usage_error("--sql prints one script: give -d once, without --targets", g.json);
		fleet.targets = urls;
	} else if (!urls.empty()) {
		g.database_url = urls.front();
	}
	if (wait->count() > 0) {
		if (wait_text.empty()) {
			g.wait = 60;
		} else if (auto seconds = parse_seconds(wait_text)) {
			g.wait = *seconds;
		} else {
			return usage_error(fmt::format("--wait must be a number of seconds >= 0, not '{}'", wait_text), g.json);
		}
	}
	if (lock_wait->count() > 0) {
		if (auto seconds = parse_seconds(lock_wait_text))
			g.lock_wait = *seconds;
		else
			return usage_error(fmt::format("--lock-wait must be a number of seconds >= 0, not '{}'", lock_wait_text),
			                   g.json);
	}
	if (!g.no_extension)
		if (const char *env = std::getenv("PGMIGRATE_NO_EXTENSION"))
			g.no_extension = env_true(env);

	out().configure(g.json, g.quiet);
	for (auto *sub : app.get_subcommands())
		out().doc()["command"] = sub->get_name();
	install_interrupt_handler();
	// A command that failed because of SIGINT or SIGTERM (it unwound, cleaning up) exits as a
	// shell reports a process the signal ended: 130, 143.
	auto exit_code = [](int code) { return code != exit_ok && interrupt_exit_code() ? interrupt_exit_code() : code; };
	// The command on one database: its exit code, its failure reported.
	auto run_one = [&](auto &&body) {
		try {
			return out().finish(exit_code(body()));
		} catch (const migrate::Error &e) { // the engine's, the server's and pgmigrate's own
			out().fail(e);
			const auto *client = dynamic_cast<const Failure *>(&e);
			return out().finish(exit_code(client ? client->exit_code : exit_failure));
		} catch (const std::exception &e) {
			out().fail(Failure(e.what()));
			return out().finish(exit_code(exit_failure));
		}
	};
	if (!fleet_mode)
		return run_one([&] {
			Context ctx(g);
			return action(ctx);
		});
	return run_one([&] {
		if (!targets_file.empty()) {
			auto listed = read_targets(targets_file);
			fleet.targets.insert(fleet.targets.end(), listed.begin(), listed.end());
		}
		Context ctx(g);
		return run_fleet(ctx, fleet, [&](Context &c) { return run_one([&] { return action(c); }); });
	});
}

} // namespace

int
main(int argc, char **argv) {
	return run(argc, argv);
}
