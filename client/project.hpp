// The migrations directory: which directory, which files, each parsed by the engine, and the
// revision graph they form. Every bad file is reported, not just the first.
#pragma once

#include "migrate/revision_graph.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pgmigrate {

struct ProjectFile {
	std::filesystem::path path; // as shown to the user (dir/name)
	std::string name;           // the file name alone (what the server stores)
	std::string content;        // the bytes as read
};

class Project {
public:
	// --dir, else $PGMIGRATE_DIR, else ./migrations. `explicit_dir` tells whether the user chose it.
	static std::filesystem::path directory(const std::string &dir_option, bool *explicit_dir = nullptr);

	// Reads and parses every migration file (*.sql, not dot-files). Throws Failure listing every
	// bad file, or the graph error. A missing directory throws unless `allow_missing`, which
	// gives an empty project. `lenient` (commands that only read headers: revision, merge,
	// history...) accepts a file whose only fault is an upgrade section not filled in yet, with a
	// warning, so that writing two revisions in a row works.
	static Project load(const std::filesystem::path &dir, bool allow_missing = false, bool lenient = false);

	const std::filesystem::path &dir() const noexcept { return dir_; }
	bool exists() const noexcept { return exists_; }
	const migrate::RevisionGraph &graph() const { return *graph_; }
	// The file a revision comes from.
	const ProjectFile &file(const std::string &revision) const { return files_.at(revision); }
	bool empty() const { return graph_->size() == 0; }
	// Files read leniently whose upgrade section is still empty (they must not be uploaded).
	const std::vector<std::string> &unfinished() const noexcept { return unfinished_; }

private:
	std::filesystem::path dir_;
	bool exists_ = false;
	std::shared_ptr<migrate::RevisionGraph> graph_;
	std::map<std::string, ProjectFile> files_;
	std::vector<std::string> unfinished_;
};

} // namespace pgmigrate
