// Before any command that uses the database: the engine's host must be there (the extension, or
// with --no-extension the state tables pgmigrate creates itself), and the server must hold every
// revision of the directory (new or changed files uploaded, in one transaction).
#pragma once

#include "connection.hpp"
#include "project.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgmigrate {

// Where the engine runs for a database: inside it, in the migrate extension (the default), or in
// pgmigrate over libpq (client mode, --no-extension: for managed databases that allow no C
// extension). Both use the same state tables (extension/state.sql), lock, plans and rows.
struct Host {
	bool client = false; // client mode
	std::string schema;  // extension mode: where its functions live
	std::string version;
	// A schema-qualified call target, e.g. "public".migrate_upgrade
	std::string fn(std::string_view name) const { return quote_ident(schema) + "." + std::string(name); }
};

// The installed extension, or nullopt.
std::optional<Host> find_extension(Connection &conn);

// Whether schema migrate exists, and whether it holds the state tables (in client mode: without
// the extension).
bool has_state_schema(Connection &conn);
bool has_state_tables(Connection &conn);

// The host for a command. Extension mode: the installed extension, or a Failure that names both
// ways out (CREATE EXTENSION migrate, or --no-extension) and says when the database was set up in
// client mode. Client mode (`no_extension`): the state tables, created from state.sql when missing
// (under the migration lock); with the extension installed, its tables.
// `create`: in client mode, create (or bring up to date) missing state tables; read-only commands
// pass false and then see an empty state.
Host require_host(Connection &conn, bool no_extension, double lock_wait, bool create = true);

// The failure for a database whose state was set up in client mode when --no-extension is not
// given: it names both ways on (--no-extension, or pgmigrate install-extension).
Failure client_mode_database(Connection &conn);

// state.sql (the state tables' DDL, also the extension's) in two parts: creating schema migrate,
// and the rest, for a role that may not create schemas but owns an existing schema migrate.
struct StateDdl {
	std::string schema;
	std::string rest;
};
StateDdl state_ddl();

// Creates schema migrate and its tables from state.sql when any is missing (idempotent, under the
// migration lock, in a transaction of its own). Returns whether it created anything.
bool ensure_state(Connection &conn, double lock_wait);

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
// Runner::add over libpq. Nothing is uploaded if any file is bad: the project was fully parsed
// before this is called.
SyncResult sync_project(Connection &conn, const Host &host, const Project &project, double lock_wait,
                        bool read_heads = false);

// The server's version rows (the applied heads).
std::vector<std::string> version_rows(Connection &conn);

// A text[] literal for a parameter ($1::text[]).
std::string text_array_literal(const std::vector<std::string> &values);

} // namespace pgmigrate
