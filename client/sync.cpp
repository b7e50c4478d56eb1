// The upload of new or changed revisions, and the version rows.
#include "sync.hpp"

#include "libpq_database.hpp"
#include "migrate/error.hpp"
#include "migrate/runner.hpp"
#include "migrate/state.hpp"
#include "output.hpp"
#include "waiting.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

namespace pgmigrate {

std::vector<std::string>
version_rows(Connection &conn) {
	std::vector<std::string> rows;
	auto r = conn.query(migrate::state::version_rows_sql);
	for (int i = 0; i < r.rows(); ++i)
		rows.push_back(r.get(i, 0));
	return rows;
}

namespace {

// state::store_digest_sql of the files' graph (parses them).
std::string
files_digest(const Project &project) {
	const migrate::RevisionGraph &graph = project.graph();
	std::vector<std::string> rows;
	rows.reserve(graph.size());
	for (std::size_t i = 0; i < graph.size(); ++i)
		rows.push_back(migrate::state::store_digest_line(graph[static_cast<migrate::RevisionGraph::Index>(i)]));
	std::sort(rows.begin(), rows.end());
	// Hex, ids and separators only, so the line-ending normalisation of migration_checksum changes
	// nothing: this is plain SHA-256, as the server's sha256() computes it.
	return migrate::migration_checksum(fmt::format("{}", fmt::join(rows, "\n")));
}

// Whether the version rows are the files' real heads (dependencies counted): every revision is
// applied. Only meaningful when the store holds exactly the files.
bool
all_applied(const Project &project, std::vector<std::string> version) {
	const migrate::RevisionGraph &graph = project.graph();
	std::vector<std::string> real_heads;
	for (auto i : graph.real_heads())
		real_heads.push_back(graph[i].id);
	std::sort(real_heads.begin(), real_heads.end());
	std::sort(version.begin(), version.end()); // sorted by the database's collation
	return real_heads == version;
}

// holds_exactly with the files' digest already made.
bool
holds(const StoreSummary &store, const Project &project, const std::string &digest) {
	return store.revisions == static_cast<long>(project.files().size()) && store.digest == digest;
}

} // namespace

// One row per version row (one with a NULL revision when there is none), each carrying the count
// and the digest: of migrate.summary when `cached` and it holds one row, else of the revisions.
StoreSummary
read_store_summary(Connection &conn, bool cached) {
	auto read = [&conn](std::string_view sql, StoreSummary &s) {
		auto r = conn.query(
		    fmt::format("SELECT d.*, v.revision FROM (SELECT) AS c LEFT JOIN ({}) AS d(revisions, digest) ON true "
		                "LEFT JOIN migrate.version v ON true ORDER BY v.revision",
		                sql));
		for (int i = 0; i < r.rows(); ++i)
			if (!r.is_null(i, 2))
				s.version.push_back(r.get(i, 2));
		if (r.is_null(0, 0))
			return false;
		s.revisions = std::stol(r.get(0, 0));
		s.digest = r.get(0, 1);
		return true;
	};
	StoreSummary s;
	if (cached && read("SELECT pg_catalog.max(revisions), pg_catalog.max(digest) FROM migrate.summary "
	                   "HAVING pg_catalog.count(*) OPERATOR(pg_catalog.=) 1",
	                   s)) {
		s.cached = true;
		return s;
	}
	s = {};
	read(migrate::state::store_digest_sql, s);
	return s;
}

// Contents are stored only after they parsed, and a revision's content names its id, so equal
// sets mean nothing to upload and nothing to check in the files; the graph's columns are compared
// too, so the store's graph is the files' graph.
bool
holds_exactly(const StoreSummary &store, const Project &project) {
	return holds(store, project, files_digest(project));
}

SyncResult
sync_project(Connection &conn, const Host &host, const Project &project, double lock_wait, bool read_heads,
             const std::function<void()> &before_upload, std::optional<StoreSummary> store) {
	SyncResult result;
	if (!store)
		store = read_store_summary(conn);
	const std::string digest = files_digest(project);
	bool same = holds(*store, project, digest);
	bool at_heads = same && read_heads && all_applied(project, store->version);
	// migrate.summary is what the engine wrote, and runs nothing by itself: it may say that a
	// no-op is one, but before anything runs, or when it disagrees with the files, the stored
	// revisions decide.
	if (store->cached && !at_heads) {
		store = read_store_summary(conn);
		same = holds(*store, project, digest);
		at_heads = same && read_heads && all_applied(project, store->version);
	}
	if (same) { // the files' graph is the store's
		result.unchanged = true;
		result.all_applied = at_heads;
		if (read_heads)
			result.heads = static_cast<long>(project.graph().heads().size());
		return result;
	}
	if (before_upload)
		before_upload();
	std::map<std::string, std::string> server;
	auto r = conn.query("SELECT revision, checksum, content IS NOT NULL FROM migrate.revisions");
	for (int i = 0; i < r.rows(); ++i)
		server.emplace(r.get(i, 0), r.get_bool(i, 2) ? r.get(i, 1) : std::string()); // no content: upload again

	// Parents before children, so the server never sees a revision before its down_revision.
	const auto &graph = project.graph();
	std::vector<const ProjectFile *> files; // views into the project: no copy of the contents
	for (auto i : graph.topological_order()) {
		const auto &rev = graph[i];
		if (project.unfilled(rev.id)) // a draft: warned about, uploaded once it is filled in
			continue;
		auto it = server.find(rev.id);
		if (it != server.end() && it->second == rev.checksum)
			continue;
		files.push_back(&project.file(rev.id));
		result.uploaded.push_back(rev.id);
	}
	// The files say which revisions exist to be applied: a stored one that has no file and was
	// never applied is stale (files_view.hpp), and goes.
	std::set<std::string> applied;
	if (!server.empty()) {
		auto a = conn.query(fmt::format("{} SELECT DISTINCT revision FROM applied", migrate::state::applied_cte));
		for (int i = 0; i < a.rows(); ++i)
			applied.insert(a.get(i, 0));
	}
	std::vector<std::string> stale;
	for (const auto &[id, checksum] : server)
		if (!graph.find(id) && !applied.contains(id))
			stale.push_back(id);
	if (result.uploaded.empty() && stale.empty())
		return result;

	Transaction tx(conn);
	acquire_migration_lock(conn, host, lock_wait);
	if (host.client) {
		// The engine's add, as migrate_add runs it server-side: the same checks, the same rows.
		LibpqDatabase db(conn, false);
		migrate::Runner runner(db);
		std::vector<migrate::Runner::Upload> uploads;
		for (const ProjectFile *f : files)
			uploads.push_back({f->content, f->name()});
		runner.add_all(uploads);
	} else {
		const bool add_all = conn.query("SELECT COALESCE(pg_catalog.has_function_privilege(p, 'EXECUTE'), false) "
		                                "FROM pg_catalog.to_regprocedure($1) AS p",
		                                {host.fn("migrate_add_all") + "(pg_catalog.text[], pg_catalog.text[])"})
		                         .get_bool(0, 0);
		// migrate_add_all (0.4.0) checks the stored graph once per call; an older extension, or a role
		// without EXECUTE on it, gets migrate_add per file (unnest keeps the array order). Either way
		// in chunks of under a megabyte, each file one parameter (no copy of the directory). libpq
		// builds a message in a buffer that doubles as it grows and never shrinks: a message under
		// 1 MiB keeps it at 1 MiB (the statement's text, ~7 bytes a parameter, is sent with it).
		constexpr std::size_t chunk_bytes = (1 << 20) - (128 << 10), chunk_files = 10000; // 65535 parameters at most
		for (std::size_t from = 0; from < files.size();) {
			std::vector<std::string_view> params;
			std::size_t bytes = 0, to = from;
			for (; to < files.size() && to - from < chunk_files; ++to) {
				const std::size_t size = files[to]->content.size() + files[to]->name().size() + 8; // + 2 lengths
				if (to > from && bytes + size > chunk_bytes)
					break;
				params.push_back(files[to]->content);
				bytes += size;
			}
			for (std::size_t k = from; k < to; ++k)
				params.push_back(files[k]->name());
			const std::size_t count = to - from;
			const auto array = [count](std::size_t first) {
				std::string list = "ARRAY[";
				for (std::size_t k = 0; k < count; ++k)
					fmt::format_to(std::back_inserter(list), "{}${}", k == 0 ? "" : ",", first + k);
				return list + "]";
			};
			conn.query_text_views(add_all ? fmt::format("SELECT revision FROM {}({}, {})", host.fn("migrate_add_all"),
			                                            array(1), array(count + 1))
			                              : fmt::format("SELECT {}(u.content, u.filename) FROM ROWS FROM "
			                                            "(pg_catalog.unnest({}), pg_catalog.unnest({})) AS u(content, "
			                                            "filename)",
			                                            host.fn("migrate_add"), array(1), array(count + 1)),
			                      params);
			from = to;
		}
	}
	if (!stale.empty()) {
		const std::string list = fmt::format("{}", fmt::join(stale, ","));
		if (host.client) {
			LibpqDatabase db(conn, false);
			for (const auto &row : migrate::Runner(db).remove(stale))
				result.removed.push_back(row.revision);
		} else {
			auto removed = conn.query(fmt::format("SELECT revision FROM {}($1)", host.fn("migrate_remove")), {list});
			for (int i = 0; i < removed.rows(); ++i)
				result.removed.push_back(removed.get(i, 0));
		}
	}
	tx.commit();
	for (const auto &id : result.removed)
		out().note(fmt::format("Removed revision {} from the database: it has no file and was never applied.", id));
	return result;
}

} // namespace pgmigrate
