// The migrations directory: which directory, which files (read at once), each parsed (and
// checksummed) by the engine on first use, and the revision graph they form. Every bad file is
// reported, not just the first.
#pragma once

#include "migrate/revision_graph.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace pgmigrate {

struct ProjectFile {
	std::string path;    // as shown to the user (dir/name)
	std::size_t name_at; // where the name starts in path
	std::string content; // the bytes as read
	bool readable;       // false: content is empty because the file could not be read

	// The file name alone (what the server stores).
	std::string_view name() const noexcept { return std::string_view(path).substr(name_at); }
};

class Project {
public:
	// --dir, else $PGMIGRATE_DIR, else ./migrations. `explicit_dir` tells whether the user chose it.
	static std::filesystem::path directory(const std::string &dir_option, bool *explicit_dir = nullptr);

	// Reads every migration file (*.sql, not dot-files). Parsing waits for the
	// first graph() or file(). A missing directory throws unless `allow_missing`, which
	// gives an empty project. `lenient` (commands that only read headers: revision, merge,
	// history...) accepts a file whose only fault is an upgrade section not filled in yet, with a
	// warning, so that writing two revisions in a row works. `with_sql`: the graph's revisions keep
	// their sections' SQL, which only a command that reads it client-side asks for (lint, --sql);
	// the others need the graph, and the server has the SQL.
	static Project load(const std::filesystem::path &dir, bool allow_missing = false, bool lenient = false,
	                    bool with_sql = false);

	const std::filesystem::path &dir() const noexcept { return dir_; }
	bool exists() const noexcept { return exists_; }
	// Parses every file on first use; throws Failure listing every bad file, or the graph error.
	const migrate::RevisionGraph &graph() const;
	std::shared_ptr<const migrate::RevisionGraph> shared_graph() const; // the same, for a view to keep
	// The file a revision comes from (parses, as graph()).
	const ProjectFile &file(const std::string &revision) const;
	const std::vector<ProjectFile> &files() const noexcept { return files_; }
	bool empty() const noexcept { return files_.empty(); }
	bool with_sql() const noexcept { return with_sql_; }
	// Files read leniently whose upgrade section is still empty (they must not be uploaded).
	const std::vector<std::string> &unfinished() const;
	// Whether `revision` comes from such a file (read leniently: its sections are a placeholder).
	bool unfilled(const std::string &revision) const { return unfilled_.contains(revision); }

private:
	void parse() const;

	std::filesystem::path dir_;
	bool exists_ = false;
	bool lenient_ = false;
	bool with_sql_ = false;
	std::vector<ProjectFile> files_; // in file name order
	// Filled by parse():
	mutable std::shared_ptr<migrate::RevisionGraph> graph_;
	mutable std::unordered_map<std::string, std::size_t> by_revision_; // id -> index in files_
	mutable std::vector<std::string> unfinished_;
	mutable std::unordered_set<std::string> unfilled_; // their revision ids
};

// For a command that reads the sections' SQL: throws std::logic_error when the project was read
// without it (main did not set GlobalOptions::project_sql for the command).
void require_sql(const Project &project);

} // namespace pgmigrate
