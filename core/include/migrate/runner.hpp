// The runner: lock -> read state -> plan -> run steps -> record, over a Database.
#pragma once

#include "migrate/database.hpp"
#include "migrate/lock_retry.hpp"
#include "migrate/plan.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace migrate {

struct StepResult {
	std::string revision;
	std::string down_revision; // Alembic's "from" side: parents for an upgrade, the revision for a downgrade
	std::string message;
	double duration_ms = 0;
};

struct CurrentRow {
	std::string revision;
	bool is_head = false;
	std::string message;
};

// The stored revision as its stored file `content` says, after checking that the content still
// has the stored checksum and says what `stored` (its graph columns) says: what runs is what was
// verified. Throws XX001 naming both checksums otherwise, or when no content was stored.
Revision verified_revision(const Revision &stored, const Value &content);

class Runner {
public:
	explicit Runner(Database &db) : db_(db) {}

	// Parses and stores one file; identical content is a no-op. Refuses to change a revision
	// that is applied (naming both checksums), and one that would close a cycle or repeat a
	// branch label among the stored revisions. Returns the revision id. Leaves migrate.summary to
	// the next add_all or remove: uploading N files one call at a time must not digest the store N
	// times.
	std::string add(std::string_view content, std::string_view filename);

	// add() for several files (in order: parents first), with the same checks and rows, in a few
	// queries instead of a few per file (the client uploads this way in client mode), then
	// migrate.summary anew when anything changed. Returns the ids.
	struct Upload {
		std::string_view content;
		std::string_view filename;
	};
	std::vector<std::string> add_all(const std::vector<Upload> &files);

	// Removes stored revisions that were never applied (several at once: the files' rule drops
	// every stale one in one call), with a log row each. Refuses an applied revision, and one that
	// a stored revision outside `ids` names as down_revision or dependency, then migrate.summary
	// anew. Returns what it removed (children first).
	std::vector<CurrentRow> remove(const std::vector<std::string> &ids);

	// Records a step that its caller ran itself (a client running a transactional: false revision
	// over the extension's tables), as Runner::run records one: only the next step from the current
	// version, under the lock.
	void record(Direction direction, std::string_view revision, double duration_ms, const StepTrace &trace = {});

	// Takes the migration lock for the rest of the transaction, as every call that changes the
	// state does first (Database::lock_state); refuses in a REPEATABLE READ or SERIALIZABLE
	// transaction, whose snapshot predates the lock.
	void lock(bool nowait = false);

	// Holds the lock across the commits around `revision`, a stored transactional: false
	// revision that the caller is about to run itself (Database::hold_lock).
	void hold_lock(std::string_view revision);

	std::vector<StepResult> upgrade(std::string_view target);
	// The lint findings (lint.hpp) of the revisions `upgrade target` would apply, in plan order,
	// graded by the catalog; a target that is applied already: its own revisions, each alone.
	// Runs nothing and takes no lock (migrate_lint).
	std::vector<lint::Finding> lint(std::string_view target);
	std::vector<StepResult> downgrade(std::string_view target);
	// Sets the version rows to what `targets` names: one argument of one or more revisions,
	// separated by commas or whitespace (split_revision_list), as migrate_stamp and pgmigrate stamp
	// take it; none is "no revision to stamp" (22023).
	void stamp(std::string_view targets, bool purge);

	// The same plans, committing after each revision (Database::commit), so a long history never
	// holds one transaction's locks; a rerun after an interruption continues where it stopped.
	std::vector<StepResult> upgrade_per_revision(std::string_view target);
	std::vector<StepResult> downgrade_per_revision(std::string_view target);

	// Read-only.
	std::vector<CurrentRow> current();
	void check(); // throws "Target database is not up to date." unless at the head(s)
	RevisionGraph load_graph(bool with_sql = false);
	std::vector<std::string> version_rows();
	// The stored revisions among `ids` (with their sections, verified against their content, when
	// `with_sql`); every stored id; the applied ids (the version rows and everything below them).
	std::vector<Revision> stored_revisions(const std::vector<std::string> &ids, bool with_sql = false);
	std::vector<std::string> stored_ids();
	std::vector<std::string> applied_ids();
	// The SQL `upgrade`/`downgrade` would run from the current version, bookkeeping included.
	std::string script(std::string_view command, std::string_view target);

private:
	std::vector<Revision> load_revisions(bool with_sql, const std::vector<std::string> *only = nullptr);
	void check_stored_graph();
	Plan plan(Direction direction, const RevisionGraph &graph, std::string_view target,
	          std::vector<std::string> *rows = nullptr);
	std::vector<StepResult> run_per_revision(Direction direction, std::string_view target);
	// `done_before` steps of a longer plan of `total` ran before this part (per-revision mode):
	// progress counts from there.
	std::vector<StepResult> run(const RevisionGraph &graph, const Plan &plan, std::size_t done_before = 0,
	                            std::size_t total = 0);
	// run() as one attempt that a lock timeout undoes and retries (lock_retry.hpp).
	std::vector<StepResult> run_retrying(const RevisionGraph &graph, const Plan &plan, std::size_t done_before = 0,
	                                     std::size_t total = 0);
	// The planned revisions as their stored content says (verified_revision), by id.
	std::unordered_map<std::string, Revision> planned_texts(const RevisionGraph &graph, const Plan &plan);
	void run_section(const Revision &rev, const std::string &sql, const Section &section, Direction direction,
	                 const char *name, const std::vector<StatementSpan> &spans, bool verify);
	// Lint (lint.hpp) the upgrade sections of the plan's revisions not linted yet by this runner,
	// under db_.lint_policy(): `warn` reports each warning, `error` refuses the first revision
	// that has one, before anything of the plan runs.
	void lint_plan(const RevisionGraph &graph, const Plan &plan,
	               const std::unordered_map<std::string, Revision> &texts);

	Database &db_;
	// Lock waits of the attempts run_retrying undid, by revision, until its step is recorded: the
	// audit row of the attempt that succeeds keeps them (an undone attempt's rows are gone).
	std::unordered_map<std::string, std::vector<LockWait>> waits_;
	std::string running_; // the revision whose statements are running
	// One linter for every plan this runner runs, so tables created by an earlier revision (also
	// one committed by a per-revision run) count as created in the plan.
	std::unique_ptr<lint::Catalog> lint_catalog_;
	std::unique_ptr<lint::Linter> linter_;
	std::unordered_set<std::string> linted_; // revisions linted already (a retried attempt lints nothing again)
};

} // namespace migrate
