// The files-versus-store rule (files_view.hpp), read with the engine over libpq in both modes.
#include "files_view.hpp"

#include "errors.hpp"
#include "libpq_database.hpp"
#include "migrate/error.hpp"
#include "migrate/runner.hpp"
#include "migrate/target.hpp"
#include "output.hpp"
#include "sync.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

namespace pgmigrate {

std::vector<migrate::RevisionGraph::Index>
FilesView::current() const {
	return migrate::resolve_version_rows(graph(), version);
}

namespace {

std::shared_ptr<const migrate::RevisionGraph>
files_graph(const Project &project, std::vector<migrate::Revision> extra) {
	if (extra.empty())
		return project.shared_graph();
	const migrate::RevisionGraph &files = project.graph();
	std::vector<migrate::Revision> all;
	all.reserve(files.size() + extra.size());
	for (std::size_t i = 0; i < files.size(); ++i)
		all.push_back(files[i]);
	for (auto &r : extra)
		all.push_back(std::move(r));
	return std::make_shared<const migrate::RevisionGraph>(std::move(all));
}

} // namespace

FilesView
read_files_view(Connection &conn, const Project &project, bool with_sql, const StoreSummary *store) {
	const migrate::RevisionGraph &files = project.graph();
	std::optional<StoreSummary> read;
	if (!store) {
		if (!has_state_tables(conn))
			return FilesView{project.shared_graph(), {}, {}, {}};
		store = &read.emplace(read_store_summary(conn));
	}
	// The store holds exactly the files: no revision without a file, none stale, none changed.
	if (holds_exactly(*store, project))
		return FilesView{project.shared_graph(), store->version, {}, {}};
	std::unordered_set<std::string> in_files;
	for (std::size_t i = 0; i < files.size(); ++i)
		in_files.insert(files[i].id);
	LibpqDatabase db(conn, false);
	migrate::Runner runner(db);
	std::vector<std::string> version, applied_no_file, stale;
	std::vector<migrate::Revision> extra;
	version = runner.version_rows();
	std::vector<std::string> applied = runner.applied_ids();
	const std::unordered_set<std::string> applied_set(applied.begin(), applied.end());
	for (auto &id : applied)
		if (!in_files.contains(id))
			applied_no_file.push_back(id);
	for (auto &id : runner.stored_ids())
		if (!in_files.contains(id) && !applied_set.contains(id))
			stale.push_back(id);
	extra = runner.stored_revisions(applied_no_file, with_sql);
	// An applied revision whose file changed since: the next command that writes refuses it
	// (changed_since_applied); a read-only one says so, and goes on with the file's header.
	std::vector<std::string> applied_in_files;
	for (auto &id : applied)
		if (in_files.contains(id))
			applied_in_files.push_back(id);
	for (const auto &stored : runner.stored_revisions(applied_in_files))
		if (const std::string &checksum = files[*files.find(stored.id)].checksum; checksum != stored.checksum)
			out().warning(fmt::format("revision {} has changed since it was applied (file {}; applied checksum {}, "
			                          "file checksum {})",
			                          stored.id, project.file(stored.id).path, stored.checksum, checksum));
	std::sort(stale.begin(), stale.end());
	FilesView view{files_graph(project, std::move(extra)), std::move(version),
	               std::unordered_set<std::string>(applied_no_file.begin(), applied_no_file.end()), std::move(stale)};
	return view;
}

void
refuse_unfilled(const Project &project, const migrate::RevisionGraph &graph,
                const std::vector<migrate::RevisionGraph::Index> &revisions) {
	for (auto i : revisions) {
		const std::string &id = graph[i].id;
		if (!project.unfilled(id))
			continue;
		Failure f(fmt::format("revision {} is not filled in: its upgrade section is empty", id),
		          fmt::format("File {}.", project.file(id).path),
		          "Write its upgrade SQL (and its downgrade) first, or choose a target below it.");
		f.set_sqlstate(migrate::sqlstate::invalid_migration_file);
		throw f;
	}
}

void
refuse_unfilled(const Project &project, const migrate::RevisionGraph &graph, const migrate::Plan &plan) {
	std::vector<migrate::RevisionGraph::Index> applied;
	for (const auto &step : plan.steps)
		if (step.direction == migrate::Direction::upgrade)
			applied.push_back(step.revision);
	refuse_unfilled(project, graph, applied);
}

} // namespace pgmigrate
