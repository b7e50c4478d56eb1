// A database that Alembic migrated: its alembic_version table (in any schema on the server) while
// migrate's version rows are empty. Such a database looks like base to migrate, and `upgrade head`
// would fail on "relation already exists"; commands say how to adopt it instead.
#pragma once

#include "connection.hpp"

#include <string>
#include <vector>

namespace pgmigrate {

struct AlembicVersion {
	std::string table;                  // schema-qualified, quoted
	std::vector<std::string> revisions; // its rows
};

// The alembic_version tables that hold rows (usually one), read only.
std::vector<AlembicVersion> alembic_versions(Connection &conn);

// When the migrate version rows are empty and Alembic's are not: the failure `upgrade` and
// `downgrade` raise (naming the table and its revisions, and how to adopt the database).
void refuse_alembic_database(Connection &conn, const std::vector<std::string> &version_rows);

// The same finding as a note, for the commands that only read or stamp: empty when there is none.
std::string alembic_database_note(Connection &conn, const std::vector<std::string> &version_rows);

} // namespace pgmigrate
