// The runner: lock -> read state -> plan -> run steps -> record. It speaks to its host only
// through Database, so the extension (SPI) and the client (libpq) share every rule here.
#include "migrate/runner.hpp"

#include "migrate/error.hpp"
#include "migrate/lock_retry.hpp"
#include "migrate/lock_trace.hpp"
#include "migrate/history_text.hpp"
#include "migrate/script.hpp"
#include "migrate/state.hpp"
#include "migrate/target.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>
#include <unordered_set>

namespace migrate {

namespace {

constexpr std::string_view revision_columns =
    "revision, pg_catalog.array_to_string(down_revisions, ','), pg_catalog.array_to_string(depends_on, ','), "
    "pg_catalog.array_to_string(branch_labels, ','), message, transactional, lock_timeout, "
    "upgrade_line, downgrade_line, verify_line, checksum, filename";

std::vector<std::string>
split_list(const Value &v) {
	std::vector<std::string> out;
	if (!v || v->empty())
		return out;
	std::size_t start = 0;
	while (true) {
		std::size_t comma = v->find(',', start);
		out.push_back(v->substr(start, comma - start));
		if (comma == std::string::npos)
			break;
		start = comma + 1;
	}
	return out;
}

// A list of ids for `= ANY (<id_array_sql>)`. Ids and labels are [A-Za-z0-9_], so a comma-joined
// list needs no quoting. Not `$1::text[]`: that cast is array_in, which is only STABLE, so the
// planner cannot fold it; without statistics on migrate.revisions (right after an upload) it picks
// a seq scan and parses the whole array again for every row, quadratic in the number of
// revisions (40 s for 10,000). string_to_array is IMMUTABLE: folded once into a constant array.
constexpr std::string_view id_array_sql = "pg_catalog.string_to_array($1, ',')";

std::string
id_list(const std::vector<std::string> &ids) {
	return fmt::format("{}", fmt::join(ids, ","));
}

int
to_int(const Value &v) {
	return v ? std::stoi(*v) : 0;
}

bool
is_true(const Value &v) {
	return v && (*v == "t" || *v == "true");
}

StatementContext
section_start(const Revision &rev, const Section &section, Direction direction, const char *name) {
	StatementContext ctx;
	ctx.revision = rev.id;
	ctx.direction = direction;
	ctx.section = name;
	ctx.filename = rev.filename;
	ctx.line = section.first_line;
	return ctx;
}

bool
same_section(const Section &a, const Section &b) {
	return a.present == b.present && (!a.present || (a.sql == b.sql && a.first_line == b.first_line));
}

// Whether the stored columns say what the stored content says.
bool
same_columns(const Revision &parsed, const Revision &stored) {
	return parsed.id == stored.id && parsed.down_revisions == stored.down_revisions &&
	       parsed.depends_on == stored.depends_on && parsed.branch_labels == stored.branch_labels &&
	       parsed.message == stored.message && parsed.transactional == stored.transactional &&
	       parsed.lock_timeout == stored.lock_timeout && same_section(parsed.upgrade, stored.upgrade) &&
	       same_section(parsed.downgrade, stored.downgrade) && same_section(parsed.verify, stored.verify);
}

// The section columns read after revision_columns, at `at`: upgrade_sql, downgrade_sql, verify_sql.
void
read_sections(Revision &r, const Row &row, std::size_t at) {
	r.upgrade.sql = row.at(at).value_or("");
	r.downgrade.sql = row.at(at + 1).value_or("");
	r.verify.sql = row.at(at + 2).value_or("");
}

constexpr std::string_view section_columns = "upgrade_sql, downgrade_sql, verify_sql, content";

} // namespace

Revision
verified_revision(const Revision &stored, const Value &content) {
	if (!content)
		throw Error(sqlstate::data_corrupted, fmt::format("revision {} is stored without its file content", stored.id),
		            "It was stored by migrate 0.1.0, which kept only the parsed sections, so its checksum cannot be "
		            "verified.",
		            "Upload its file again (pgmigrate does on its next command; from psql: SELECT "
		            "migrate.migrate_add(<file content>, <file name>) in the extension's schema).");
	Revision parsed;
	bool parses = true;
	try {
		parsed = parse_migration(*content, stored.filename);
	} catch (const Error &) {
		parses = false;
	}
	if (!parses || parsed.checksum != stored.checksum)
		throw Error(sqlstate::data_corrupted,
		            fmt::format("stored revision {} does not match its checksum; nothing was run", stored.id),
		            fmt::format("Stored checksum {}, checksum of its stored content {}.", stored.checksum,
		                        parses ? parsed.checksum : migration_checksum(*content)),
		            "Its row in migrate.revisions was changed outside migrate_add. Find out who changed it, then "
		            "upload the file again.");
	if (!same_columns(parsed, stored))
		throw Error(sqlstate::data_corrupted,
		            fmt::format("stored revision {} does not match its content; nothing was run", stored.id),
		            fmt::format("Its content has the stored checksum {}, but its columns in migrate.revisions "
		                        "(sections, parents, dependencies, labels, message or options) differ from it.",
		                        stored.checksum),
		            "Its row was changed outside migrate_add. Find out who changed it, then upload the file again.");
	parsed.filename = stored.filename;
	return parsed;
}

std::vector<std::string>
Runner::version_rows() {
	std::vector<std::string> rows;
	// Repeated: read again after every commit of a per-revision run.
	for (auto &row : db_.query_repeated(state::version_rows_sql, {}))
		rows.push_back(row.at(0).value_or(""));
	return rows;
}

std::vector<Revision>
Runner::load_revisions(bool with_sql, const std::vector<std::string> *only) {
	std::string sql =
	    fmt::format("SELECT {}{}{} FROM migrate.revisions {}ORDER BY revision", revision_columns, with_sql ? ", " : "",
	                with_sql ? section_columns : "",
	                only ? fmt::format("WHERE revision OPERATOR(pg_catalog.=) ANY ({}) ", id_array_sql) : "");
	std::vector<Revision> revisions;
	if (only && only->empty())
		return revisions;
	for (auto &row : db_.query(sql, only ? std::vector<Value>{id_list(*only)} : std::vector<Value>{})) {
		Revision r;
		r.id = row.at(0).value_or("");
		r.down_revisions = split_list(row.at(1));
		r.depends_on = split_list(row.at(2));
		r.branch_labels = split_list(row.at(3));
		r.message = row.at(4).value_or("");
		r.transactional = is_true(row.at(5));
		r.lock_timeout = row.at(6).value_or("");
		r.upgrade.present = true;
		r.upgrade.first_line = to_int(row.at(7));
		r.downgrade.present = row.at(8).has_value();
		r.downgrade.first_line = to_int(row.at(8));
		r.verify.present = row.at(9).has_value();
		r.verify.first_line = to_int(row.at(9));
		r.checksum = row.at(10).value_or("");
		r.filename = row.at(11).value_or("");
		if (with_sql)
			read_sections(r, row, 12);
		revisions.push_back(with_sql ? verified_revision(r, row.at(15)) : std::move(r));
	}
	return revisions;
}

std::vector<Revision>
Runner::stored_revisions(const std::vector<std::string> &ids, bool with_sql) {
	return load_revisions(with_sql, &ids);
}

std::vector<std::string>
Runner::applied_ids() {
	std::vector<std::string> ids;
	for (auto &row : db_.query(fmt::format("{} SELECT DISTINCT revision FROM applied", state::applied_cte)))
		ids.push_back(row.at(0).value_or(""));
	return ids;
}

std::vector<std::string>
Runner::stored_ids() {
	std::vector<std::string> ids;
	for (auto &row : db_.query("SELECT revision FROM migrate.revisions"))
		ids.push_back(row.at(0).value_or(""));
	return ids;
}

RevisionGraph
Runner::load_graph(bool with_sql) {
	return RevisionGraph(load_revisions(with_sql));
}

void
Runner::check_stored_graph() {
	// After an upload the stored revisions must still form a graph: a cycle or a branch label used
	// twice would make every later call fail. The graph's own checks name the revisions; the
	// error rolls the upload back. References to revisions not stored yet are left out: they
	// may be uploaded next.
	std::vector<Revision> revisions = load_revisions(false);
	std::unordered_set<std::string_view> stored;
	for (const Revision &r : revisions)
		stored.insert(r.id);
	auto known = [&](std::vector<std::string> &ids) {
		std::erase_if(ids, [&](const std::string &id) { return !stored.contains(id); });
	};
	for (Revision &r : revisions) {
		known(r.down_revisions);
		known(r.depends_on);
	}
	(void)RevisionGraph(std::move(revisions));
}

void
Runner::lock(bool nowait) {
	auto iso = db_.query_repeated("SELECT pg_catalog.current_setting('transaction_isolation')", {});
	std::string level = iso.empty() ? "" : iso[0].at(0).value_or("");
	if (level == "repeatable read" || level == "serializable") {
		std::string upper = level == "serializable" ? "SERIALIZABLE" : "REPEATABLE READ";
		throw Error(sqlstate::invalid_transaction_state,
		            fmt::format("migrate cannot change the schema in a {} transaction", upper),
		            "The lock that serialises migrators cannot refresh a snapshot taken before it was granted, "
		            "so a concurrent migration would be missed.",
		            "Run it in a READ COMMITTED transaction (the default).");
	}
	db_.lock_state(nowait);
}

void
Runner::hold_lock(std::string_view revision) {
	lock();
	auto rows = db_.query("SELECT transactional FROM migrate.revisions WHERE revision OPERATOR(pg_catalog.=) $1",
	                      {std::string(revision)});
	if (rows.empty())
		throw Error(sqlstate::undefined_object, fmt::format("Can't locate revision identified by '{}'", revision));
	if (is_true(rows[0].at(0)))
		throw Error(sqlstate::invalid_parameter_value,
		            fmt::format("revision {} is transactional: the lock it takes ends with its transaction", revision),
		            {}, "Only a transactional: false revision holds the lock across commits.");
	db_.hold_lock(revision);
}

namespace {

// Parses one file for add, refusing what can never be part of a graph, rather than store it and
// make every later call fail until it is replaced. (Missing parents are stored: they may be
// uploaded next.)
Revision
parse_for_add(std::string_view content, std::string_view filename) {
	Revision r = parse_migration(content, filename);
	check_self_references(r);
	return r;
}

} // namespace

std::string
Runner::add(std::string_view content, std::string_view filename) {
	Revision r = parse_for_add(content, filename);
	lock();
	auto existing = db_.query_repeated(
	    "SELECT checksum, content IS NOT NULL FROM migrate.revisions WHERE revision OPERATOR(pg_catalog.=) $1", {r.id});
	if (!existing.empty()) {
		std::string old_checksum = existing[0].at(0).value_or("");
		if (old_checksum == r.checksum && is_true(existing[0].at(1)))
			return r.id;
		auto applied = db_.query(
		    fmt::format("{} SELECT 1 FROM applied WHERE revision OPERATOR(pg_catalog.=) $1", state::applied_cte),
		    {r.id});
		if (!applied.empty() && old_checksum != r.checksum)
			throw state::changed_since_applied(r, old_checksum, filename);
	}
	db_.query_repeated(state::revision_upsert_sql(), state::revision_params(r, content, filename));
	// Only a revision that a stored one names as parent or dependency can close a cycle, and only
	// one with branch labels can repeat one: uploads in parents-first order skip the whole-graph
	// check, which would make uploading N files one call at a time cost O(N^2).
	if (!r.branch_labels.empty() ||
	    !db_.query_repeated("SELECT 1 FROM migrate.revisions WHERE $1 OPERATOR(pg_catalog.=) ANY (down_revisions "
	                        "OPERATOR(pg_catalog.||) depends_on) LIMIT 1",
	                        {r.id})
	         .empty())
		check_stored_graph();
	return r.id;
}

std::vector<std::string>
Runner::add_all(const std::vector<Upload> &files) {
	// The same checks and rows as add() once per file, in a few queries: one lock, one read of
	// the stored checksums, one look at what is applied, one upsert per batch of revisions.
	std::vector<Revision> revisions;
	std::vector<std::string> ids;
	for (const Upload &f : files) {
		revisions.push_back(parse_for_add(f.content, f.filename));
		ids.push_back(revisions.back().id);
	}
	if (revisions.empty())
		return ids;
	lock();
	std::unordered_map<std::string, std::string> stored; // checksum; "" when stored without content (0.1.0)
	for (auto &row : db_.query(fmt::format("SELECT revision, checksum, content IS NOT NULL FROM migrate.revisions "
	                                       "WHERE revision OPERATOR(pg_catalog.=) ANY ({})",
	                                       id_array_sql),
	                           {id_list(ids)}))
		stored[row.at(0).value_or("")] = is_true(row.at(2)) ? row.at(1).value_or("") : std::string();
	// What to store: new or changed content; a file listed twice counts once, the last one.
	std::unordered_map<std::string, std::size_t> last;
	for (std::size_t i = 0; i < revisions.size(); ++i)
		last[revisions[i].id] = i;
	std::vector<std::size_t> store;
	std::vector<std::string> changed;
	for (std::size_t i = 0; i < revisions.size(); ++i) {
		const Revision &r = revisions[i];
		auto it = stored.find(r.id);
		if (last[r.id] != i || (it != stored.end() && it->second == r.checksum))
			continue;
		store.push_back(i);
		if (it != stored.end() && !it->second.empty())
			changed.push_back(r.id);
	}
	if (!changed.empty()) {
		std::unordered_map<std::string, bool> applied;
		for (auto &row : db_.query(fmt::format("{} SELECT DISTINCT revision FROM applied "
		                                       "WHERE revision OPERATOR(pg_catalog.=) ANY ({})",
		                                       state::applied_cte, id_array_sql),
		                           {id_list(changed)}))
			applied[row.at(0).value_or("")] = true;
		for (std::size_t i : store)
			if (applied.count(revisions[i].id))
				throw state::changed_since_applied(revisions[i], stored[revisions[i].id], files[i].filename);
	}
	// One kept statement of a column array each, in batches that bound the copies of the text.
	constexpr std::size_t batch = 1000;
	for (std::size_t from = 0; from < store.size(); from += batch) {
		std::vector<std::vector<Value>> rows;
		for (std::size_t k = from; k < std::min(from + batch, store.size()); ++k)
			rows.push_back(
			    state::revision_params(revisions[store[k]], files[store[k]].content, files[store[k]].filename));
		db_.query_repeated(state::revision_upsert_many_sql(), state::revision_array_params(rows));
	}
	if (!store.empty()) {
		check_stored_graph();
		db_.refresh_summary();
	}
	return ids;
}

void
Runner::record(Direction direction, std::string_view revision, double duration_ms, const StepTrace &trace) {
	lock();
	RevisionGraph graph = load_graph();
	auto current = resolve_version_rows(graph, version_rows());
	auto index = graph.find(revision);
	if (!index || graph[*index].id != revision)
		throw Error(sqlstate::undefined_object, fmt::format("Can't locate revision identified by '{}'", revision));
	// Only the step the engine itself would take next: upgrading a revision whose parents and
	// dependencies are applied, or reverting an applied one that nothing applied stands on.
	Plan plan;
	if (direction == Direction::upgrade) {
		plan = plan_upgrade(graph, current, graph[*index].id);
	} else {
		const auto &parents = graph[*index].down_revisions;
		plan = plan_downgrade(graph, current, parents.empty() ? std::string("base") : parents.front());
	}
	const bool next = direction == Direction::upgrade ? plan.steps.size() == 1 && plan.steps[0].revision == *index
	                                                  : !plan.steps.empty() && plan.steps[0].revision == *index;
	if (!next)
		throw Error(sqlstate::not_in_prerequisite_state,
		            fmt::format("{} of revision {} is not the next step from the current version",
		                        direction == Direction::upgrade ? "upgrade" : "downgrade", graph[*index].id),
		            {}, "Only a step that pgmigrate has just run can be recorded.");
	db_.record_step(graph, plan.steps[0], duration_ms, trace);
}

std::vector<CurrentRow>
Runner::remove(const std::vector<std::string> &ids) {
	lock();
	RevisionGraph graph = load_graph();
	std::vector<bool> chosen(graph.size(), false);
	for (const auto &id : ids) {
		auto index = graph.find(id);
		if (!index || graph[*index].id != id)
			throw Error(sqlstate::undefined_object, fmt::format("Can't locate revision identified by '{}'", id), {},
			            "Removing takes a stored revision's full id (migrate_history() lists them).");
		chosen[*index] = true;
	}
	std::vector<bool> applied, current;
	applied_masks(graph, resolve_version_rows(graph, version_rows()), applied, current);
	std::vector<std::string> removed;
	const auto order = graph.topological_order();
	for (auto it = order.rbegin(); it != order.rend(); ++it) { // children first
		const auto i = *it;
		if (!chosen[i])
			continue;
		const Revision &rev = graph[i];
		if (applied[i])
			throw Error(sqlstate::not_in_prerequisite_state,
			            fmt::format("revision {} is applied and cannot be removed", rev.id),
			            "Its stored downgrade is what lets the database roll back without the files.",
			            fmt::format("Downgrade below it first (downgrade {}-1), then remove it.", rev.id));
		std::vector<std::string> naming;
		for (auto c : graph.successors(i)) // children and dependents
			if (!chosen[c])
				naming.push_back(graph[c].id);
		if (!naming.empty())
			throw Error(
			    sqlstate::dependent_objects_still_exist,
			    fmt::format("revision {} cannot be removed: other stored revisions name it", rev.id),
			    fmt::format("Stored revisions naming it as down_revision or depends_on: {}.", fmt::join(naming, ", ")),
			    "Remove those first, or together with it.");
		removed.push_back(rev.id);
	}
	std::vector<CurrentRow> rows;
	for (const auto &id : removed) {
		const Revision &rev = graph[*graph.find(id)];
		rows.push_back({rev.id, false, rev.message});
		db_.query_repeated("WITH deleted AS (DELETE FROM migrate.revisions WHERE revision OPERATOR(pg_catalog.=) $1) "
		                   "INSERT INTO migrate.log (revision, direction, down_revision, started_at, duration_ms, "
		                   "checksum) VALUES ($1, 'remove', $2, pg_catalog.clock_timestamp(), 0, $3)",
		                   {rev.id, state::joined_parents(rev), rev.checksum});
	}
	if (!removed.empty())
		db_.refresh_summary();
	return rows;
}

Plan
Runner::plan(Direction direction, const RevisionGraph &graph, std::string_view target, std::vector<std::string> *rows) {
	std::vector<std::string> version = version_rows();
	auto current = resolve_version_rows(graph, version);
	if (rows != nullptr)
		*rows = std::move(version);
	return direction == Direction::upgrade ? plan_upgrade(graph, current, target)
	                                       : plan_downgrade(graph, current, target);
}

std::vector<StepResult>
Runner::upgrade(std::string_view target) {
	lock();
	RevisionGraph graph = load_graph();
	return run_retrying(graph, plan(Direction::upgrade, graph, target));
}

std::vector<lint::Finding>
Runner::lint(std::string_view target) {
	RevisionGraph graph = load_graph();
	Plan planned = plan(Direction::upgrade, graph, target);
	if (planned.steps.empty()) // applied already: what the target names
		for (auto i : resolve_revisions(graph, target))
			planned.steps.push_back(Step{Direction::upgrade, i, {}, {}});
	const std::unordered_map<std::string, Revision> texts = planned_texts(graph, planned);
	const std::unique_ptr<lint::Catalog> catalog = lint::database_catalog(db_);
	lint::Linter linter(catalog.get());
	std::vector<lint::Finding> findings;
	for (const Step &step : planned.steps) {
		const Revision &rev = texts.at(graph[step.revision].id);
		const StatementContext where = section_start(rev, rev.upgrade, Direction::upgrade, "upgrade");
		for (lint::Finding &f : linter.section(rev, rev.upgrade, db_.lint_statements(rev.upgrade.sql, where)))
			findings.push_back(std::move(f));
	}
	return findings;
}

std::vector<StepResult>
Runner::downgrade(std::string_view target) {
	lock();
	RevisionGraph graph = load_graph();
	return run_retrying(graph, plan(Direction::downgrade, graph, target));
}

std::vector<StepResult>
Runner::run_retrying(const RevisionGraph &graph, const Plan &plan, std::size_t done_before, std::size_t total) {
	// transactional: false revisions commit statement by statement: nothing to undo and retry.
	for (const Step &step : plan.steps)
		if (!graph[step.revision].transactional)
			return run(graph, plan, done_before, total);
	if (plan.steps.empty())
		return {};
	std::vector<StepResult> results;
	waits_.clear();
	const auto waited = [this](LockWait wait) { waits_[running_].push_back(std::move(wait)); };
	if (!db_.commits_each_revision()) {
		with_lock_retry(
		    db_, [&] { results = run(graph, plan, done_before, total); }, waited);
		return results;
	}
	const std::size_t all = total != 0 ? total : done_before + plan.steps.size();
	for (std::size_t k = 0; k < plan.steps.size(); ++k)
		with_lock_retry(
		    db_,
		    [&] {
			    auto done = run(graph, Plan{{plan.steps[k]}}, done_before + k, all);
			    results.insert(results.end(), done.begin(), done.end());
		    },
		    waited);
	return results;
}

std::vector<StepResult>
Runner::upgrade_per_revision(std::string_view target) {
	return run_per_revision(Direction::upgrade, target);
}

std::vector<StepResult>
Runner::downgrade_per_revision(std::string_view target) {
	return run_per_revision(Direction::downgrade, target);
}

std::vector<StepResult>
Runner::run_per_revision(Direction direction, std::string_view target) {
	// The lock is released by every commit, so another migrator may move the version between two
	// revisions. Then an absolute target is planned again from the new state; a relative one
	// (`-2`, `head-1`) no longer means what the caller asked for, so that stops with an error.
	const bool relative = parse_target(target).relative;
	std::vector<StepResult> results;
	lock();
	while (true) {
		// Checked before planning again: resolving the relative target from the moved version
		// would fail (or succeed) with a message about the target, not about what happened.
		if (!results.empty() && relative)
			throw Error(sqlstate::not_in_prerequisite_state,
			            "another migration changed the version while this one was running",
			            fmt::format("{} revision(s) were applied and committed before the change.", results.size()),
			            "Check migrate_current() and run the command again with an absolute target.");
		RevisionGraph graph = load_graph();
		std::vector<std::string> expected;
		Plan planned = plan(direction, graph, target, &expected);
		std::sort(expected.begin(), expected.end());
		if (planned.steps.empty())
			return results;
		// The whole plan is linted before its first commit, so `error` refuses before anything runs.
		if (results.empty() && direction == Direction::upgrade && db_.lint_policy() != lint::Policy::off)
			lint_plan(graph, planned, planned_texts(graph, planned));
		bool moved = false;
		for (std::size_t k = 0; k < planned.steps.size(); ++k) {
			const Step &step = planned.steps[k];
			auto done = run_retrying(graph, Plan{{step}}, results.size(), results.size() + planned.steps.size() - k);
			results.insert(results.end(), done.begin(), done.end());
			for (const auto &r : step.version_delete)
				expected.erase(std::remove(expected.begin(), expected.end(), r), expected.end());
			expected.insert(expected.end(), step.version_insert.begin(), step.version_insert.end());
			std::sort(expected.begin(), expected.end());
			db_.commit();
			lock();
			std::vector<std::string> now = version_rows();
			std::sort(now.begin(), now.end()); // the database's collation may order them differently
			if (now != expected) {
				moved = true;
				break;
			}
		}
		if (!moved)
			return results;
	}
}

void
Runner::stamp(std::string_view text, bool purge) {
	const std::vector<std::string> targets = split_revision_list(text);
	if (targets.empty())
		throw Error(sqlstate::invalid_parameter_value, "no revision to stamp", {},
		            "Name one or more revisions, 'head', 'heads' or 'base'.");
	lock();
	RevisionGraph graph = load_graph();
	std::vector<std::string> before = version_rows();
	// --purge is the way out of rows naming revisions that no longer exist, so skip checking them.
	std::vector<RevisionGraph::Index> current;
	if (!purge)
		current = resolve_version_rows(graph, before);
	std::vector<std::string> after = plan_stamp(graph, current, targets, purge);
	std::vector<std::string> sorted_before = before, sorted_after = after;
	std::sort(sorted_before.begin(), sorted_before.end());
	std::sort(sorted_after.begin(), sorted_after.end());
	if (sorted_before == sorted_after)
		return;
	db_.execute(state::stamp_sql(before, after));
}

std::unordered_map<std::string, Revision>
Runner::planned_texts(const RevisionGraph &graph, const Plan &plan) {
	// The stored content of just the revisions this plan touches, in one query, each parsed again
	// and checked against its checksum and its graph columns.
	std::unordered_map<std::string, Revision> texts;
	if (plan.steps.empty())
		return texts;
	std::vector<std::string> ids;
	for (const Step &step : plan.steps)
		ids.push_back(graph[step.revision].id);
	std::unordered_map<std::string, Row> stored_rows;
	// One revision (every step of a per-revision run): a kept plan that looks the key up. Several:
	// planned each time, so that the list folds into a constant the index can use.
	const std::string select =
	    fmt::format("SELECT revision, {} FROM migrate.revisions WHERE revision ", section_columns);
	for (auto &row : ids.size() == 1 ? db_.query_repeated(select + "OPERATOR(pg_catalog.=) $1", {ids[0]})
	                                 : db_.query(fmt::format("{}OPERATOR(pg_catalog.=) ANY ({})", select, id_array_sql),
	                                             {id_list(ids)}))
		stored_rows[row.at(0).value_or("")] = std::move(row);
	for (const Step &step : plan.steps) {
		Revision stored = graph[step.revision];
		if (texts.contains(stored.id))
			continue;
		const Row &row = stored_rows[stored.id];
		if (row.size() < 5)
			throw Error(sqlstate::undefined_object, fmt::format("Can't locate revision identified by '{}'", stored.id));
		read_sections(stored, row, 1);
		texts.emplace(stored.id, verified_revision(stored, row.at(4)));
	}
	return texts;
}

std::vector<StepResult>
Runner::run(const RevisionGraph &graph, const Plan &plan, std::size_t done_before, std::size_t total) {
	std::vector<StepResult> results;
	if (plan.steps.empty())
		return results;

	if (!db_.can_run_non_transactional()) {
		for (const Step &step : plan.steps) {
			const Revision &rev = graph[step.revision];
			if (!rev.transactional)
				throw Error(sqlstate::invalid_transaction_state,
				            fmt::format("revision {} is marked transactional: false and cannot run inside a "
				                        "transaction",
				                        rev.id),
				            "Statements such as CREATE INDEX CONCURRENTLY cannot run inside a function.",
				            "Run this migration with pgmigrate, which applies such revisions statement by "
				            "statement outside a transaction block.");
		}
	}

	const std::unordered_map<std::string, Revision> texts = planned_texts(graph, plan);

	// Split every section before running anything, so a syntax error anywhere in the plan
	// fails before the first step rather than after the earlier ones have run.
	std::vector<std::vector<StatementSpan>> main_spans, verify_spans;
	for (const Step &step : plan.steps) {
		const Revision &rev = texts.at(graph[step.revision].id);
		const bool up = step.direction == Direction::upgrade;
		const Section &main = up ? rev.upgrade : rev.downgrade;
		main_spans.push_back(
		    db_.split(main.sql, section_start(rev, main, step.direction, up ? "upgrade" : "downgrade")));
		verify_spans.push_back(up && rev.verify.present
		                           ? db_.split(rev.verify.sql, section_start(rev, rev.verify, step.direction, "verify"))
		                           : std::vector<StatementSpan>{});
	}

	lint_plan(graph, plan, texts);

	const bool trace = db_.lock_policy().trace;
	for (std::size_t n = 0; n < plan.steps.size(); ++n) {
		const Step &step = plan.steps[n];
		const Revision &rev = texts.at(graph[step.revision].id);
		const bool up = step.direction == Direction::upgrade;
		db_.notice(running_line(graph, step), done_before + n + 1,
		           total != 0 ? total : done_before + plan.steps.size());
		auto started = std::chrono::steady_clock::now();
		running_ = rev.id;

		if (!rev.transactional)
			db_.hold_lock(rev.id); // before begin_revision commits what came before
		const std::string &main_sql = up ? rev.upgrade.sql : rev.downgrade.sql;
		std::optional<StepTracer> tracer;
		if (trace && rev.transactional) // a transactional: false revision's locks end with each statement
			tracer.emplace(db_, main_sql, main_spans[n]);
		db_.begin_revision(rev);
		run_section(rev, main_sql, up ? rev.upgrade : rev.downgrade, step.direction, up ? "upgrade" : "downgrade",
		            main_spans[n], false);
		if (up && rev.verify.present)
			run_section(rev, rev.verify.sql, rev.verify, step.direction, "verify", verify_spans[n], true);
		db_.end_revision();

		double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
		StepTrace step_trace;
		if (tracer)
			tracer->finish(step_trace);
		if (auto waited = waits_.find(rev.id); waited != waits_.end())
			step_trace.lock_waits = lock_waits_json(waited->second);
		db_.record_step(graph, step, ms, step_trace);
		results.push_back({rev.id, state::joined_parents(rev), rev.message, ms});
	}
	return results;
}

void
Runner::lint_plan(const RevisionGraph &graph, const Plan &plan,
                  const std::unordered_map<std::string, Revision> &texts) {
	// Only upgrades: a downgrade's DROPs are what it is for.
	if (plan.steps.empty() || plan.steps.front().direction != Direction::upgrade)
		return;
	const lint::Policy policy = db_.lint_policy();
	if (policy == lint::Policy::off)
		return;
	if (!linter_) {
		lint_catalog_ = lint::database_catalog(db_);
		linter_ = std::make_unique<lint::Linter>(lint_catalog_.get());
	}
	for (const Step &step : plan.steps) {
		const Revision &rev = texts.at(graph[step.revision].id);
		if (!linted_.insert(rev.id).second)
			continue;
		const StatementContext where = section_start(rev, rev.upgrade, Direction::upgrade, "upgrade");
		std::vector<std::string> lines;
		for (const lint::Finding &f : linter_->section(rev, rev.upgrade, db_.lint_statements(rev.upgrade.sql, where)))
			if (lint::counts(f))
				lines.push_back(fmt::format("{}\n  help: {}{}", lint::headline(f, rev.filename), f.help,
				                            f.catalog.empty() ? "" : "\n  catalog: " + f.catalog));
		if (lines.empty())
			continue;
		if (policy == lint::Policy::warn) {
			for (const std::string &line : lines)
				db_.report(fmt::format("lint: revision {}: {}", rev.id, line));
			continue;
		}
		throw Error(
		    sqlstate::not_in_prerequisite_state,
		    fmt::format("revision {} does not pass lint ({} = error); nothing was run", rev.id, lint::lint_setting),
		    fmt::format("{}", fmt::join(lines, "\n")), lint::waiver_hint);
	}
}

void
Runner::run_section(const Revision &rev, const std::string &sql, const Section &section, Direction direction,
                    const char *name, const std::vector<StatementSpan> &spans, bool verify) {
	std::optional<Value> verdict = db_.run_statements(sql, spans, section_start(rev, section, direction, name));
	if (verify && verdict && !is_true(*verdict))
		throw Error(sqlstate::check_violation, fmt::format("verify section of revision {} failed", rev.id),
		            fmt::format("Its last statement returned {} instead of true.", verdict->value_or("NULL")),
		            "The upgrade has been rolled back; fix the migration or its verify section.");
}

std::vector<CurrentRow>
Runner::current() {
	RevisionGraph graph = load_graph();
	auto current = resolve_version_rows(graph, version_rows());
	std::vector<bool> is_head(graph.size(), false);
	for (auto h : graph.heads())
		is_head[h] = true;
	std::sort(current.begin(), current.end(),
	          [&](auto a, auto b) { return graph.topological_position(a) < graph.topological_position(b); });
	std::vector<CurrentRow> rows;
	for (auto i : current)
		rows.push_back({graph[i].id, is_head[i], graph[i].message});
	return rows;
}

void
Runner::check() {
	RevisionGraph graph = load_graph();
	auto current = resolve_version_rows(graph, version_rows());
	if (!plan_upgrade(graph, current, "heads").steps.empty())
		throw Error(sqlstate::not_in_prerequisite_state, "Target database is not up to date.");
}

std::string
Runner::script(std::string_view command, std::string_view target) {
	// The graph without SQL plans; only the planned revisions' sections are read.
	RevisionGraph graph = load_graph();
	auto current = resolve_version_rows(graph, version_rows());
	if (command != "upgrade" && command != "downgrade")
		throw Error(sqlstate::invalid_parameter_value, fmt::format("unknown command '{}'", command), {},
		            "Use 'upgrade' or 'downgrade'.");
	Plan plan = command == "upgrade" ? plan_upgrade(graph, current, target) : plan_downgrade(graph, current, target);
	const auto texts = planned_texts(graph, plan);
	return render_script(graph, plan,
	                     [&](RevisionGraph::Index i) -> const Revision & { return texts.at(graph[i].id); });
}

} // namespace migrate
