// Before any command that uses the database: the engine's host must be there (the extension, or
// with --no-extension the state tables pgmigrate creates itself).
#pragma once

#include "connection.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace pgmigrate {

// Where the engine runs for a database: inside it, in the migrate extension (the default), or in
// pgmigrate over libpq (client mode, --no-extension: for managed databases that allow no C
// extension). Both use the same state tables (extension/state.sql), lock, plans and rows.
struct Host {
	bool client = false; // client mode
	std::string schema;  // extension mode: where its functions live
	std::string version;
	// Extension mode: the connection whose first call target checks the schema for look-alikes.
	Connection *conn = nullptr;

	// A schema-qualified call target, e.g. "public".migrate_upgrade. The first one named checks that
	// the schema holds no migrate_* function that is not the extension's (refusing it with a Failure):
	// only a call can be captured, and a no-op deploy at head calls nothing, which spares a fresh
	// backend a query over pg_proc and pg_depend.
	std::string fn(std::string_view name) const;
	mutable bool checked = false; // the look-alike check passed
	// The extension keeps migrate.summary (0.6.0; state::store_digest_sql's row as the engine last
	// wrote it), which what runs nothing may compare the files with instead of the stored revisions.
	bool summary = false;
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

} // namespace pgmigrate
