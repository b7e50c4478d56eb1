// Before any command that uses the database: the extension must be there, and the server must
// hold every revision of the directory (new or changed files uploaded, in one transaction).
#pragma once

#include "connection.hpp"
#include "project.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgmigrate {

struct Extension {
	std::string schema;  // where its functions live
	std::string version;
	// A schema-qualified call target, e.g. "public".migrate_upgrade
	std::string fn(std::string_view name) const { return quote_ident(schema) + "." + std::string(name); }
};

// The installed extension, or nullopt.
std::optional<Extension> find_extension(Connection &conn);
// The installed extension, or Failure: `the migrate extension is not installed in database "X"`.
Extension require_extension(Connection &conn);

struct SyncResult {
	std::vector<std::string> uploaded; // revision ids, in upload order
};

// Uploads the revisions whose checksum the server does not have (one query to compare, one
// transaction to upload, under the migration lock). Nothing is uploaded if any file is bad:
// the project was fully parsed before this is called.
SyncResult sync_project(Connection &conn, const Extension &ext, const Project &project, double lock_wait);

// The server's version rows (the applied heads).
std::vector<std::string> version_rows(Connection &conn);

// A text[] literal for a parameter ($1::text[]).
std::string text_array_literal(const std::vector<std::string> &values);

} // namespace pgmigrate
