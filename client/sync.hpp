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
	// With `read_heads`, when unchanged, from the files' graph (which is then the store's), so that
	// a no-op `upgrade head` needs no more round trips and never loads the extension's library:
	bool all_applied = false; // the version rows are the real heads (dependencies counted): every
	                          // revision is applied
	long heads = 0;           // revisions no other one names as down_revision (what `head` picks from)
};

// What the store holds, in one query: compared with the files it tells whether the server holds
// exactly them, in which case nothing is uploaded. Context reads it on the connecting thread while
// the files are read. Needs the state tables.
struct StoreSummary {
	long revisions = 0;               // stored revisions
	std::string digest;               // of their checksums and graph columns (state::store_digest_sql)
	std::vector<std::string> version; // the version rows, sorted
	// revisions and digest are migrate.summary's (what the engine wrote, not read off the revisions):
	// trusted only by what runs nothing
	bool cached = false;
};
// `cached` (Host::summary): from migrate.summary when it has its row, which in a fresh backend
// costs a fraction of reading every stored revision.
StoreSummary read_store_summary(Connection &conn, bool cached = false);
// Whether the store holds exactly the project's files, no more, no fewer. Parses them: a bad file
// throws here, before anything is sent.
bool holds_exactly(const StoreSummary &store, const Project &project);

// Uploads the revisions whose checksum the server does not have (one query to compare, one
// transaction to upload, under the migration lock): migrate_add, or in client mode the engine's
// Runner::add over libpq. Nothing is uploaded if any file is bad: the files are parsed first, and
// `before_upload` runs once they differ from the store, before anything is sent.
// `store`: the summary, if already read (a cached one is read again from the revisions unless it
// shows a no-op upgrade: `read_heads` and every revision applied).
SyncResult sync_project(Connection &conn, const Host &host, const Project &project, double lock_wait,
                        bool read_heads = false, const std::function<void()> &before_upload = {},
                        std::optional<StoreSummary> store = std::nullopt);

// The server's version rows (the applied heads).
std::vector<std::string> version_rows(Connection &conn);

} // namespace pgmigrate
