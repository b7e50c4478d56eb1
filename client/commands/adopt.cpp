// adopt / stamp --from-alembic: a database that Alembic migrated takes migrate's version rows from
// its alembic_version (the revisions imported with `pgmigrate import alembic`). Stamp's path: the
// extension's migrate_stamp (its audit log records the adoption) or, in client mode, the engine.
#include "alembic.hpp"
#include "commands/commands.hpp"
#include "libpq_database.hpp"
#include "migrate/runner.hpp"
#include "output.hpp"
#include "waiting.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pgmigrate::commands {

namespace {

// The one alembic_version table with rows, every row an imported revision whose file is filled in;
// otherwise a Failure that says what to do (nothing is changed).
AlembicVersion
adoptable(Connection &conn, const Project &files) {
	std::vector<AlembicVersion> alembic = alembic_versions(conn);
	if (alembic.empty())
		throw Failure(
		    fmt::format("database \"{}\" has no alembic_version table with rows: nothing to adopt", conn.database()));
	if (alembic.size() > 1) {
		Failure f(fmt::format("database \"{}\" has {} alembic_version tables with rows: adopt cannot tell which is "
		                      "this project's",
		                      conn.database(), alembic.size()),
		          {}, "Nothing was changed. Stamp the revisions yourself: pgmigrate stamp REV...");
		for (const auto &v : alembic)
			f.items.push_back(fmt::format("{} holds {}", v.table, fmt::join(v.revisions, ", ")));
		throw f;
	}
	const migrate::RevisionGraph &graph = files.graph();
	const AlembicVersion &v = alembic.front();
	std::vector<std::string> missing, unfilled;
	for (const auto &id : v.revisions) {
		if (!graph.find(id)) // the exact id: Alembic's rows are never prefixes
			missing.push_back(id);
		else if (files.unfilled(id))
			unfilled.push_back(id);
	}
	if (!missing.empty()) {
		Failure f(fmt::format("{} names {} that {} does not hold: not imported", v.table,
		                      missing.size() == 1 ? "a revision" : "revisions", files.dir().string()),
		          {},
		          "Nothing was changed. Import the Alembic project that migrated this database (pgmigrate import "
		          "alembic --from DIR), then adopt again.");
		for (const auto &id : missing)
			f.items.push_back(fmt::format("Can't locate revision identified by '{}'", id));
		throw f;
	}
	if (!unfilled.empty())
		throw Failure(
		    fmt::format("{} names {} whose upgrade section is not filled in", v.table, fmt::join(unfilled, ", ")), {},
		    "Nothing was changed. Alembic applied it: write its SQL into the file (the import says what "
		    "Alembic could not render), then adopt again.");
	return v;
}

} // namespace

int
adopt(Context &ctx) {
	Project &files = ctx.files();
	if (!files.exists())
		throw Failure(fmt::format("no migrations directory {}: adopt checks Alembic's version against the imported "
		                          "files",
		                          files.dir().string()),
		              {}, "Import the Alembic project first: pgmigrate import alembic --from DIR");
	files.graph();
	(void)adoptable(ctx.connection(), files); // before the upload: a refusal changes nothing
	const Host &host = ctx.prepare();         // uploads the files the server does not hold yet
	Connection &conn = ctx.connection();
	Transaction tx(conn);
	acquire_migration_lock(conn, host, ctx.options().lock_wait);
	if (std::vector<std::string> rows = version_rows(conn); !rows.empty())
		throw Failure(fmt::format("database \"{}\" already has migrate version rows ({}): adopt only starts a "
		                          "database that migrate has never migrated",
		                          conn.database(), fmt::join(rows, ", ")),
		              {}, "Nothing was changed. To set the version rows anyway, use pgmigrate stamp REV.");
	const AlembicVersion v = adoptable(conn, files); // again under the lock: what is copied
	const std::string targets = fmt::format("{}", fmt::join(v.revisions, " "));
	if (host.client) {
		LibpqDatabase db(conn, false);
		migrate::Runner(db).stamp(targets, false);
	} else {
		conn.query(fmt::format("SELECT {}($1, false)", host.fn("migrate_stamp")), {targets});
	}
	std::vector<std::string> after = version_rows(conn);
	tx.commit();
	out().progress(fmt::format("Running stamp_revision  -> {}", fmt::join(after, ", ")));
	out().result(
	    fmt::format("Adopted database \"{}\" at {} (from {}).", conn.database(), fmt::join(after, ", "), v.table));
	out().note(fmt::format("{} is left in place. Once no Alembic runs against this database, drop it: DROP TABLE {};",
	                       v.table, v.table));
	out().doc()["alembic_version"] = v.table;
	out().doc()["current"] = after;
	return 0;
}

} // namespace pgmigrate::commands
