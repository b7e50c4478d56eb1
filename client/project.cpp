// Reading the migrations directory with the engine's parser.
#include "project.hpp"

#include "errors.hpp"
#include "output.hpp"
#include "migrate/error.hpp"
#include "migrate/migration_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

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

// The content with a no-op statement after the upgrade marker (for reading headers only).
std::string
with_placeholder(const std::string &content) {
	std::size_t pos = 0;
	while (pos < content.size()) {
		std::size_t end = content.find('\n', pos);
		std::string line = content.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
		while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
			line.pop_back();
		std::size_t b = line.find_first_not_of(" \t");
		if (b != std::string::npos && line.substr(b) == "-- migrate:upgrade") {
			std::string out = content;
			out.insert(end == std::string::npos ? out.size() : end + 1, end == std::string::npos ? "\nSELECT;\n" : "SELECT;\n");
			return out;
		}
		if (end == std::string::npos)
			break;
		pos = end + 1;
	}
	return content;
}

} // namespace

Project
Project::load(const fs::path &dir, bool allow_missing, bool lenient) {
	Project p;
	p.dir_ = dir;
	std::error_code ec;
	p.exists_ = fs::is_directory(dir, ec);
	std::vector<migrate::Revision> revisions;
	if (!p.exists_) {
		if (!allow_missing) {
			if (fs::exists(dir, ec))
				throw Failure(fmt::format("{} is not a directory", dir.string()));
			throw Failure(fmt::format("no migrations directory {}", dir.string()), {},
			              "Create it with 'pgmigrate init', or point to it with --dir DIR or PGMIGRATE_DIR.");
		}
		p.graph_ = std::make_shared<migrate::RevisionGraph>(std::move(revisions));
		return p;
	}

	std::vector<fs::path> paths;
	for (const auto &entry : fs::directory_iterator(dir, ec)) {
		std::string name = entry.path().filename().string();
		if (name.starts_with(".") || entry.path().extension() != ".sql")
			continue;
		if (!entry.is_regular_file(ec))
			continue;
		paths.push_back(entry.path());
	}
	if (ec)
		throw Failure(fmt::format("cannot read the migrations directory {}: {}", dir.string(), ec.message()));
	std::sort(paths.begin(), paths.end());

	std::vector<std::string> problems, warnings;
	std::map<std::string, std::string> seen; // revision -> path, for duplicate ids
	for (const auto &path : paths) {
		std::ifstream in(path, std::ios::binary);
		std::ostringstream buf;
		buf << in.rdbuf();
		if (!in.good() && !in.eof()) {
			problems.push_back(fmt::format("{}: cannot read the file", path.string()));
			continue;
		}
		ProjectFile file{path, path.filename().string(), buf.str()};
		try {
			migrate::Revision rev;
			try {
				rev = migrate::parse_migration(file.content, path.string());
			} catch (const migrate::Error &e) {
				if (!lenient || std::string_view(e.what()).find("the upgrade section is empty") == std::string_view::npos)
					throw;
				rev = migrate::parse_migration(with_placeholder(file.content), path.string());
				warnings.push_back(fmt::format("{}: the upgrade section is empty; fill it in before upgrading",
				                               path.string()));
				p.unfinished_.push_back(e.what());
			}
			if (auto it = seen.find(rev.id); it != seen.end()) {
				problems.push_back(fmt::format("{}: revision {} is also defined in {}", path.string(), rev.id, it->second));
				continue;
			}
			seen.emplace(rev.id, path.string());
			p.files_.emplace(rev.id, std::move(file));
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
		Failure f(problems.size() == 1 ? fmt::format("a migration file in {} has an error", dir.string())
		                               : fmt::format("{} migration files in {} have errors", problems.size(), dir.string()));
		f.items = std::move(problems);
		f.sqlstate = migrate::sqlstate::invalid_migration_file;
		throw f;
	}
	try {
		p.graph_ = std::make_shared<migrate::RevisionGraph>(std::move(revisions));
	} catch (const migrate::Error &e) {
		Failure f = from_engine(e);
		throw f;
	}
	return p;
}

} // namespace pgmigrate
