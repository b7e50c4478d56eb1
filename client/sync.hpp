// Before any command that changes the database, the server must hold every revision of the
// directory (new or changed files uploaded, in one transaction).
#pragma once

#include "connection.hpp"
#include "host.hpp"
#include "project.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pgmigrate {

struct SyncResult {
	std::vector<std::string> uploaded; // revision ids, in upload order
	std::vector<std::string> removed;  // stale stored revisions dropped (no file, never applied)
	bool unchanged = false;            // nothing was uploaded because nothing differed
	// With `read_heads`, read with the comparison when unchanged, so that a no-op `upgrade head`
	// needs no more round trips and never loads the extension's library:
	bool all_applied = false; // the version rows are the heads (dependencies counted): every stored
	                          // revision is applied, and every revision a revision names is stored
	long heads = 0;           // revisions no other one names as down_revision (what `head` picks from)
};

// Uploads the revisions whose checksum the server does not have (one query to compare, one
// transaction to upload, under the migration lock): migrate_add, or in client mode the engine's
// Runner::add over libpq. Nothing is uploaded if any file is bad: the files are parsed only when
// the server does not hold exactly them, and then before `before_upload` runs and anything is sent.
SyncResult sync_project(Connection &conn, const Host &host, const Project &project, double lock_wait,
                        bool read_heads = false, const std::function<void()> &before_upload = {});

// The server's version rows (the applied heads).
std::vector<std::string> version_rows(Connection &conn);

// The version rows, when the server holds exactly the project's files (sync_project's comparison,
// in the same round trip); nullopt when anything differs. Needs the state tables.
std::optional<std::vector<std::string>> version_rows_if_holding(Connection &conn, const Project &project);

} // namespace pgmigrate
