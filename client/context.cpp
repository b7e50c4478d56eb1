// Lazily opened project and database for the commands.
#include "context.hpp"

#include "alembic.hpp"

#include "migrate/lock_retry.hpp"

#include "output.hpp"
#include "waiting.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <future>

namespace pgmigrate {

Context::Context(GlobalOptions options) : options_(std::move(options)) {
	std::string url = options_.database_url;
	if (url.empty())
		if (const char *env = std::getenv("DATABASE_URL"))
			url = env;
	if (!url.empty()) {
		target_ = parse_database_url(url);
	} else if (std::getenv("PGHOST") || std::getenv("PGDATABASE") || std::getenv("PGSERVICE")) {
		target_ = parse_database_url(""); // libpq's environment variables say where
		target_->display = "(libpq environment)";
	}
	if (target_)
		out().set_secrets(target_->secrets);
}

const DatabaseTarget &
Context::target() const {
	if (!target_)
		throw Failure("no database given", {}, "Pass -d postgresql://user@host:5432/dbname, or set DATABASE_URL.");
	return *target_;
}

void
Context::retarget(const std::string &url) {
	if (conn_)
		throw Failure("internal error: retargeting a connected context");
	target_ = parse_database_url(url);
	out().set_secrets(target_->secrets);
}

Connection &
Context::connection() {
	if (!conn_) {
		const DatabaseTarget &t = target();
		if (options_.wait)
			wait_for_server(t, *options_.wait);
		conn_ = Connection::open(t);
		if (!options_.lock_timeout.empty() || options_.lock_retries)
			conn_->query(
			    "SELECT pg_catalog.set_config($1, $2, false) WHERE $2 IS NOT NULL "
			    "UNION ALL SELECT pg_catalog.set_config($3, $4, false) WHERE $4 IS NOT NULL",
			    {migrate::lock_timeout_setting,
			     options_.lock_timeout.empty() ? std::nullopt : std::optional(options_.lock_timeout),
			     migrate::lock_retries_setting,
			     options_.lock_retries ? std::optional(std::to_string(*options_.lock_retries)) : std::nullopt});
	}
	return *conn_;
}

std::filesystem::path
Context::project_dir() const {
	return Project::directory(options_.dir);
}

Project &
Context::project(bool allow_missing, bool lenient) {
	if (!project_)
		project_ = Project::load(project_dir(), allow_missing, lenient, options_.project_sql);
	return *project_;
}

Project &
Context::files() {
	bool explicit_dir = false;
	Project::directory(options_.dir, &explicit_dir);
	return project(!explicit_dir, true);
}

namespace {

// Releases before 0.3.0 had no migrate_lock: their lock was one any role could take.
void
refuse_old_extension(const Host &host, const Connection &conn) {
	if (!host.client && (host.version == "0.1.0" || host.version == "0.2.0"))
		throw Failure(fmt::format("the migrate extension in database \"{}\" is version {}, older than this pgmigrate "
		                          "needs (0.3.0)",
		                          conn.database(), host.version),
		              {},
		              "Run ALTER EXTENSION migrate UPDATE; as its owner (after installing the new extension files on "
		              "the server).");
}

} // namespace

// Connecting (libpq's negotiation, the server starting a backend), the first queries in that fresh
// backend (mostly its catalog caches warming) and reading the files take several milliseconds
// each; side by side, a deploy waits for the longer only. In extension mode the thread also finds
// the extension and reads the store's summary: that reads and prints nothing and writes nothing
// (unless it fails). Client mode may create the state tables, which waits for the files to be
// read. Not with --wait, which may wait long for a server, nor without the directory, an error to
// report at once.
std::future<Context::Opened>
Context::open_alongside(const std::filesystem::path &dir) {
	std::error_code ec;
	if (conn_ || !has_database() || options_.wait || !std::filesystem::is_directory(dir, ec))
		return {};
	return std::async(std::launch::async, [this] {
		Opened opened;
		Connection &conn = connection();
		if (options_.no_extension)
			return opened;
		opened.host = require_host(conn, false, options_.lock_wait, false);
		opened.store = read_store_summary(conn, opened.host->summary);
		return opened;
	});
}

// The files, read and parsed (the comparison with the store needs their graph), and what
// open_alongside found; a bad file is reported before an unreachable server or a missing
// extension. `reading`: for a command that changes nothing.
Context::Opened
Context::open(Project *&project, bool reading) {
	bool explicit_dir = false;
	std::future<Opened> opening = open_alongside(Project::directory(options_.dir, &explicit_dir));
	try {
		// Leniently: a draft (a template not filled in yet) is warned about and not uploaded; only a
		// plan that would apply it is refused (refuse_unfilled).
		project = &files();
		if (project->exists())
			project->graph();
	} catch (...) {
		if (opening.valid())
			opening.wait(); // its outcome no longer matters, but it uses this object
		throw;
	}
	Opened opened = opening.valid() ? opening.get() : Opened{};
	Connection &conn = connection();
	if (!opened.host)
		opened.host = require_host(conn, options_.no_extension, options_.lock_wait, !reading);
	if (!reading)
		refuse_old_extension(*opened.host, conn); // reading an older one's state is fine
	return opened;
}

Host &
Context::prepare(bool read_heads, const std::function<void()> &before_upload) {
	if (host_)
		return *host_;
	Project *loaded = nullptr;
	Opened opened = open(loaded, false);
	Project &p = *loaded;
	if (!p.exists())
		out().note(
		    fmt::format("No migrations directory {}: using the revisions stored in the database.", p.dir().string()));
	else
		synced_ = sync_project(connection(), *opened.host, p, options_.lock_wait, read_heads, before_upload,
		                       std::move(opened.store));
	host_ = std::move(opened.host);
	return *host_;
}

const Host &
Context::inspect() {
	if (reading_)
		return *reading_;
	Project *loaded = nullptr;
	Opened opened = open(loaded, true);
	Project &p = *loaded;
	Connection &conn = connection();
	reading_ = std::move(opened.host);
	if (p.exists()) {
		view_ = read_files_view(conn, p, false, opened.store ? &*opened.store : nullptr);
		for (const auto &id : view_->stale)
			out().note(fmt::format("Stored revision {} has no file and was never applied: ignored (the next upgrade, "
			                       "downgrade or stamp removes it from the database).",
			                       id));
	} else
		out().note(
		    fmt::format("No migrations directory {}: using the revisions stored in the database.", p.dir().string()));
	// Every command that reads the state says when the database is Alembic's and not adopted yet.
	try {
		if (std::string note = alembic_database_note(conn, view_ ? view_->version : version_rows(conn)); !note.empty())
			out().warning(note);
	} catch (const ServerError &) {
	}
	return *reading_;
}

} // namespace pgmigrate
