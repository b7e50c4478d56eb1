// Reading the migrations directory with the engine's parser.
#include "project.hpp"

#include "errors.hpp"
#include "output.hpp"
#include "migrate/error.hpp"
#include "migrate/migration_file.hpp"
#include "migrate/state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

namespace pgmigrate {

namespace fs = std::filesystem;

fs::path
Project::directory(const std::string &dir_option, bool *explicit_dir) {
	if (explicit_dir)
		*explicit_dir = true;
	if (!dir_option.empty())
		return dir_option;
	if (const char *env = std::getenv("PGMIGRATE_DIR"); env && *env)
		return env;
	if (explicit_dir)
		*explicit_dir = false;
	return "migrations";
}

namespace {

// The whole file `name` of the directory open as `dir_fd`, with POSIX calls: an ifstream and a
// stringstream per file, or a path resolved from the working directory each time, cost more than
// the reading itself for a thousand small files.
bool
read_file(int dir_fd, const std::string &name, std::string &out) {
	const int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	out.clear();
	char buf[16384];
	bool ok = true;
	while (true) {
		const ssize_t n = ::read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ok = n == 0;
			break;
		}
		out.append(buf, static_cast<std::size_t>(n));
		// A regular file reads short only at its end: a migration file (smaller than the buffer)
		// then takes one read, not a second one that returns 0.
		if (static_cast<std::size_t>(n) < sizeof buf)
			break;
	}
	::close(fd);
	return ok;
}

} // namespace

Project
Project::load(const fs::path &dir, bool allow_missing, bool lenient, bool with_sql) {
	Project p;
	p.dir_ = dir;
	p.lenient_ = lenient;
	p.with_sql_ = with_sql;
	std::error_code ec;
	p.exists_ = fs::is_directory(dir, ec);
	if (!p.exists_) {
		if (!allow_missing) {
			if (fs::exists(dir, ec))
				throw Failure(fmt::format("{} is not a directory", dir.string()));
			throw Failure(fmt::format("no migrations directory {}", dir.string()), {},
			              "Create it with 'pgmigrate init', or point to it with --dir DIR or PGMIGRATE_DIR.");
		}
		return p;
	}

	// Names sorted as strings (the same order as whole paths in one directory, at a fraction of
	// the cost of comparing fs::path objects).
	std::vector<std::string> names;
	for (const auto &entry : fs::directory_iterator(dir, ec)) {
		std::string name = entry.path().filename().string();
		if (name.starts_with(".") || !name.ends_with(".sql"))
			continue;
		if (!entry.is_regular_file(ec))
			continue;
		names.push_back(std::move(name));
	}
	if (ec)
		throw Failure(fmt::format("cannot read the migrations directory {}: {}", dir.string(), ec.message()));
	std::sort(names.begin(), names.end());
	// A control character in a name (a newline, a carriage return) could end a `--` comment of a
	// generated script and start a statement: refuse such files, every command, before any upload.
	std::vector<std::string> bad_names;
	for (const auto &name : names)
		if (std::any_of(name.begin(), name.end(),
		                [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
			bad_names.push_back(fmt::format("{}: the file name contains a control character; rename the file",
			                                migrate::state::comment_text((dir / name).string())));
	if (!bad_names.empty()) {
		Failure f(bad_names.size() == 1 ? fmt::format("a migration file name in {} has a control character",
		                                              migrate::state::comment_text(dir.string()))
		                                : fmt::format("{} migration file names in {} have control characters",
		                                              bad_names.size(), migrate::state::comment_text(dir.string())),
		          {}, "Migration file names must not contain control characters such as newlines.");
		f.items = std::move(bad_names);
		f.set_sqlstate(migrate::sqlstate::invalid_migration_file);
		throw f;
	}

	const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		throw Failure(fmt::format("cannot read the migrations directory {}: {}", dir.string(), std::strerror(errno)));
	p.files_.reserve(names.size());
	for (const auto &name : names) {
		std::string path = (dir / name).string();
		const std::size_t name_at = path.size() - name.size();
		ProjectFile file{std::move(path), name_at, {}, false};
		file.readable = read_file(dir_fd, name, file.content); // parse() reports an unreadable file
		p.files_.push_back(std::move(file));
	}
	::close(dir_fd);
	return p;
}

const migrate::RevisionGraph &
Project::graph() const {
	parse();
	return *graph_;
}

std::shared_ptr<const migrate::RevisionGraph>
Project::shared_graph() const {
	parse();
	return graph_;
}

const ProjectFile &
Project::file(const std::string &revision) const {
	parse();
	return files_.at(by_revision_.at(revision));
}

const std::vector<std::string> &
Project::unfinished() const {
	if (lenient_) // only lenient reading lets an unfinished file through
		parse();
	return unfinished_;
}

void
Project::parse() const {
	if (graph_)
		return;
	std::vector<migrate::Revision> revisions;
	revisions.reserve(files_.size()); // the graph keeps this buffer: no spare capacity
	std::vector<std::string> problems, warnings;
	for (std::size_t k = 0; k < files_.size(); ++k) {
		const ProjectFile &file = files_[k];
		const std::string &path = file.path;
		if (!file.readable) {
			problems.push_back(fmt::format("{}: cannot read the file", path));
			continue;
		}
		try {
			migrate::Revision rev =
			    migrate::parse_migration(file.content, path, {.allow_draft = lenient_, .keep_sql = with_sql_});
			if (!rev.draft.empty()) {
				warnings.push_back(
				    fmt::format("{}: {}; fill it in before upgrading", path, migrate::empty_upgrade_message));
				unfinished_.push_back(rev.draft);
				unfilled_.insert(rev.id);
			}
			if (auto it = by_revision_.find(rev.id); it != by_revision_.end()) {
				problems.push_back(
				    fmt::format("{}: revision {} is also defined in {}", path, rev.id, files_[it->second].path));
				continue;
			}
			by_revision_.emplace(rev.id, k);
			revisions.push_back(std::move(rev));
		} catch (const migrate::Error &e) {
			std::string line = e.what();
			if (!e.detail().empty())
				line += " (" + e.detail() + ")";
			if (!e.hint().empty())
				line += "; " + e.hint();
			problems.push_back(line);
		}
	}
	for (const auto &w : warnings)
		out().warning(w);
	if (!problems.empty()) {
		Failure f(problems.size() == 1
		              ? fmt::format("a migration file in {} has an error", dir_.string())
		              : fmt::format("{} migration files in {} have errors", problems.size(), dir_.string()));
		f.items = std::move(problems);
		f.set_sqlstate(migrate::sqlstate::invalid_migration_file);
		by_revision_.clear();
		unfinished_.clear();
		unfilled_.clear();
		throw f;
	}
	try {
		graph_ = std::make_shared<migrate::RevisionGraph>(std::move(revisions));
	} catch (const migrate::Error &) {
		by_revision_.clear();
		unfinished_.clear();
		unfilled_.clear();
		throw;
	}
}

void
require_sql(const Project &project) {
	if (!project.with_sql())
		throw std::logic_error("the migrations were read without their SQL, which this command needs");
}

} // namespace pgmigrate
