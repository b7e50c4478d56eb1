// The revisions a command works with when it has the migration files. The rule, for every
// command and both modes: the files say which revisions exist to be applied. A stored revision
// that is applied but whose file is gone stays (its stored downgrade is what lets the database
// roll back without the files) and is shown as such ("(no file)"). A stored revision that is
// neither applied nor in a file is stale: it is never planned, and the next command that writes
// (upgrade, downgrade, stamp) removes it from the store, saying so.
#pragma once

#include "connection.hpp"
#include "project.hpp"

#include "migrate/plan.hpp"
#include "migrate/revision_graph.hpp"

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace pgmigrate {

struct StoreSummary; // sync.hpp

struct FilesView {
	// The files' revisions and the applied ones without a file: the project's own graph when
	// there are none of those (shared, not copied).
	std::shared_ptr<const migrate::RevisionGraph> shared_graph;
	std::vector<std::string> version;            // the version rows
	std::unordered_set<std::string> stored_only; // applied, no file
	std::vector<std::string> stale;              // stored, not applied, no file

	const migrate::RevisionGraph &graph() const noexcept { return *shared_graph; }
	bool no_file(migrate::RevisionGraph::Index i) const { return stored_only.contains(graph()[i].id); }
	// " (no file)" for a revision that only the database holds, else "".
	std::string marker(migrate::RevisionGraph::Index i) const { return no_file(i) ? " (no file)" : ""; }
	std::vector<migrate::RevisionGraph::Index> current() const;
};

// Reads only (a role with SELECT on the state is enough). `with_sql`: the stored-only revisions
// carry their sections (verified against their stored content), for scripts. Without the state
// tables, the files alone at base. `store`: the store's summary, if already read.
FilesView read_files_view(Connection &conn, const Project &project, bool with_sql = false,
                          const StoreSummary *store = nullptr);

// Refuses a plan or stamp that would apply or record a revision whose file is not filled in yet
// (a fresh `pgmigrate revision` template): nothing has run when it throws.
void refuse_unfilled(const Project &project, const migrate::RevisionGraph &graph,
                     const std::vector<migrate::RevisionGraph::Index> &revisions);
void refuse_unfilled(const Project &project, const migrate::RevisionGraph &graph, const migrate::Plan &plan);

} // namespace pgmigrate
