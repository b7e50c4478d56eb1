// What every command is given: the global options, and the project and database, each opened
// on first use (so file-only commands never connect, and offline --sql never uploads).
#pragma once

#include "connection.hpp"
#include "files_view.hpp"
#include "project.hpp"
#include "sync.hpp"
#include "url.hpp"

#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

namespace pgmigrate {

struct GlobalOptions {
	std::string database_url; // -d/--database-url; empty: $DATABASE_URL
	std::string dir;          // --dir; empty: $PGMIGRATE_DIR or ./migrations
	bool json = false;
	bool quiet = false;
	std::optional<double> wait; // --wait [SECONDS]
	double lock_wait = 300;     // --lock-wait SECONDS
	bool no_extension = false;  // --no-extension or PGMIGRATE_NO_EXTENSION: client mode
	// --lock-timeout, --lock-retries: set as the session's migrate.lock_timeout and
	// migrate.lock_retries (migrate/lock_retry.hpp), which both modes read.
	std::string lock_timeout;
	std::optional<int> lock_retries;
	// The command reads the files' SQL itself (lint, --sql): see Project::load's `with_sql`.
	bool project_sql = false;
};

class Context {
public:
	explicit Context(GlobalOptions options);

	const GlobalOptions &options() const noexcept { return options_; }

	// Whether a database was named (-d, $DATABASE_URL, or libpq's PGHOST/PGDATABASE/PGSERVICE).
	bool has_database() const noexcept { return target_.has_value(); }
	const DatabaseTarget &target() const;
	// Another database for the same project (a fleet's target, in its own process): only before
	// this context has connected.
	void retarget(const std::string &url);

	// The connection, opened on first use (waiting for the server with --wait).
	Connection &connection();
	// The project directory, read and parsed on first use (`lenient`: see Project::load), with its
	// SQL when options().project_sql says the command reads it.
	Project &project(bool allow_missing = false, bool lenient = false);
	std::filesystem::path project_dir() const;
	// The project as database commands read it: leniently (drafts warned about), and a missing
	// default ./migrations is an empty project that does not exist.
	Project &files();

	// The host (the extension, or in client mode the state tables, created when missing; Failure
	// when the extension is missing without --no-extension) after uploading the directory's new or
	// changed revisions: what every database command does first. A missing default ./migrations is
	// allowed (the server has the revisions); a missing --dir is an error.
	// `read_heads`: also learn whether an upgrade to the heads has nothing to do (SyncResult).
	// `before_upload` runs once the files are known to differ from the store, before any change.
	Host &prepare(bool read_heads = false, const std::function<void()> &before_upload = {});
	// For commands that only read (current, check, history with a database...): the host, and with
	// a migrations directory the files' view of the database (files_view.hpp), without uploading
	// or creating anything, so a role with SELECT on the state is enough.
	const Host &inspect();
	// inspect()'s view; nullptr without a migrations directory (the store is then the truth).
	const FilesView *view() const noexcept { return view_ ? &*view_ : nullptr; }
	// What prepare()'s upload found (empty before it, or without a migrations directory).
	const SyncResult &synced() const noexcept { return synced_; }

private:
	// What the connecting thread found (extension mode), read while the files were read.
	struct Opened {
		std::optional<Host> host;
		std::optional<StoreSummary> store;
	};
	std::future<Opened> open_alongside(const std::filesystem::path &dir);
	Opened open(Project *&project, bool reading);

	GlobalOptions options_;
	std::optional<DatabaseTarget> target_;
	std::unique_ptr<Connection> conn_;
	std::optional<Project> project_;
	std::optional<Host> host_;
	std::optional<Host> reading_;
	std::optional<FilesView> view_;
	SyncResult synced_;
};

} // namespace pgmigrate
