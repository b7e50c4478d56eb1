// The extension check and the upload of new or changed revisions.
#include "sync.hpp"

#include "output.hpp"
#include "waiting.hpp"

#include <fmt/format.h>

#include <map>

namespace pgmigrate {

std::optional<Extension>
find_extension(Connection &conn) {
	auto r = conn.query("SELECT n.nspname, e.extversion FROM pg_catalog.pg_extension e "
	                    "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'migrate'");
	if (r.rows() == 0)
		return std::nullopt;
	return Extension{r.get(0, 0), r.get(0, 1)};
}

Extension
require_extension(Connection &conn) {
	if (auto ext = find_extension(conn))
		return *ext;
	Failure f(fmt::format("the migrate extension is not installed in database \"{}\"", conn.database()));
	f.hint = "Install it with: CREATE EXTENSION migrate; (run in that database by a role allowed to create "
	         "extensions; the server must have the migrate package installed)";
	f.sqlstate = "58P01";
	throw f;
}

std::string
text_array_literal(const std::vector<std::string> &values) {
	std::string out = "{";
	for (std::size_t i = 0; i < values.size(); ++i) {
		if (i)
			out += ',';
		out += '"';
		for (char c : values[i]) {
			if (c == '"' || c == '\\')
				out += '\\';
			out += c;
		}
		out += '"';
	}
	return out + "}";
}

std::vector<std::string>
version_rows(Connection &conn) {
	std::vector<std::string> rows;
	auto r = conn.query("SELECT revision FROM migrate.version ORDER BY revision");
	for (int i = 0; i < r.rows(); ++i)
		rows.push_back(r.get(i, 0));
	return rows;
}

SyncResult
sync_project(Connection &conn, const Extension &ext, const Project &project, double lock_wait) {
	SyncResult result;
	if (project.empty())
		return result;
	std::map<std::string, std::string> server;
	auto r = conn.query("SELECT revision, checksum FROM migrate.revisions");
	for (int i = 0; i < r.rows(); ++i)
		server.emplace(r.get(i, 0), r.get(i, 1));

	// Parents before children, so the server never sees a revision before its down_revision.
	const auto &graph = project.graph();
	std::vector<std::string> contents, names;
	for (auto i : graph.topological_order()) {
		const auto &rev = graph[i];
		auto it = server.find(rev.id);
		if (it != server.end() && it->second == rev.checksum)
			continue;
		const ProjectFile &file = project.file(rev.id);
		contents.push_back(file.content);
		names.push_back(file.name);
		result.uploaded.push_back(rev.id);
	}
	if (result.uploaded.empty())
		return result;

	Transaction tx(conn);
	acquire_migration_lock(conn, lock_wait, false);
	// One round trip for all of them; unnest keeps the array order.
	conn.query(fmt::format("SELECT {}(u.content, u.filename) FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), "
	                       "pg_catalog.unnest($2::pg_catalog.text[])) AS u(content, filename)",
	                       ext.fn("migrate_add")),
	           {text_array_literal(contents), text_array_literal(names)});
	tx.commit();
	return result;
}

} // namespace pgmigrate
