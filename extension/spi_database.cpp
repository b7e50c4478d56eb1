// migrate::Database over SPI: engine queries, PostgreSQL's own statement splitter, user statements
// with migration context, and the GUC scopes that keep the two kinds of SQL apart.
//
// search_path. Every function pins its own search_path, yet a migration's `CREATE TABLE agents`
// must land where `psql -f` would have put it: in the caller's first schema. So a state-changing
// call captures the caller's search_path at entry, then pins `pg_catalog, pg_temp` in a GUC nest
// level of its own (what a `SET search_path` clause on the function would do) for the engine's
// bookkeeping, and gives user SQL the captured value back only inside begin_revision/end_revision,
// in a nested level. Normal exit pops the levels; an error pops them through the (sub)transaction
// abort. Read-only functions run no user SQL and pin search_path in their declaration instead.
#include "migrate/sql_text.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <unordered_map>

#include "lint_parse.h"
#include "spi_database.h"
#include "guc.h"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

namespace migrate::pg {

namespace {

// Byte offset of the 0-based character `chars` of text in the database's encoding (PostgreSQL
// positions count characters).
std::size_t
byte_offset(const std::string &text, int chars) {
	return pg_call([&]() -> std::size_t {
		int encoding = GetDatabaseEncoding();
		std::size_t pos = 0;
		for (int i = 0; i < chars && pos < text.size(); ++i)
			pos += std::max(1, pg_encoding_mblen(encoding, text.c_str() + pos));
		return std::min(pos, text.size());
	});
}

std::string
with_context(const std::string &context, const std::string &line) {
	return context.empty() ? line : context + "\n" + line;
}

// The CONTEXT line of a user statement (and of notices it raises): precomputed, so the callback
// itself stays C-like.
void
statement_context_callback(void *arg) {
	errcontext("%s", static_cast<const char *>(arg));
}

void
lock_timeout_context_callback(void *arg) {
	errcontext("lock_timeout of revision %s", static_cast<const char *>(arg));
}

} // namespace

namespace {

// The owner of the state tables (the extension's owner, or whoever created them in client mode).
Oid
state_owner() {
	return pg_call([] {
		Oid relation = get_relname_relid("revisions", get_namespace_oid("migrate", false));
		if (!OidIsValid(relation))
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("migrate.revisions does not exist")));
		HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relation));
		if (!HeapTupleIsValid(tuple))
			elog(ERROR, "cache lookup failed for relation %u", relation);
		Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
		ReleaseSysCache(tuple);
		return owner;
	});
}

} // namespace

SpiDatabase::SpiDatabase(bool read_only, std::optional<std::string> caller_search_path, std::function<void()> commit)
    : read_only_(read_only), state_owner_(read_only ? InvalidOid : state_owner()),
      caller_search_path_(std::move(caller_search_path)), commit_(std::move(commit)) {}

void
SpiDatabase::commit() {
	if (!commit_)
		Database::commit();
	else
		commit_();
}

std::vector<Row>
SpiDatabase::query(std::string_view sql, const std::vector<Value> &params) {
	return query_scoped(std::string(sql), params, nullptr);
}

std::vector<Row>
SpiDatabase::query_repeated(std::string_view sql, const std::vector<Value> &params) {
	// Plans kept for the backend's life, as PL/pgSQL keeps its statements' (SPI_keepplan: the plan
	// cache replans one when what it uses changes). Built on first use, not when the library loads.
	static std::unordered_map<std::string, SPIPlanPtr> plans;
	std::string text(sql);
	SPIPlanPtr &plan = plans[text]; // null until the first run prepares it
	return query_scoped(text, params, &plan);
}

std::vector<Row>
SpiDatabase::query_as_caller(std::string_view sql, const std::vector<Value> &params) {
	if (!caller_search_path_)
		return query(sql, params);
	const char *search_path = caller_search_path_->c_str();
	int level = pg_call([search_path] {
		int nested = NewGUCNestLevel();
		set_guc_saved("search_path", search_path);
		return nested;
	});
	auto rows = query_pinned(std::string(sql), params, nullptr);
	pop_guc_level(level);
	return rows;
}

std::vector<Row>
SpiDatabase::query_scoped(const std::string &sql, const std::vector<Value> &params, SPIPlanPtr *plan) {
	if (revision_level_ == 0)
		return query_pinned(sql, params, plan);
	// Inside a revision scope search_path is the caller's: engine SQL gets its own back.
	int level = push_engine_search_path();
	auto rows = query_pinned(sql, params, plan);
	pop_guc_level(level);
	return rows;
}

std::vector<Row>
SpiDatabase::query_pinned(const std::string &sql, const std::vector<Value> &params, SPIPlanPtr *plan) {
	const int nargs = static_cast<int>(params.size());
	std::vector<Oid> types(params.size(), TEXTOID);
	std::vector<Datum> values(params.size(), Datum(0));
	std::vector<char> nulls(params.size(), ' ');
	for (std::size_t i = 0; i < params.size(); ++i)
		if (!params[i])
			nulls[i] = 'n';
	struct Result {
		SPITupleTable *tuptable;
		uint64 processed;
	};
	const bool read_only = read_only_;
	auto run_engine_query = [&] {
		for (int i = 0; i < nargs; ++i)
			if (nulls[i] == ' ')
				values[i] =
				    PointerGetDatum(cstring_to_text_with_len(params[i]->data(), static_cast<int>(params[i]->size())));
		int rc;
		if (plan == nullptr) {
			rc = SPI_execute_with_args(sql.c_str(), nargs, types.data(), values.data(), nulls.data(), read_only, 0);
		} else {
			// One generic plan for every run: these statements look rows up by key or insert them.
			if (*plan == nullptr) {
				SPIPlanPtr prepared = SPI_prepare_cursor(sql.c_str(), nargs, types.data(), CURSOR_OPT_GENERIC_PLAN);
				if (prepared == nullptr)
					elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
				if (SPI_keepplan(prepared) != 0)
					elog(ERROR, "SPI_keepplan failed");
				*plan = prepared;
			}
			rc = SPI_execute_plan(*plan, values.data(), nulls.data(), read_only, 0);
		}
		if (rc < 0)
			elog(ERROR, "SPI query failed: %s", SPI_result_code_string(rc));
		return Result{SPI_tuptable, SPI_processed};
	};
	const Oid owner = state_owner_;
	Result result = pg_call([&] {
		// A state-changing call writes the state as the state's owner (what a SECURITY DEFINER
		// function does), so a role that may migrate needs EXECUTE and no write right on the tables:
		// version and log rows come only from the engine. User migration SQL never runs here.
		Oid saved_user = InvalidOid;
		int saved_context = 0;
		GetUserIdAndSecContext(&saved_user, &saved_context);
		if (OidIsValid(owner))
			SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
		Result out{nullptr, 0};
		PG_TRY();
		{ out = run_engine_query(); }
		PG_FINALLY();
		{ SetUserIdAndSecContext(saved_user, saved_context); }
		PG_END_TRY();
		return out;
	});

	std::vector<Row> rows;
	if (result.tuptable == nullptr)
		return rows;
	// Every cell as (pointer, length) in one pass: each column's output function looked up once
	// (SPI_getvalue looks it up again for every value, a fifth of loading a 1,000-revision graph),
	// text read in place, other types printed into a context deleted afterwards. Buffers are sized
	// here, since nothing inside pg_call may allocate with new.
	const int ncols = result.tuptable->tupdesc->natts;
	const std::size_t nrows = result.processed, width = static_cast<std::size_t>(ncols);
	std::vector<const char *> ptrs(nrows * width, nullptr);
	std::vector<int> lens(nrows * width, -1); // -1: NULL
	std::vector<FmgrInfo> out_fns(width);
	std::vector<char> is_text(width, 0);
	std::vector<Datum> datums(width);
	std::unique_ptr<bool[]> row_nulls(new bool[width]);
	MemoryContext cells = pg_call([&] {
		TupleDesc desc = result.tuptable->tupdesc;
		MemoryContext context = AllocSetContextCreate(CurrentMemoryContext, "migrate cells", ALLOCSET_DEFAULT_SIZES);
		MemoryContext old = MemoryContextSwitchTo(context);
		for (int c = 0; c < ncols; ++c) {
			const Oid type = TupleDescAttr(desc, c)->atttypid;
			is_text[c] = type == TEXTOID || type == VARCHAROID;
			Oid out_fn = InvalidOid;
			bool varlena = false;
			getTypeOutputInfo(type, &out_fn, &varlena);
			fmgr_info(out_fn, &out_fns[c]);
		}
		for (std::size_t r = 0; r < nrows; ++r) {
			heap_deform_tuple(result.tuptable->vals[r], desc, datums.data(), row_nulls.get());
			for (std::size_t c = 0; c < width; ++c) {
				const std::size_t k = r * width + c;
				if (row_nulls[c])
					continue;
				if (is_text[c]) {
					struct varlena *v =
					    pg_detoast_datum_packed(reinterpret_cast<struct varlena *>(DatumGetPointer(datums[c])));
					ptrs[k] = VARDATA_ANY(v);
					lens[k] = static_cast<int>(VARSIZE_ANY_EXHDR(v));
				} else {
					char *text = OutputFunctionCall(&out_fns[c], datums[c]);
					ptrs[k] = text;
					lens[k] = static_cast<int>(std::strlen(text));
				}
			}
		}
		MemoryContextSwitchTo(old);
		return context;
	});
	rows.reserve(nrows);
	for (std::size_t r = 0; r < nrows; ++r) {
		Row row;
		row.reserve(width);
		for (std::size_t c = 0; c < width; ++c) {
			const std::size_t k = r * width + c;
			row.push_back(lens[k] < 0 ? Value() : Value(std::string(ptrs[k], static_cast<std::size_t>(lens[k]))));
		}
		rows.push_back(std::move(row));
	}
	pg_call([&] {
		MemoryContextDelete(cells);
		SPI_freetuptable(result.tuptable);
	});
	return rows;
}

namespace {

// A section's raw parse trees, in a memory context of their own (MemoryContextDelete frees them).
struct Parsed {
	List *statements;
	MemoryContext context;
};

// PostgreSQL's own parser over a section; a syntax error names the file line (`where`).
Parsed
parse_section(const std::string &text, const StatementContext &where) {
	Parsed parsed{};
	std::optional<PgError> failure;
	try {
		parsed = pg_call([&] {
			MemoryContext context =
			    AllocSetContextCreate(CurrentMemoryContext, "migrate parse", ALLOCSET_DEFAULT_SIZES);
			MemoryContext old = MemoryContextSwitchTo(context);
			List *statements = raw_parser(text.c_str(), RAW_PARSE_DEFAULT);
			MemoryContextSwitchTo(old);
			return Parsed{statements, context};
		});
	} catch (PgError &e) {
		failure = std::move(e);
	}
	if (failure) {
		// The position is in the section, not in the caller's query: turn it into a file line.
		PgError e = std::move(*failure);
		int extra = e.cursor_position > 0 ? lines_before_byte(text, byte_offset(text, e.cursor_position - 1)) : 0;
		e.cursor_position = 0;
		e.context = with_context(e.context, describe(where, extra));
		throw e;
	}
	return parsed;
}

} // namespace

std::vector<StatementSpan>
SpiDatabase::split(std::string_view sql, const StatementContext &where) {
	const std::string text(sql);
	const Parsed parsed = parse_section(text, where);

	// Reading the parse tree is plain memory access: nothing below can ereport.
	std::vector<StatementSpan> spans;
	std::optional<std::size_t> copy_from_stdin;
	for (int i = 0; i < list_length(parsed.statements); ++i) {
		auto *raw = static_cast<RawStmt *>(list_nth(parsed.statements, i));
		std::size_t begin = std::min(static_cast<std::size_t>(std::max(raw->stmt_location, 0)), text.size());
		std::size_t end =
		    raw->stmt_len > 0 ? std::min(begin + static_cast<std::size_t>(raw->stmt_len), text.size()) : text.size();
		begin = skip_blank(text, begin, end);
		if (begin >= end)
			continue;
		if (IsA(raw->stmt, CopyStmt)) {
			auto *copy = reinterpret_cast<CopyStmt *>(raw->stmt);
			if (copy->is_from && copy->filename == nullptr) {
				copy_from_stdin = begin;
				break;
			}
		}
		spans.push_back({begin, end - begin});
	}
	MemoryContext context = parsed.context;
	pg_call([context] { MemoryContextDelete(context); });

	if (copy_from_stdin) {
		Error e(sqlstate::feature_not_supported, copy_from_stdin_message, {}, copy_from_stdin_hint);
		e.context = describe(where, lines_before_byte(text, *copy_from_stdin));
		throw e;
	}
	return spans;
}

std::optional<Value>
SpiDatabase::run_statement(std::string_view sql, const StatementContext &ctx) {
	const std::string text(sql);
	const std::string description = describe(ctx);
	struct Result {
		bool has_row;
		char *first; // first column of the first row, palloc'd; nullptr: NULL
	};
	const bool read_only = read_only_;
	Result result{};
	std::optional<PgError> failure;
	try {
		result = pg_call([&] {
			ErrorContextCallback callback;
			callback.callback = statement_context_callback;
			callback.arg = const_cast<char *>(description.c_str());
			callback.previous = error_context_stack;
			error_context_stack = &callback;

			int rc = SPI_execute(text.c_str(), read_only, 0);
			if (rc == SPI_ERROR_COPY)
				ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("%s", copy_client_message)));
			if (rc == SPI_ERROR_TRANSACTION)
				ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("%s", transaction_control_message),
				                errhint("%s", transaction_control_hint)));
			if (rc < 0)
				elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
			Result r{false, nullptr};
			if (SPI_tuptable != nullptr && SPI_processed > 0 && SPI_tuptable->tupdesc->natts > 0) {
				r.has_row = true;
				r.first = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
			}
			if (SPI_tuptable != nullptr)
				SPI_freetuptable(SPI_tuptable);

			error_context_stack = callback.previous;
			return r;
		});
	} catch (PgError &e) {
		failure = std::move(e);
	}
	if (failure) {
		// When PostgreSQL points into this statement (SPI made the position internal to it), name
		// the line it points at. A position inside a nested query (a DO block's, a function's)
		// carries another internal query and keeps the statement's first line.
		PgError e = std::move(*failure);
		e.statement = text;
		if (e.internal_position > 0 && e.internal_query == text) {
			int extra = lines_before_byte(text, byte_offset(text, e.internal_position - 1));
			std::size_t at = e.context.rfind(description);
			if (extra > 0 && at != std::string::npos)
				e.context.replace(at, description.size(), describe(ctx, extra));
		}
		throw e;
	}

	if (!result.has_row)
		return std::nullopt;
	Value first;
	if (result.first != nullptr) {
		first = std::string(result.first);
		char *p = result.first;
		pg_call([p] { pfree(p); });
	}
	return first;
}

void
SpiDatabase::begin_revision(const Revision &revision) {
	if (revision_level_ != 0)
		end_revision();
	const char *search_path = caller_search_path_ ? caller_search_path_->c_str() : nullptr;
	const LockPolicy policy = lock_policy();
	const std::string timeout(effective_lock_timeout(revision, policy));
	const char *lock_timeout = timeout.empty() ? nullptr : timeout.c_str();
	const char *id = revision.id.c_str();
	revision_level_ = pg_call([&] {
		int level = NewGUCNestLevel();
		if (search_path != nullptr)
			set_guc_saved("search_path", search_path);
		if (lock_timeout != nullptr) {
			ErrorContextCallback callback;
			callback.callback = lock_timeout_context_callback;
			callback.arg = const_cast<char *>(id);
			callback.previous = error_context_stack;
			error_context_stack = &callback;
			set_guc_saved("lock_timeout", lock_timeout);
			error_context_stack = callback.previous;
		}
		return level;
	});
}

void
SpiDatabase::end_revision() {
	if (revision_level_ == 0)
		return;
	int level = revision_level_;
	revision_level_ = 0;
	pop_guc_level(level);
}

void
SpiDatabase::notice(std::string_view message, std::size_t step, std::size_t steps) {
	const std::string text(message);
	// The step count goes out as DETAIL only to a client that asks (pgmigrate's [k/N] status line,
	// which then needs no plan of its own); psql users keep the one-line notices.
	const std::string detail = step_count(step, steps);
	pg_call([&] {
		const char *wanted = GetConfigOption(step_count_setting, true, false);
		if (wanted != nullptr && strcmp(wanted, "on") == 0)
			ereport(NOTICE, (errmsg_internal("%s", text.c_str()), errdetail_internal("%s", detail.c_str())));
		else
			ereport(NOTICE, (errmsg_internal("%s", text.c_str())));
	});
}

void
SpiDatabase::begin_attempt() {
	attempt_context_ = CurrentMemoryContext;
	attempt_owner_ = CurrentResourceOwner;
	MemoryContext context = attempt_context_;
	pg_call([context] {
		BeginInternalSubTransaction(nullptr);
		MemoryContextSwitchTo(context); // keep allocating where the call does
	});
}

void
SpiDatabase::end_attempt(bool keep) {
	MemoryContext context = attempt_context_;
	ResourceOwner owner = attempt_owner_;
	attempt_context_ = nullptr;
	attempt_owner_ = nullptr;
	if (!keep)
		revision_level_ = 0; // the subtransaction's abort popped the revision's GUC level
	pg_call([keep, context, owner] {
		if (keep)
			ReleaseCurrentSubTransaction();
		else
			RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(context);
		CurrentResourceOwner = owner;
	});
}

std::vector<lint::Statement>
SpiDatabase::lint_statements(std::string_view sql, const StatementContext &where) {
	const std::string text(sql);
	const Parsed parsed = parse_section(text, where);
	std::vector<lint::Statement> statements = lint_model(parsed.statements, text);
	MemoryContext context = parsed.context;
	pg_call([context] { MemoryContextDelete(context); });
	return statements;
}

lint::Policy
SpiDatabase::lint_policy() const {
	return session_lint_policy();
}

LockPolicy
SpiDatabase::lock_policy() const {
	return pg::lock_policy();
}

namespace {

void
add_relation(RangeVar *rv, StringInfo out) {
	if (rv == nullptr)
		return;
	Oid relid = RangeVarGetRelid(rv, NoLock, true);
	if (OidIsValid(relid)) {
		// Each name ends with a NUL: a quoted name may hold a newline.
		const char *name =
		    quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
		appendBinaryStringInfo(out, name, static_cast<int>(std::strlen(name)) + 1);
	}
}

// Every RangeVar of a query or an expression (raw_expression_tree_walker knows those trees only).
bool
collect_query_relations(Node *node, void *context) {
	if (node == nullptr)
		return false;
	if (IsA(node, RangeVar)) {
		add_relation(reinterpret_cast<RangeVar *>(node), static_cast<StringInfo>(context));
		return false;
	}
#if PG_VERSION_NUM >= 160000
	return raw_expression_tree_walker(node, collect_query_relations, context);
#else
	// PostgreSQL 15 declares the walker without a prototype; void (*)() is the cast GCC allows.
	return raw_expression_tree_walker(
	    node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(collect_query_relations)), context);
#endif
}

// The relations a raw statement names: the target of the DDL statements that lock one (and the
// tables a foreign key references or a LIKE copies), and every RangeVar of a query. Other
// statements (functions, grants, schemas...) name none: the walker does not know their trees.
void
collect_relations(Node *node, StringInfo out) {
	if (node == nullptr)
		return;
	ListCell *lc;
	switch (nodeTag(node)) {
	case T_SelectStmt:
	case T_InsertStmt:
	case T_UpdateStmt:
	case T_DeleteStmt:
		collect_query_relations(node, out);
		return;
	case T_AlterTableStmt: {
		auto *stmt = reinterpret_cast<AlterTableStmt *>(node);
		add_relation(stmt->relation, out);
		foreach (lc, stmt->cmds)
			collect_relations(static_cast<AlterTableCmd *>(lfirst(lc))->def, out);
		return;
	}
	case T_ColumnDef:
		foreach (lc, reinterpret_cast<ColumnDef *>(node)->constraints)
			collect_relations(static_cast<Node *>(lfirst(lc)), out);
		return;
	case T_Constraint:
		add_relation(reinterpret_cast<Constraint *>(node)->pktable, out);
		return;
	case T_TableLikeClause:
		add_relation(reinterpret_cast<TableLikeClause *>(node)->relation, out);
		return;
	case T_RangeVar: // CREATE TABLE ... INHERITS, PARTITION OF
		add_relation(reinterpret_cast<RangeVar *>(node), out);
		return;
	case T_CreateStmt: {
		auto *stmt = reinterpret_cast<CreateStmt *>(node);
		foreach (lc, stmt->tableElts)
			collect_relations(static_cast<Node *>(lfirst(lc)), out);
		foreach (lc, stmt->inhRelations)
			collect_relations(static_cast<Node *>(lfirst(lc)), out);
		return;
	}
	case T_IndexStmt:
		add_relation(reinterpret_cast<IndexStmt *>(node)->relation, out);
		return;
	case T_RenameStmt:
		add_relation(reinterpret_cast<RenameStmt *>(node)->relation, out);
		return;
	case T_CreateTrigStmt:
		add_relation(reinterpret_cast<CreateTrigStmt *>(node)->relation, out);
		return;
	case T_LockStmt:
		foreach (lc, reinterpret_cast<LockStmt *>(node)->relations)
			collect_relations(static_cast<Node *>(lfirst(lc)), out);
		return;
	case T_TruncateStmt:
		foreach (lc, reinterpret_cast<TruncateStmt *>(node)->relations)
			collect_relations(static_cast<Node *>(lfirst(lc)), out);
		return;
	case T_DropStmt: {
		auto *stmt = reinterpret_cast<DropStmt *>(node);
		switch (stmt->removeType) {
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_SEQUENCE:
		case OBJECT_INDEX:
		case OBJECT_FOREIGN_TABLE:
			foreach (lc, stmt->objects)
				add_relation(makeRangeVarFromNameList(static_cast<List *>(lfirst(lc))), out);
			break;
		default:
			break;
		}
		return;
	}
	default:
		return;
	}
}

// Every relation a statement names, resolved with the current search_path: qualified names, each
// ending with a NUL, in `found`. Runs inside pg_call.
void
relations_in(const char *statement, StringInfo found) {
	ListCell *lc;
	foreach (lc, raw_parser(statement, RAW_PARSE_DEFAULT))
		collect_relations(static_cast<RawStmt *>(lfirst(lc))->stmt, found);
}

} // namespace

std::vector<std::string>
SpiDatabase::relations_of(std::string_view statement) {
	const std::string text(statement);
	const char *search_path = caller_search_path_ ? caller_search_path_->c_str() : nullptr;
	StringInfoData found;
	pg_call([&] {
		initStringInfo(&found);
		// The parse tree in a context of its own, freed here: in the call's context every traced
		// statement of a one-transaction plan kept its tree to the end (64 MB at 10,000 revisions).
		MemoryContext parse = AllocSetContextCreate(CurrentMemoryContext, "migrate relations", ALLOCSET_DEFAULT_SIZES);
		MemoryContext old = MemoryContextSwitchTo(parse);
		// Names resolve as the statement's did: with the caller's search_path.
		int level = NewGUCNestLevel();
		if (search_path != nullptr)
			set_guc_saved("search_path", search_path);
		relations_in(text.c_str(), &found); // `found` grows where it was made, outside `parse`
		AtEOXact_GUC(true, level);
		MemoryContextSwitchTo(old);
		MemoryContextDelete(parse);
	});
	std::vector<std::string> names;
	for (int at = 0; at < found.len;) {
		names.emplace_back(found.data + at);
		at += static_cast<int>(names.back().size()) + 1;
	}
	char *data = found.data;
	pg_call([data] { pfree(data); });
	return names;
}

std::vector<RelationState>
SpiDatabase::held_locks(const std::vector<RelationState> &before) {
	// The backend's own lock table (LockHeldByMe), not pg_locks: that copies every session's locks,
	// thousands by the end of a long one-transaction plan, on every step.
	struct Held {
		Oid oid;
		bool exists;
		Oid filenode;
		const char *mode; // nullptr: none
	};
	std::vector<Held> held;
	for (const RelationState &r : before)
		held.push_back({static_cast<Oid>(std::stoul(r.oid)), false, InvalidOid, nullptr});
	Held *rows = held.data();
	const std::size_t n = held.size();
	pg_call([rows, n] {
		for (std::size_t i = 0; i < n; ++i) {
			HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(rows[i].oid));
			if (HeapTupleIsValid(tuple)) {
				rows[i].exists = true;
				rows[i].filenode = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relfilenode;
				ReleaseSysCache(tuple);
			}
			LOCKTAG tag;
			SET_LOCKTAG_RELATION(tag, MyDatabaseId, rows[i].oid);
			for (LOCKMODE mode = MaxLockMode; mode > NoLock; --mode) // strongest first
#if PG_VERSION_NUM >= 170000
				if (LockHeldByMe(&tag, mode, false)) {
#else
				if (LockHeldByMe(&tag, mode)) {
#endif
					rows[i].mode = GetLockmodeName(DEFAULT_LOCKMETHOD, mode);
					break;
				}
		}
	});
	std::vector<RelationState> now = before;
	for (std::size_t i = 0; i < n; ++i) {
		now[i].filenode = held[i].exists ? std::to_string(held[i].filenode) : std::string();
		now[i].mode = held[i].mode != nullptr ? held[i].mode : "";
	}
	return now;
}

void
SpiDatabase::report(std::string_view message) {
	const std::string text(message);
	pg_call([&] { ereport(NOTICE, (errmsg_internal("%s", text.c_str()))); });
}

void
SpiDatabase::pause(double seconds) {
	const long ms = static_cast<long>(seconds * 1000);
	pg_call([ms] {
		TimestampTz until = GetCurrentTimestamp() + ms * 1000L;
		for (;;) {
			CHECK_FOR_INTERRUPTS();
			long left = (until - GetCurrentTimestamp()) / 1000;
			if (left <= 0)
				break;
			(void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, left, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
		}
	});
}

} // namespace migrate::pg
