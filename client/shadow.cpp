// Building and reading the shadow databases.
#include "shadow.hpp"

#include "libpq_database.hpp"
#include "migrate/error.hpp"
#include "migrate/catalog_reader.hpp"
#include "migrate/runner.hpp"
#include "migrate/sql_text.hpp"
#include "output.hpp"
#include "scratch.hpp"
#include "sync.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

namespace pgmigrate {

namespace fs = std::filesystem;

namespace {

constexpr const char *shadow_prefix = "pgmigrate_shadow";

constexpr const char *createdb_hint =
    "The shadow databases are created (and dropped) on the server -d names: give this role CREATEDB, or pass "
    "--shadow-url with a server where it may create databases (e.g. a local PostgreSQL).";

std::string
read_file(const fs::path &path) {
	std::ifstream in(path, std::ios::binary);
	if (!in)
		throw Failure(fmt::format("cannot read schema file {}", path.string()));
	std::ostringstream text;
	text << in.rdbuf();
	return text.str();
}

// Progress notes of the setup (state tables created, revisions uploaded) are about the shadow
// databases, not the user's: keep them quiet.
class QuietScope {
public:
	QuietScope() : quiet_(out().quiet()) { out().configure(out().json(), true); }
	~QuietScope() { out().configure(out().json(), quiet_); }

private:
	bool quiet_;
};

// The migrations, upgraded to `targets` in client mode (works whether or not the extension is
// installable there).
void
build_head(Connection &conn, const Project &project, const std::vector<std::string> &targets, double lock_wait) {
	Host host = require_host(conn, true, lock_wait);
	sync_project(conn, host, project, lock_wait);
	LibpqDatabase db(conn, false);
	db.on_notice([](std::string_view, std::size_t, std::size_t) {});
	try {
		for (const auto &target : targets) {
			db.begin();
			migrate::Runner(db).upgrade(target);
			db.commit();
			throw_if_interrupted();
		}
	} catch (const migrate::Error &e) {
		db.rollback();
		Failure f(fmt::format("the migrations do not apply in a shadow database: {}", e.what()), e.detail(), e.hint(),
		          e.sqlstate());
		f.context = e.context;
		throw f;
	} catch (...) {
		db.rollback();
		throw;
	}
}

void
build_desired(Connection &conn, const std::vector<SchemaFile> &files) {
	for (const auto &file : files) {
		try {
			conn.simple(file.content);
		} catch (const ServerError &e) {
			Failure f(fmt::format("schema file {} failed: {}", file.path.string(), e.what()), e.detail(), e.hint());
			f.set_sqlstate(e.sqlstate());
			if (e.position > 0)
				f.context =
				    fmt::format("{}, line {}", file.path.string(), migrate::lines_before(file.content, e.position) + 1);
			throw f;
		}
		throw_if_interrupted();
	}
}

// One shadow database: created through `admin`, filled, read, dropped.
migrate::schema::Schema
shadow_schema(Connection &admin, const DatabaseTarget &server, const std::function<void(Connection &)> &fill) {
	ScratchDatabase db(admin, server, shadow_prefix, createdb_hint);
	throw_if_interrupted();
	fill(db.conn());
	return read_schema(db.conn());
}

} // namespace

migrate::schema::Schema
read_schema(Connection &conn) {
	LibpqDatabase db(conn, false);
	return migrate::schema::introspect(db);
}

std::vector<SchemaFile>
read_schema_files(const std::string &path) {
	std::error_code ec;
	fs::path root(path);
	if (!fs::exists(root, ec))
		throw Failure(fmt::format("schema path {} does not exist", root.string()), {},
		              "Write the schema you want as plain SQL (CREATE TABLE ...) in ./schema, a .sql file or a "
		              "directory of them, or name it with --schema PATH.");
	std::vector<SchemaFile> files;
	if (fs::is_directory(root, ec)) {
		std::vector<fs::path> paths;
		for (const auto &entry : fs::directory_iterator(root, ec))
			if (entry.is_regular_file() && entry.path().extension() == ".sql" &&
			    entry.path().filename().string().front() != '.')
				paths.push_back(entry.path());
		std::sort(paths.begin(), paths.end());
		for (const auto &p : paths)
			files.push_back({p, read_file(p)});
		if (files.empty())
			throw Failure(fmt::format("schema directory {} holds no .sql files", root.string()));
	} else {
		files.push_back({root, read_file(root)});
	}
	return files;
}

ShadowSchemas
read_shadow_schemas(Context &ctx, const Project &project, const std::vector<std::string> &targets,
                    const ShadowOptions &options) {
	std::vector<SchemaFile> files = read_schema_files(options.schema_path);
	std::unique_ptr<Connection> own_admin;
	DatabaseTarget server;
	if (!options.shadow_url.empty()) {
		server = other_target(ctx, options.shadow_url);
		own_admin = Connection::open(server);
	} else {
		server = ctx.target();
	}
	Connection &admin = own_admin ? *own_admin : ctx.connection();
	const double lock_wait = ctx.options().lock_wait;
	// A run killed with SIGKILL (or whose machine died) could not drop its shadow databases.
	ScratchDatabase::drop_stale(admin, shadow_prefix);

	defer_interrupts(true); // Ctrl-C and SIGTERM now unwind, so the shadow databases are dropped
	ShadowSchemas result;
	{
		QuietScope quiet;
		// Both at once, each on an admin connection of its own: copying the template database for
		// CREATE DATABASE is most of the time this takes.
		std::unique_ptr<Connection> second_admin = Connection::open(server);
		std::exception_ptr desired_error;
		std::thread desired([&] {
			try {
				result.desired = shadow_schema(*second_admin, server, [&](Connection &c) { build_desired(c, files); });
			} catch (...) {
				desired_error = std::current_exception();
			}
		});
		try {
			result.head =
			    shadow_schema(admin, server, [&](Connection &c) { build_head(c, project, targets, lock_wait); });
		} catch (...) {
			desired.join();
			throw;
		}
		desired.join();
		if (desired_error)
			std::rethrow_exception(desired_error);
	}
	defer_interrupts(false);
	return result;
}

} // namespace pgmigrate
