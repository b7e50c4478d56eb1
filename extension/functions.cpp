// The SQL-callable functions. Each entry point is one MIGRATE_FUNCTION line (boundary.h); each body
// parses its arguments, runs the engine in a CallScope, finishes SPI, and only then builds its result.
#include "migrate/history_text.hpp"
#include "migrate/runner.hpp"
#include "migrate/target.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "call_scope.h"
#include "pg_compat.h"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"
}

namespace {

using namespace migrate;
using migrate::pg::CallScope;
using migrate::pg::pg_call;

// ---- arguments --------------------------------------------------------------------------------

std::optional<std::string>
optional_text_arg(FunctionCallInfo fcinfo, int n) {
	if (PG_ARGISNULL(n))
		return std::nullopt;
	char *value = pg_call([&] { return text_to_cstring(PG_GETARG_TEXT_PP(n)); });
	std::string out(value);
	pg_call([value] { pfree(value); });
	return out;
}

std::string
text_arg(FunctionCallInfo fcinfo, int n, const char *name) {
	auto value = optional_text_arg(fcinfo, n);
	if (!value)
		throw Error(sqlstate::null_value_not_allowed, std::string("argument ") + name + " must not be NULL");
	return *value;
}

// A text[] argument's elements, in order; a NULL array or element is refused.
std::vector<std::string>
text_array_arg(FunctionCallInfo fcinfo, int n, const char *name) {
	if (PG_ARGISNULL(n))
		throw Error("22004", std::string("argument ") + name + " must not be NULL");
	struct Elements {
		Datum *values;
		bool *nulls;
		int count;
	};
	Elements e = pg_call([&] {
		Elements out{};
		deconstruct_array(PG_GETARG_ARRAYTYPE_P(n), TEXTOID, -1, false, TYPALIGN_INT, &out.values, &out.nulls,
		                  &out.count);
		return out;
	});
	std::vector<std::string> items;
	items.reserve(static_cast<std::size_t>(e.count));
	for (int i = 0; i < e.count; ++i) {
		if (e.nulls[i])
			throw Error("22004", std::string("argument ") + name + " must not hold NULL");
		auto *t =
		    static_cast<text *>(pg_call([&] { return static_cast<void *>(PG_DETOAST_DATUM_PACKED(e.values[i])); }));
		items.emplace_back(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
	return items;
}

bool
bool_arg(FunctionCallInfo fcinfo, int n, const char *name) {
	if (PG_ARGISNULL(n))
		throw Error(sqlstate::null_value_not_allowed, std::string("argument ") + name + " must not be NULL");
	return PG_GETARG_BOOL(n);
}

// ---- results ----------------------------------------------------------------------------------

Datum
text_datum(const std::string &s) {
	return pg_call([&] { return PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size()))); });
}

// One output column: NULL, text, boolean, double precision or text[].
using Cell = std::variant<std::monostate, std::string, bool, double, int, std::vector<std::string>>;

Cell
text_or_null(const std::string &s) {
	return s.empty() ? Cell() : Cell(s);
}

std::string
join(const std::vector<std::string> &items, const char *separator) {
	std::string out;
	for (const auto &item : items) {
		if (!out.empty())
			out += separator;
		out += item;
	}
	return out;
}

// Runs inside pg_call: a text[] Datum from strings.
Datum
text_array_datum(const std::vector<std::string> &items) {
	if (items.empty())
		return PointerGetDatum(construct_empty_array(TEXTOID));
	auto *elems = static_cast<Datum *>(palloc(sizeof(Datum) * items.size()));
	for (std::size_t i = 0; i < items.size(); ++i)
		elems[i] = PointerGetDatum(cstring_to_text_with_len(items[i].data(), static_cast<int>(items[i].size())));
	return PointerGetDatum(construct_array(elems, static_cast<int>(items.size()), TEXTOID, -1, false, TYPALIGN_INT));
}

// A materialized set-returning result (SFRM_Materialize). Created first, so a call from a context
// that cannot take a set fails before any work; rows are added after SPI is finished. A function
// of one output column is a set of scalars to PostgreSQL: its caller's expected row describes it.
class ResultSet {
public:
	explicit ResultSet(FunctionCallInfo fcinfo, bool one_column = false) {
		const bits32 flags = one_column ? MAT_SRF_USE_EXPECTED_DESC : 0;
		pg_call([fcinfo, flags] { InitMaterializedSRF(fcinfo, flags); });
		rsinfo_ = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
		natts_ = rsinfo_->setDesc->natts;
		values_.assign(static_cast<std::size_t>(natts_), Datum(0));
		nulls_ = std::make_unique<bool[]>(static_cast<std::size_t>(natts_));
		row_context_ = pg_call(
		    [] { return AllocSetContextCreate(CurrentMemoryContext, "migrate result row", ALLOCSET_DEFAULT_SIZES); });
	}

	void add(const std::vector<Cell> &row) {
		if (static_cast<int>(row.size()) != natts_)
			throw Error(sqlstate::internal_error, "function result has " + std::to_string(natts_) +
			                                          " columns, the extension builds " + std::to_string(row.size()));
		pg_call([&] {
			MemoryContext old = MemoryContextSwitchTo(row_context_);
			for (int i = 0; i < natts_; ++i) {
				const Cell &cell = row[static_cast<std::size_t>(i)];
				nulls_[i] = false;
				if (const auto *s = std::get_if<std::string>(&cell))
					values_[i] = PointerGetDatum(cstring_to_text_with_len(s->data(), static_cast<int>(s->size())));
				else if (const auto *b = std::get_if<bool>(&cell))
					values_[i] = BoolGetDatum(*b);
				else if (const auto *d = std::get_if<double>(&cell))
					values_[i] = Float8GetDatum(*d);
				else if (const auto *n = std::get_if<int>(&cell))
					values_[i] = Int32GetDatum(*n);
				else if (const auto *a = std::get_if<std::vector<std::string>>(&cell))
					values_[i] = text_array_datum(*a);
				else {
					values_[i] = Datum(0);
					nulls_[i] = true;
				}
			}
			MemoryContextSwitchTo(old);
			tuplestore_putvalues(rsinfo_->setResult, rsinfo_->setDesc, values_.data(), nulls_.get());
			MemoryContextReset(row_context_);
		});
	}

	Datum done() {
		MemoryContext context = row_context_;
		pg_call([context] { MemoryContextDelete(context); });
		return Datum(0);
	}

private:
	ReturnSetInfo *rsinfo_ = nullptr;
	int natts_ = 0;
	std::vector<Datum> values_;
	std::unique_ptr<bool[]> nulls_;
	MemoryContext row_context_ = nullptr;
};

// ---- the graph, read-only ---------------------------------------------------------------------

struct GraphState {
	RevisionGraph graph;
	std::vector<bool> applied, current;
};

GraphState
read_graph(Runner &runner, bool with_sql) {
	GraphState s{runner.load_graph(with_sql), {}, {}};
	auto version = resolve_version_rows(s.graph, runner.version_rows());
	applied_masks(s.graph, version, s.applied, s.current);
	return s;
}

std::vector<std::string>
ids(const RevisionGraph &graph, RevisionGraph::Indices set) {
	std::vector<std::string> out;
	for (auto i : set)
		out.push_back(graph[i].id);
	return out;
}

// Branch labels that apply to a head: those of it and of its down_revision ancestors (Alembic
// propagates a label to every descendant of the revision declaring it).
std::vector<std::string>
head_labels(const RevisionGraph &graph, RevisionGraph::Index head) {
	std::vector<bool> seen(graph.size(), false);
	std::vector<RevisionGraph::Index> stack{head};
	seen[head] = true;
	std::vector<RevisionGraph::Index> lineage;
	while (!stack.empty()) {
		auto i = stack.back();
		stack.pop_back();
		lineage.push_back(i);
		for (auto p : graph.parents(i))
			if (!seen[p]) {
				seen[p] = true;
				stack.push_back(p);
			}
	}
	std::sort(lineage.begin(), lineage.end(),
	          [&](auto a, auto b) { return graph.topological_position(a) < graph.topological_position(b); });
	std::vector<std::string> labels;
	for (auto i : lineage)
		for (const auto &label : graph[i].branch_labels)
			labels.push_back(label);
	return labels;
}

// ---- bodies -----------------------------------------------------------------------------------

Datum
step_rows(ResultSet &result, const std::vector<StepResult> &steps) {
	for (const auto &s : steps)
		result.add({s.revision, text_or_null(s.down_revision), s.message, s.duration_ms});
	return result.done();
}

Datum
migrate_add_impl(FunctionCallInfo fcinfo) {
	std::string content = text_arg(fcinfo, 0, "content");
	std::string filename = optional_text_arg(fcinfo, 1).value_or("");
	CallScope scope(CallScope::Mode::change);
	std::string id = Runner(scope.db()).add(content, filename);
	scope.finish();
	return text_datum(id);
}

Datum
migrate_add_all_impl(FunctionCallInfo fcinfo) {
	std::vector<std::string> contents = text_array_arg(fcinfo, 0, "contents");
	std::vector<std::string> filenames = text_array_arg(fcinfo, 1, "filenames");
	if (filenames.size() != contents.size())
		throw Error(sqlstate::invalid_parameter_value, "contents and filenames differ in length", {},
		            "Pass one file name per content, in the same order.");
	ResultSet result(fcinfo, true);
	std::vector<Runner::Upload> files;
	for (std::size_t i = 0; i < contents.size(); ++i)
		files.push_back({contents[i], filenames[i]});
	CallScope scope(CallScope::Mode::change);
	std::vector<std::string> ids = Runner(scope.db()).add_all(files);
	scope.finish();
	for (const auto &id : ids)
		result.add({id});
	return result.done();
}

Datum
migrate_upgrade_impl(FunctionCallInfo fcinfo) {
	std::string target = text_arg(fcinfo, 0, "target");
	ResultSet result(fcinfo);
	CallScope scope(CallScope::Mode::change);
	auto steps = Runner(scope.db()).upgrade(target);
	scope.finish();
	return step_rows(result, steps);
}

Datum
migrate_downgrade_impl(FunctionCallInfo fcinfo) {
	std::string target = text_arg(fcinfo, 0, "target");
	ResultSet result(fcinfo);
	CallScope scope(CallScope::Mode::change);
	auto steps = Runner(scope.db()).downgrade(target);
	scope.finish();
	return step_rows(result, steps);
}

// A procedure may commit only when CALLed outside a transaction block; say so before any work.
void
require_nonatomic_call(FunctionCallInfo fcinfo, const char *name) {
	bool nonatomic = fcinfo->context != nullptr && IsA(fcinfo->context, CallContext) &&
	                 !castNode(CallContext, fcinfo->context)->atomic;
	if (!nonatomic)
		throw Error(sqlstate::active_sql_transaction, fmt::format("{} cannot run inside a transaction block", name), {},
		            "CALL it on its own, outside BEGIN ... COMMIT; or use SELECT migrate_upgrade(...) / "
		            "migrate_downgrade(...) to apply the plan in one transaction.");
}

Datum
migrate_upgrade_per_revision_impl(FunctionCallInfo fcinfo) {
	std::string target = text_arg(fcinfo, 0, "target");
	require_nonatomic_call(fcinfo, "migrate_upgrade_per_revision");
	CallScope scope(CallScope::Mode::change_per_revision);
	Runner(scope.db()).upgrade_per_revision(target);
	scope.finish();
	PG_RETURN_VOID();
}

Datum
migrate_downgrade_per_revision_impl(FunctionCallInfo fcinfo) {
	std::string target = text_arg(fcinfo, 0, "target");
	require_nonatomic_call(fcinfo, "migrate_downgrade_per_revision");
	CallScope scope(CallScope::Mode::change_per_revision);
	Runner(scope.db()).downgrade_per_revision(target);
	scope.finish();
	PG_RETURN_VOID();
}

Datum
migrate_stamp_impl(FunctionCallInfo fcinfo) {
	std::string targets = text_arg(fcinfo, 0, "target");
	bool purge = bool_arg(fcinfo, 1, "purge");
	CallScope scope(CallScope::Mode::change);
	Runner(scope.db()).stamp(targets, purge);
	scope.finish();
	PG_RETURN_VOID();
}

Datum
migrate_remove_impl(FunctionCallInfo fcinfo) {
	std::vector<std::string> ids = split_revision_list(text_arg(fcinfo, 0, "rev"));
	if (ids.empty())
		throw Error(sqlstate::invalid_parameter_value, "no revision to remove", {},
		            "Name one or more stored revisions.");
	ResultSet result(fcinfo);
	CallScope scope(CallScope::Mode::change);
	auto removed = Runner(scope.db()).remove(ids);
	scope.finish();
	for (const auto &r : removed)
		result.add({r.revision, r.message});
	return result.done();
}

Datum
migrate_record_impl(FunctionCallInfo fcinfo) {
	std::string direction = text_arg(fcinfo, 0, "direction");
	std::string revision = text_arg(fcinfo, 1, "revision");
	if (PG_ARGISNULL(2))
		throw Error(sqlstate::null_value_not_allowed, "argument duration_ms must not be NULL");
	double ms = PG_GETARG_FLOAT8(2);
	// 0.5.0's overload: the step's lock waits and lock trace, as pgmigrate's runner saw them.
	StepTrace trace;
	if (PG_NARGS() == 6) {
		trace.lock_waits = optional_text_arg(fcinfo, 3).value_or("");
		trace.locks = optional_text_arg(fcinfo, 4).value_or("");
		if (!PG_ARGISNULL(5))
			trace.rewritten = text_array_arg(fcinfo, 5, "rewritten");
	}
	if (direction != "upgrade" && direction != "downgrade")
		throw Error(sqlstate::invalid_parameter_value, fmt::format("unknown direction '{}'", direction), {},
		            "Use 'upgrade' or 'downgrade'.");
	CallScope scope(CallScope::Mode::change);
	Runner(scope.db()).record(direction == "upgrade" ? Direction::upgrade : Direction::downgrade, revision, ms, trace);
	scope.finish();
	PG_RETURN_VOID();
}

Datum
migrate_lock_impl(FunctionCallInfo fcinfo) {
	bool nowait = bool_arg(fcinfo, 0, "nowait");
	CallScope scope(CallScope::Mode::change);
	Runner(scope.db()).lock(nowait);
	scope.finish();
	PG_RETURN_VOID();
}

Datum
migrate_hold_lock_impl(FunctionCallInfo fcinfo) {
	std::string revision = text_arg(fcinfo, 0, "revision");
	CallScope scope(CallScope::Mode::change);
	Runner(scope.db()).hold_lock(revision);
	scope.finish();
	PG_RETURN_VOID();
}

Datum
migrate_current_impl(FunctionCallInfo fcinfo) {
	ResultSet result(fcinfo);
	CallScope scope(CallScope::Mode::read_only);
	auto rows = Runner(scope.db()).current();
	scope.finish();
	for (const auto &r : rows)
		result.add({r.revision, r.is_head, r.message});
	return result.done();
}

Datum
migrate_heads_impl(FunctionCallInfo fcinfo) {
	ResultSet result(fcinfo);
	CallScope scope(CallScope::Mode::read_only);
	Runner runner(scope.db());
	GraphState s = read_graph(runner, false);
	scope.finish();
	for (auto h : s.graph.heads())
		result.add({s.graph[h].id, head_labels(s.graph, h), s.graph[h].message, bool(s.current[h])});
	return result.done();
}

Datum
migrate_branches_impl(FunctionCallInfo fcinfo) {
	ResultSet result(fcinfo);
	CallScope scope(CallScope::Mode::read_only);
	RevisionGraph graph = Runner(scope.db()).load_graph(false);
	scope.finish();
	const auto &order = graph.topological_order();
	for (auto it = order.rbegin(); it != order.rend(); ++it)
		if (graph.children(*it).size() > 1)
			result.add({graph[*it].id, ids(graph, graph.children(*it)), graph[*it].message});
	return result.done();
}

Datum
migrate_history_impl(FunctionCallInfo fcinfo) {
	bool verbose = bool_arg(fcinfo, 0, "verbose");
	ResultSet result(fcinfo);
	CallScope scope(CallScope::Mode::read_only);
	Runner runner(scope.db());
	GraphState s = read_graph(runner, false);
	scope.finish();
	for (const auto &e : history(s.graph, s.applied, s.current, verbose ? HistoryText::verbose : HistoryText::line)) {
		const Revision &rev = s.graph[e.revision];
		result.add({rev.id, text_or_null(join(rev.down_revisions, ", ")), rev.message, e.is_head, e.is_branch_point,
		            e.is_merge_point, e.is_applied, e.is_current, verbose ? e.verbose : e.line});
	}
	return result.done();
}

Datum
migrate_show_impl(FunctionCallInfo fcinfo) {
	std::string rev_text = text_arg(fcinfo, 0, "rev");
	ResultSet result(fcinfo);
	CallScope scope(CallScope::Mode::read_only);
	Runner runner(scope.db());
	// The graph without SQL resolves the target; only the chosen revisions' sections are read
	// (and verified against their content).
	GraphState s = read_graph(runner, false);
	auto chosen = resolve_revisions(s.graph, rev_text);
	std::vector<std::string> chosen_ids;
	for (auto i : chosen)
		chosen_ids.push_back(s.graph[i].id);
	std::unordered_map<std::string, Revision> texts;
	for (Revision &r : runner.stored_revisions(chosen_ids, true))
		texts.emplace(r.id, std::move(r));
	scope.finish();
	for (auto i : chosen) {
		const Revision &rev = texts.at(s.graph[i].id);
		auto section = [](const Section &sec) { return sec.present ? Cell(sec.sql) : Cell(); };
		std::string verbose = history_entry(s.graph, i, s.applied, s.current, HistoryText::verbose).verbose;
		result.add({rev.id, rev.down_revisions, rev.depends_on, rev.branch_labels, rev.message,
		            text_or_null(rev.filename), rev.checksum, rev.transactional, text_or_null(rev.lock_timeout),
		            section(rev.upgrade), section(rev.downgrade), section(rev.verify), bool(s.applied[i]), verbose});
	}
	return result.done();
}

Datum
migrate_lint_impl(FunctionCallInfo fcinfo) {
	std::string target = text_arg(fcinfo, 0, "target");
	ResultSet result(fcinfo);
	CallScope scope(CallScope::Mode::read_as_caller);
	std::vector<lint::Finding> findings = Runner(scope.db()).lint(target);
	scope.finish();
	for (const lint::Finding &f : findings)
		result.add({f.revision, f.line, f.rule, f.level == lint::Level::warning ? "warning" : "info", f.message,
		            text_or_null(f.help), text_or_null(f.catalog), text_or_null(f.waived)});
	return result.done();
}

Datum
migrate_script_impl(FunctionCallInfo fcinfo) {
	std::string command = text_arg(fcinfo, 0, "command");
	std::string target = text_arg(fcinfo, 1, "target");
	CallScope scope(CallScope::Mode::read_only);
	std::string script = Runner(scope.db()).script(command, target);
	scope.finish();
	return text_datum(script);
}

Datum
migrate_check_impl(FunctionCallInfo) {
	CallScope scope(CallScope::Mode::read_only);
	Runner(scope.db()).check();
	scope.finish();
	PG_RETURN_VOID();
}

} // namespace

extern "C" {
PG_MODULE_MAGIC;
}

// Stores one migration file; returns its revision id.
MIGRATE_FUNCTION(migrate_add)
// Stores several migration files (parents first) with one graph check; returns their ids.
MIGRATE_FUNCTION(migrate_add_all)
// Applies the plan up to a target; one row per step.
MIGRATE_FUNCTION(migrate_upgrade)
// Reverts down to a target; one row per step.
MIGRATE_FUNCTION(migrate_downgrade)
// The upgrade plan, committing after each revision (CALL outside a transaction block).
MIGRATE_FUNCTION(migrate_upgrade_per_revision)
// The downgrade plan, committing after each revision.
MIGRATE_FUNCTION(migrate_downgrade_per_revision)
// Sets the version rows without running SQL.
MIGRATE_FUNCTION(migrate_stamp)
// Removes stored revisions that were never applied.
MIGRATE_FUNCTION(migrate_remove)
// Records a step pgmigrate ran itself (a transactional: false revision).
MIGRATE_FUNCTION(migrate_record)
// Takes the migration lock for the rest of the transaction.
MIGRATE_FUNCTION(migrate_lock)
// Holds the lock across the commits around a transactional: false revision pgmigrate runs itself.
MIGRATE_FUNCTION(migrate_hold_lock)
// The applied version rows.
MIGRATE_FUNCTION(migrate_current)
// The heads of the stored graph.
MIGRATE_FUNCTION(migrate_heads)
// The branch points of the stored graph.
MIGRATE_FUNCTION(migrate_branches)
// The whole graph, newest first.
MIGRATE_FUNCTION(migrate_history)
// One revision (or several, for `heads`) in full.
MIGRATE_FUNCTION(migrate_show)
// The SQL an upgrade or downgrade would run.
MIGRATE_FUNCTION(migrate_script)

MIGRATE_FUNCTION(migrate_lint)
// Raises unless the database is at its head(s).
MIGRATE_FUNCTION(migrate_check)
