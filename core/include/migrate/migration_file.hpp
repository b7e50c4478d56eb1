// One migration: the parsed form of a `.sql` migration file (SPEC section 1).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace migrate {

// A section body (`-- migrate:upgrade` etc.), the file's own bytes (line endings as written), and
// the 1-based file line its first character is on.
struct Section {
	std::string sql;
	int first_line = 0;
	bool present = false;
};

// `-- migrate:allow RULE: reason` in a migration file: silences lint rule RULE for the revision.
struct Waiver {
	std::string rule;
	std::string reason; // required: why the finding is acceptable here
	int line = 0;       // the waiver's line in the file
};

struct Revision {
	std::string id;
	std::vector<std::string> down_revisions; // empty: a root; several: a merge
	std::vector<std::string> depends_on;
	std::vector<std::string> branch_labels;
	std::string message;
	bool transactional = true;
	std::string lock_timeout; // empty: none
	Section upgrade;
	Section downgrade; // !present: irreversible
	Section verify;
	std::string checksum; // hex SHA-256 of the content with line endings normalised to \n
	std::string filename; // may be empty (content added from psql without a name)
	// A draft's problem ("m.sql:5: the upgrade section is empty"), only with ParseOptions::allow_draft:
	// a revision that must not be applied or uploaded yet. Empty for a complete revision.
	std::string draft;
	std::vector<Waiver> waivers; // in file order; rule names are known lint rules (lint.hpp)
};

inline constexpr const char *empty_upgrade_message = "the upgrade section is empty";

struct ParseOptions {
	// Accept a draft, as `pgmigrate revision` writes it (an upgrade section with no SQL yet), and
	// say so in Revision::draft, instead of refusing it.
	bool allow_draft = false;
	// Keep each section's SQL. Without it a section has only `present` and `first_line`: what a
	// client that needs the graph (the server has the SQL) keeps of ten thousand files.
	bool keep_sql = true;
};

// Parses one file. Throws migrate::Error (22P02) naming the file and line on any problem; a
// `filename` with a control character is refused (naming the file, escaped).
Revision parse_migration(std::string_view content, std::string_view filename, ParseOptions options = {});

// SHA-256 of content with CRLF and lone CR turned into LF, as lowercase hex.
std::string migration_checksum(std::string_view content);

// Revision ids and branch labels, one rule for the file parser, the graph, target syntax and
// pgmigrate's arguments: [A-Za-z0-9_]{1,64}, and not a word that headers and targets give a
// meaning to (`none`, `base`, `head`, `heads`, in any case).
inline constexpr std::size_t max_revision_id_length = 64;
bool is_id_char(char c) noexcept;
// The characters and the length: [A-Za-z0-9_]{1,64}.
bool valid_revision_id(std::string_view id) noexcept;
bool is_reserved_id(std::string_view id) noexcept;

} // namespace migrate
