// One migration: the parsed form of a `.sql` migration file (SPEC section 1).
#pragma once

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
};

// Parses one file. Throws migrate::Error (22P02) naming the file and line on any problem; a
// `filename` with a control character is refused (naming the file, escaped).
Revision parse_migration(std::string_view content, std::string_view filename);

// SHA-256 of content with CRLF and lone CR turned into LF, as lowercase hex.
std::string migration_checksum(std::string_view content);

// True when `id` is a legal revision id or branch label: [A-Za-z0-9_]{1,64}.
bool valid_revision_id(std::string_view id);

} // namespace migrate
