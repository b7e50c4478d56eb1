// remove: drops stored revisions that were never applied (migrate_remove; in client mode the
// engine's Runner::remove). A revision whose file is still in the directory is refused, since the
// next command would upload it again.
#include "commands/commands.hpp"
#include "libpq_database.hpp"
#include "migrate/error.hpp"
#include "migrate/runner.hpp"
#include "output.hpp"
#include "waiting.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pgmigrate::commands {

int
remove(Context &ctx, const RemoveOptions &opt) {
	Project &project = ctx.project(true, true);
	if (project.exists())
		for (const auto &id : opt.revisions)
			if (project.graph().find(id) && project.graph()[*project.graph().find(id)].id == id) {
				Failure f(fmt::format("revision {} still has a file: {}", id, project.file(id).path), {},
				          "Delete the file first; the next upgrade, downgrade or stamp then also removes the "
				          "stored revision by itself when it was never applied.");
				f.set_sqlstate(migrate::sqlstate::invalid_parameter_value);
				throw f;
			}
	// No upload first: that would drop every stale revision by itself (files_view.hpp).
	const Host &host = ctx.inspect();
	Connection &conn = ctx.connection();
	std::vector<std::string> removed;
	Transaction tx(conn);
	acquire_migration_lock(conn, host, ctx.options().lock_wait);
	if (host.client) {
		LibpqDatabase db(conn, false);
		for (const auto &row : migrate::Runner(db).remove(opt.revisions))
			removed.push_back(row.revision);
	} else {
		Result r = conn.query(fmt::format("SELECT revision FROM {}($1)", host.fn("migrate_remove")),
		                      {fmt::format("{}", fmt::join(opt.revisions, ","))});
		for (int i = 0; i < r.rows(); ++i)
			removed.push_back(r.get(i, 0));
	}
	tx.commit();
	for (const auto &id : removed)
		out().result(fmt::format("Removed revision {}", id));
	out().doc()["removed"] = removed;
	return 0;
}

} // namespace pgmigrate::commands
