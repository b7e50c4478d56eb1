// Lazily opened project and database for the commands.
#include "context.hpp"

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
		throw Failure("no database given", {},
		              "Pass -d postgresql://user@host:5432/dbname, or set DATABASE_URL.");
	return *target_;
}

Connection &
Context::connection() {
	if (!conn_) {
		const DatabaseTarget &t = target();
		if (options_.wait)
			wait_for_server(t, *options_.wait);
		conn_ = Connection::open(t);
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
		project_ = Project::load(project_dir(), allow_missing, lenient);
	return *project_;
}

Host &
Context::prepare(bool read_heads) {
	if (host_)
		return *host_;
	bool explicit_dir = false;
	std::filesystem::path dir = Project::directory(options_.dir, &explicit_dir);
	// Connecting (libpq's negotiation, the server starting a backend) and reading the files take a
	// few milliseconds each; side by side, a deploy waits for the longer only. Not with --wait,
	// which may wait long for a server, nor without the directory, an error to report at once.
	std::future<void> connecting;
	std::error_code ec;
	if (!conn_ && has_database() && !options_.wait && std::filesystem::is_directory(dir, ec))
		connecting = std::async(std::launch::async, [this] { connection(); });
	Project *loaded = nullptr;
	try {
		loaded = &project(!explicit_dir);
		if (!loaded->unfinished().empty()) {
			const auto &unfinished = loaded->unfinished();
			Failure f(unfinished.size() == 1 ? "a migration file is not filled in"
			                                 : fmt::format("{} migration files are not filled in", unfinished.size()));
			f.items = unfinished;
			throw f;
		}
	} catch (...) {
		if (connecting.valid())
			connecting.wait(); // its outcome no longer matters, but it uses this object
		throw;
	}
	Project &p = *loaded;
	Connection *opened = nullptr;
	try {
		if (connecting.valid())
			connecting.get();
		opened = &connection();
	} catch (...) {
		p.graph(); // a bad file is reported before an unreachable server, as when parsing came first
		throw;
	}
	Connection &conn = *opened;
	Host host = require_host(conn, options_.no_extension, options_.lock_wait);
	if (!p.exists())
		out().note(fmt::format("No migrations directory {}: using the revisions stored in the database.", dir.string()));
	else
		synced_ = sync_project(conn, host, p, options_.lock_wait, read_heads);
	host_ = std::move(host);
	return *host_;
}

} // namespace pgmigrate
