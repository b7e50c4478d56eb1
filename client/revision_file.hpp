// Writing new migration files: ids, file names, the template.
#pragma once

#include "migrate/revision_graph.hpp"

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

namespace pgmigrate {

struct NewRevision {
	std::string id;
	std::vector<std::string> down_revisions; // empty: a root
	std::vector<std::string> depends_on;
	std::vector<std::string> branch_labels;
	std::string message;
	// Section bodies (revision --autogenerate); empty: the template's placeholder comments.
	std::string upgrade_sql;
	std::string downgrade_sql;
	bool irreversible = false; // no downgrade section (a downgrade across it fails before running)
};

// The next id: when every id is a number, the next number zero-padded to the widest id in use
// (`003` after `002`; `001` in an empty project); otherwise 12 random hex digits.
std::string next_revision_id(const migrate::RevisionGraph &graph);

// `add agent capabilities` -> `add_agent_capabilities`, `naïve café` -> `naïve_café`: the words
// (letters and digits, any script) lowercased and joined by `_`, at most 40 characters, as Alembic does.
std::string slugify(const std::string &message);

// YYYYMMDD_HHMM_<rev>_<slug>.sql, local time.
std::string revision_filename(const NewRevision &rev, std::time_t now);

// The file content: header, then the upgrade and downgrade sections. A merge revision gets a
// no-op body (it only joins its parents).
std::string render_revision(const NewRevision &rev);

// Validates the content with the engine's parser, then writes it; never overwrites a file, except
// `replace` when given (an import with --force rewriting the file that holds this revision).
// Returns the path written.
std::filesystem::path write_revision(const std::filesystem::path &dir, const NewRevision &rev,
                                     const std::filesystem::path *replace = nullptr);

} // namespace pgmigrate
