// pgmigrate import alembic: an Alembic project's revisions -> migration files, the SQL rendered
// by Alembic itself in offline mode (`alembic upgrade A:B --sql`), one revision at a time.
#include "alembic_import.hpp"
#include "child_process.hpp"
#include "commands/commands.hpp"
#include "migrate/migration_file.hpp"
#include "migrate/state.hpp"
#include "output.hpp"
#include "revision_file.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <fstream>
#include <mutex>
#include <thread>
#include <map>
#include <set>

namespace pgmigrate::commands {

namespace {

namespace fs = std::filesystem;
using alembic_import::Rendered;
using alembic_import::ScriptRevision;

// "python3 -m alembic" -> {"python3", "-m", "alembic"}: split at blanks, no shell, no quoting.
std::vector<std::string>
words(const std::string &text) {
	std::vector<std::string> out;
	std::string word;
	for (char c : text) {
		if (c == ' ' || c == '\t') {
			if (!word.empty())
				out.push_back(std::move(word));
			word.clear();
		} else {
			word += c;
		}
	}
	if (!word.empty())
		out.push_back(std::move(word));
	return out;
}

std::vector<std::string>
alembic_command(const ImportOptions &opt) {
	if (!opt.alembic.empty()) {
		std::vector<std::string> argv = words(opt.alembic);
		if (argv.empty())
			throw Failure("--alembic is empty", {},
			              "Give the command that runs Alembic, e.g. --alembic alembic or "
			              "--alembic 'python3 -m alembic'.");
		if (find_program(argv[0]).empty())
			throw Failure(fmt::format("--alembic: {} was not found", argv[0]), {},
			              "Give the command that runs the project's Alembic, e.g. --alembic .venv/bin/alembic or "
			              "--alembic 'python3 -m alembic'.");
		return argv;
	}
	if (find_program("alembic").empty())
		throw Failure("alembic was not found on PATH", {},
		              "Install Alembic where the project's Python has it, or pass --alembic CMD (e.g. --alembic "
		              "'.venv/bin/alembic' or --alembic 'python3 -m alembic').");
	return {"alembic"};
}

// The interpreter that runs Alembic, for the graph snippet: `PY -m alembic` names it; a script
// (pip's and Debian's console scripts) names it on its `#!` line. --python overrides both.
std::vector<std::string>
python_command(const ImportOptions &opt, const std::vector<std::string> &alembic) {
	if (!opt.python.empty())
		return words(opt.python);
	if (alembic.size() >= 3 && alembic[1] == "-m" && alembic[2] == "alembic")
		return {alembic[0]};
	fs::path program = find_program(alembic[0]);
	std::ifstream f(program, std::ios::binary);
	std::string first;
	if (f && std::getline(f, first) && first.starts_with("#!")) {
		std::vector<std::string> argv = words(first.substr(2));
		if (!argv.empty() && argv.size() <= 2) // the kernel passes one optional argument
			return argv;
	}
	throw Failure(fmt::format("cannot tell which Python runs {}", alembic[0]), {},
	              "Pass --python PY, the interpreter that has the alembic module.");
}

// The last lines of a child's stderr: Python's traceback ends with the exception.
std::string
tail_lines(const std::string &text, std::size_t count) {
	const std::vector<std::string_view> lines = alembic_import::output_lines(text);
	std::string out;
	for (std::size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i)
		out += fmt::format("{}{}", out.empty() ? "" : "\n", lines[i]);
	return out;
}

// fn(0) ... fn(n - 1) on at most `workers` threads (each run of Alembic is mostly Python starting
// up, so two or more side by side save most of the wait); the first exception is rethrown.
template <class T, class F>
std::vector<T>
run_bounded(std::size_t n, F fn) {
	std::vector<T> results(n);
	std::atomic<std::size_t> next{0};
	std::exception_ptr error;
	std::mutex error_mutex;
	std::vector<std::thread> threads;
	const std::size_t workers = std::min<std::size_t>(n, std::max(2u, std::thread::hardware_concurrency()));
	for (std::size_t w = 0; w < workers; ++w)
		threads.emplace_back([&] {
			for (std::size_t i; (i = next++) < n;) {
				try {
					results[i] = fn(i);
				} catch (...) {
					std::lock_guard lock(error_mutex);
					if (!error)
						error = std::current_exception();
				}
			}
		});
	for (auto &t : threads)
		t.join();
	if (error)
		std::rethrow_exception(error);
	return results;
}

struct Importer {
	const ImportOptions &opt;
	std::vector<std::string> alembic;
	fs::path project_dir; // where Alembic runs (--from, or the current directory)
	std::string config;   // alembic.ini, absolute
	std::chrono::milliseconds timeout;

	ChildResult run(std::vector<std::string> args) const {
		std::vector<std::string> argv = alembic;
		argv.insert(argv.end(), {"-c", config});
		argv.insert(argv.end(), args.begin(), args.end());
		return run_child(argv, project_dir, timeout);
	}

	// Steps rendered whole by a run over many revisions, by revision.
	std::map<std::string, std::string> batch_up, batch_down;

	// Alembic starts Python and imports SQLAlchemy once per run, most of an import's time: one run
	// renders every upgrade step (base:heads), one per head every downgrade step (HEAD:base). A step
	// is the same SQL in any run that reaches it; a revision that no run rendered whole (Alembic
	// failed at or before it) is then rendered alone, so that a failure is that revision's.
	void render_batches(const std::vector<ScriptRevision> &revisions) {
		std::set<std::string> parents;
		for (const auto &rev : revisions)
			parents.insert(rev.down_revisions.begin(), rev.down_revisions.end());
		std::vector<std::pair<bool, std::string>> runs = {{true, "base:heads"}};
		for (const auto &rev : revisions)
			if (!parents.contains(rev.id))
				runs.emplace_back(false, rev.id + ":base");
		std::vector<ChildResult> results = run_bounded<ChildResult>(runs.size(), [&](std::size_t i) {
			return run({runs[i].first ? "upgrade" : "downgrade", runs[i].second, "--sql"});
		});
		for (std::size_t i = 0; i < runs.size(); ++i)
			if (!results[i].timed_out)
				(runs[i].first ? batch_up : batch_down)
				    .merge(alembic_import::step_segments(results[i].out, runs[i].first, results[i].exit_code == 0));
	}

	// One direction of one revision: Alembic's offline SQL for the range, cut to its step.
	Rendered render(const ScriptRevision &rev, bool upgrade) const {
		const auto &batch = upgrade ? batch_up : batch_down;
		if (auto it = batch.find(rev.id); it != batch.end())
			return alembic_import::strip_bookkeeping(it->second, opt.version_table);
		const std::string start = alembic_import::range_start(rev);
		const std::string range = upgrade ? start + ":" + rev.id : rev.id + ":" + start;
		const std::string command = fmt::format("alembic {} {} --sql", upgrade ? "upgrade" : "downgrade", range);
		ChildResult r = run({upgrade ? "upgrade" : "downgrade", range, "--sql"});
		Rendered out;
		if (r.timed_out) {
			out.problem = fmt::format("{} did not finish within {} s", command, timeout.count() / 1000);
			return out;
		}
		if (r.exit_code != 0) {
			out.problem = fmt::format("{} failed (exit {}):\n{}", command, r.exit_code, tail_lines(r.err, 3));
			return out;
		}
		std::optional<std::string> segment = alembic_import::step_segment(r.out, upgrade, rev.id);
		if (!segment) {
			out.problem = fmt::format("{} printed no step for revision {}", command, rev.id);
			return out;
		}
		out = alembic_import::strip_bookkeeping(*segment, opt.version_table);
		return out;
	}
};

std::string
shown(const fs::path &path, const fs::path &base) {
	std::error_code ec;
	fs::path rel = fs::relative(path, base, ec);
	return ec || rel.empty() || rel.native().starts_with("..") ? path.string() : rel.string();
}

} // namespace

int
import_alembic(Context &ctx, const ImportOptions &opt) {
	std::error_code ec;
	Importer im{opt,
	            alembic_command(opt),
	            fs::absolute(opt.from.empty() ? fs::path(".") : fs::path(opt.from)),
	            {},
	            std::chrono::milliseconds(static_cast<long long>(opt.timeout * 1000)),
	            {},
	            {}};
	im.project_dir = im.project_dir.lexically_normal();
	fs::path config = opt.config.empty() ? im.project_dir / "alembic.ini" : fs::absolute(opt.config);
	if (!fs::is_regular_file(config, ec))
		throw Failure(fmt::format("no Alembic configuration {}", config.string()), {},
		              "Run in the Alembic project's directory, or give it with --from DIR (and -c FILE for another "
		              "configuration file).");
	im.config = config.string();

	// The graph, from Alembic's own revision map.
	std::vector<std::string> py = python_command(opt, im.alembic);
	py.insert(py.end(), {"-c", alembic_import::graph_snippet, im.config});
	ChildResult graph_run = run_child(py, im.project_dir, im.timeout);
	if (graph_run.timed_out || graph_run.exit_code != 0)
		throw Failure(fmt::format("Alembic could not list the revisions of {}", im.config),
		              graph_run.timed_out ? fmt::format("{} did not finish within {} s", py[0], opt.timeout)
		                                  : tail_lines(graph_run.err, 5),
		              "Check that `alembic history` works in that directory (with --alembic and --python pointing "
		              "at the project's Alembic).");
	std::vector<ScriptRevision> revisions = alembic_import::parse_graph(graph_run.out);
	if (revisions.empty())
		throw Failure(fmt::format("the Alembic project {} has no revisions", im.config));

	// Every file rendered and checked before any is written: a problem stops the import whole.
	const fs::path dir = ctx.project_dir();
	Project &existing = ctx.project(true, true);
	const migrate::RevisionGraph &have = existing.graph();
	struct Planned {
		NewRevision rev;
		std::string content;
		const ProjectFile *replaces = nullptr;
		bool unchanged = false;
	};
	std::vector<Planned> planned;
	std::vector<std::string> unrenderable, conflicts;
	out().status("Rendering the revisions with Alembic");
	im.render_batches(revisions);
	// The revisions no batch rendered whole, each alone: [2i] its upgrade, [2i + 1] its downgrade.
	std::vector<Rendered> rendered = run_bounded<Rendered>(
	    2 * revisions.size(), [&](std::size_t i) { return im.render(revisions[i / 2], i % 2 == 0); });
	for (std::size_t i = 0; i < revisions.size(); ++i) {
		const ScriptRevision &rev = revisions[i];
		const Rendered &up = rendered[2 * i];
		const Rendered &down = rendered[2 * i + 1];
		const std::string py_file = shown(rev.path, im.project_dir);
		Planned p{alembic_import::to_new_revision(rev, up, down, py_file), {}, nullptr, false};
		p.content = render_revision(p.rev);
		try {
			migrate::Revision parsed = migrate::parse_migration(p.content, rev.id + ".sql", {.allow_draft = true});
			// The sections must read back as written: Alembic's SQL holding a line such as
			// `-- migrate:downgrade` would move the boundary.
			if (!p.rev.upgrade_sql.empty() &&
			    (parsed.upgrade.sql != p.rev.upgrade_sql + (p.rev.irreversible ? "" : "\n") ||
			     (!p.rev.irreversible && parsed.downgrade.sql != p.rev.downgrade_sql)))
				throw Failure("its SQL holds a line that reads as a section marker");
		} catch (const migrate::Error &e) {
			throw Failure(fmt::format("Alembic revision {} ({}) does not make a valid migration file: {}", rev.id,
			                          py_file, e.what()));
		}
		if (!up.problem.empty() || !down.problem.empty())
			unrenderable.push_back(fmt::format("{} ({}): {}", rev.id, py_file,
			                                   tail_lines(up.problem.empty() ? down.problem : up.problem, 1)));
		if (have.find(rev.id)) {
			const ProjectFile &file = existing.file(rev.id);
			if (file.content == p.content)
				p.unchanged = true;
			else if (opt.force)
				p.replaces = &file;
			else
				conflicts.push_back(fmt::format("{} holds revision {} with other content", file.path, rev.id));
		}
		planned.push_back(std::move(p));
	}
	out().clear_status();
	if (!conflicts.empty()) {
		Failure f(fmt::format("{} already holds {} of the imported revisions with other content; nothing was written",
		                      dir.string(), conflicts.size()),
		          {}, "Pass --force to overwrite those files with this import.");
		f.items = conflicts;
		throw f;
	}

	nlohmann::json written = nlohmann::json::array();
	std::size_t unchanged = 0;
	for (const auto &p : planned) {
		if (p.unchanged) {
			++unchanged;
			written.push_back({{"revision", p.rev.id}, {"path", existing.file(p.rev.id).path}, {"unchanged", true}});
			continue;
		}
		const std::optional<fs::path> replaces = p.replaces ? std::optional<fs::path>(p.replaces->path) : std::nullopt;
		fs::path path = write_revision(dir, p.rev, replaces ? &*replaces : nullptr);
		out().progress(fmt::format("Generating {} ...  done", path.string()));
		written.push_back({{"revision", p.rev.id}, {"path", path.string()}, {"unchanged", false}});
	}
	out().doc()["revisions"] = written;
	out().doc()["unrenderable"] = unrenderable;
	out().result(fmt::format("Imported {} revision{} from {} into {}{}", planned.size(), planned.size() == 1 ? "" : "s",
	                         im.config, dir.string(),
	                         unchanged ? fmt::format(" ({} unchanged)", unchanged) : std::string()));
	if (!unrenderable.empty()) {
		Failure f(fmt::format("Alembic could not render {} revision{} as SQL offline: pgmigrate refuses to apply {} "
		                      "until {} filled in by hand",
		                      unrenderable.size(), unrenderable.size() == 1 ? "" : "s",
		                      unrenderable.size() == 1 ? "it" : "them",
		                      unrenderable.size() == 1 ? "its file is" : "their files are"));
		f.items = unrenderable;
		throw f;
	}
	return 0;
}

} // namespace pgmigrate::commands
