// migrate::Database over libpq, and statement splitting with libpg_query.
#include "libpq_database.hpp"

#include "lint_parse.hpp"

#include "migrate/error.hpp"
#include "migrate/lock_trace.hpp"
#include "migrate/migration_file.hpp"
#include "migrate/sql_text.hpp"
#include "migrate/state.hpp"
#include "output.hpp"
#include "sync.hpp"
#include "waiting.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pg_query.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cctype>

namespace pgmigrate {

namespace {

std::string
join_context(const std::string &a, const std::string &b) {
	if (a.empty())
		return b;
	if (b.empty())
		return a;
	return a + "\n" + b;
}

// The CONTEXT of an error in a migration statement, as the extension reports it: the server's
// own lines; then, when the error points at no position in the statement, the statement itself
// (SPI's `SQL statement "..."` line); then the revision, file and line.
std::string
statement_error_context(const ServerError &e, std::string_view statement, const migrate::StatementContext &ctx,
                        int extra_lines) {
	std::string context = e.context;
	if (e.position <= 0 && !e.refused_by_client)
		context = join_context(context, fmt::format("SQL statement \"{}\"", statement));
	return join_context(context, migrate::describe(ctx, extra_lines));
}

// The extension's words for a BEGIN, COMMIT or ROLLBACK inside a migration.
migrate::Error
transaction_control_error(const migrate::StatementContext &ctx) {
	migrate::Error e(migrate::sqlstate::feature_not_supported, migrate::transaction_control_message, {},
	                 migrate::transaction_control_hint);
	e.context = migrate::describe(ctx);
	return e;
}

} // namespace

bool
is_transaction_control(std::string_view statement) {
	std::size_t end = 0;
	while (end < statement.size() &&
	       (std::isalpha(static_cast<unsigned char>(statement[end])) || statement[end] == '_'))
		++end;
	std::string word;
	for (char c : statement.substr(0, end))
		word += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
	if (word == "ABORT" || word == "BEGIN" || word == "COMMIT" || word == "END" || word == "RELEASE" ||
	    word == "ROLLBACK" || word == "SAVEPOINT" || word == "START")
		return true;
	if (word != "PREPARE")
		return false;
	std::size_t next = migrate::skip_blank(statement, end, statement.size());
	std::string second;
	while (next < statement.size() && std::isalpha(static_cast<unsigned char>(statement[next])))
		second += static_cast<char>(std::toupper(static_cast<unsigned char>(statement[next++])));
	return second == "TRANSACTION";
}

namespace {

// The parser's split of `text`, with offsets from `base`: a syntax error throws, naming its line
// in `whole` (the section).
void
split_with_parser(std::string_view whole, std::size_t base, std::string_view text,
                  const migrate::StatementContext &where, std::vector<migrate::StatementSpan> &spans) {
	const std::string piece(text);
	PgQuerySplitResult result = pg_query_split_with_parser(piece.c_str());
	if (result.error) {
		const int extra =
		    result.error->cursorpos > 0
		        ? migrate::lines_before_byte(whole, base + migrate::utf8_offset(piece, result.error->cursorpos - 1))
		        : 0;
		migrate::Error e(migrate::sqlstate::syntax_error,
		                 result.error->message ? result.error->message : "syntax error");
		e.context = migrate::describe(where, extra);
		pg_query_free_split_result(result);
		throw e;
	}
	for (int i = 0; i < result.n_stmts; ++i) {
		std::size_t begin =
		    std::min(static_cast<std::size_t>(std::max(result.stmts[i]->stmt_location, 0)), piece.size());
		std::size_t end = result.stmts[i]->stmt_len > 0
		                      ? std::min(begin + static_cast<std::size_t>(result.stmts[i]->stmt_len), piece.size())
		                      : piece.size();
		begin = migrate::skip_blank(piece, begin, end);
		if (begin < end)
			spans.push_back({base + begin, end - begin});
	}
	pg_query_free_split_result(result);
}

} // namespace

std::vector<migrate::StatementSpan>
split_statements(std::string_view sql, const migrate::StatementContext &where, std::size_t piece_bytes) {
	std::vector<migrate::StatementSpan> spans;
	if (sql.size() <= piece_bytes) {
		split_with_parser(sql, 0, sql, where, spans);
		return spans;
	}
	// The parser keeps the raw tree of everything it parsed until it returns (about 1.7 KB per
	// INSERT): a big data section goes to it in pieces of about `piece_bytes`, cut where the
	// scanner sees a statement end. The scanner also cuts inside CREATE RULE (...; ...) and BEGIN
	// ATOMIC ... END, and a piece that ends inside a statement never parses; then the whole
	// section is parsed at once, which also gives any syntax error its exact place.
	const std::string text(sql);
	PgQuerySplitResult scanned = pg_query_split_with_scanner(text.c_str());
	const bool scanned_ok = !scanned.error;
	std::vector<std::size_t> cuts; // where each statement the scanner found begins
	for (int i = 0; scanned_ok && i < scanned.n_stmts; ++i)
		cuts.push_back(static_cast<std::size_t>(std::max(scanned.stmts[i]->stmt_location, 0)));
	pg_query_free_split_result(scanned);
	cuts.push_back(sql.size());
	if (!scanned_ok) { // the parser fails too, and says where
		split_with_parser(sql, 0, sql, where, spans);
		return spans;
	}
	try {
		std::size_t from = 0;
		for (std::size_t cut : cuts) {
			if (cut < sql.size() && cut - from < piece_bytes)
				continue;
			if (cut > from)
				split_with_parser(sql, from, sql.substr(from, cut - from), where, spans);
			from = cut;
		}
		return spans;
	} catch (const migrate::Error &) {
		spans.clear();
		split_with_parser(sql, 0, sql, where, spans);
		return spans;
	}
}

void
LibpqDatabase::begin() {
	conn_.simple("BEGIN ISOLATION LEVEL READ COMMITTED");
	in_tx_ = true;
}

void
LibpqDatabase::commit() {
	if (in_tx_) {
		in_tx_ = false;
		conn_.simple("COMMIT");
	}
}

void
LibpqDatabase::rollback() noexcept {
	if (!conn_.in_transaction())
		return;
	in_tx_ = false;
	try {
		conn_.simple("ROLLBACK");
	} catch (...) {
	}
}

void
LibpqDatabase::new_transaction() {
	commit();
	begin();
	lock_state(false);
}

std::vector<migrate::Row>
LibpqDatabase::query(std::string_view sql, const std::vector<migrate::Value> &params) {
	Result r = conn_.query(sql, params);
	std::vector<migrate::Row> rows;
	rows.reserve(static_cast<std::size_t>(r.rows()));
	for (int i = 0; i < r.rows(); ++i) {
		migrate::Row row;
		for (int c = 0; c < r.columns(); ++c)
			row.push_back(r.value(i, c));
		rows.push_back(std::move(row));
	}
	return rows;
}

void
LibpqDatabase::execute(const std::vector<std::string> &statements) {
	if (statements.empty())
		return;
	std::string batch;
	for (const auto &sql : statements)
		batch += sql + ";\n";
	conn_.simple(batch);
}

std::vector<migrate::StatementSpan>
LibpqDatabase::split(std::string_view sql, const migrate::StatementContext &where) {
	return split_statements(sql, where);
}

std::optional<migrate::Value>
LibpqDatabase::run_statement(std::string_view sql, const migrate::StatementContext &ctx) {
	if (!non_transactional_ && is_transaction_control(sql))
		throw transaction_control_error(ctx);
	try {
		Result r = conn_.simple(sql);
		++statements_done_;
		if (r.rows() > 0 && r.columns() > 0)
			return r.value(0, 0);
		return std::nullopt;
	} catch (const ServerError &e) {
		int extra = e.position > 0 ? migrate::lines_before(sql, e.position) : 0;
		migrate::Error out = e; // what the engine needs of it
		out.context = statement_error_context(e, sql, ctx, extra);
		out.statement = std::string(sql);
		if (non_transactional_) {
			// Outside a transaction what ran stays: say so, and how to make a rerun safe.
			std::string progress =
			    statements_done_ == 0
			        ? fmt::format("Revision {} runs outside a transaction (transactional: false); none of its "
			                      "statements ran.",
			                      revision_)
			        : fmt::format("Revision {} runs outside a transaction (transactional: false); {} of its statements "
			                      "ran before this one and stay committed. It is not recorded as applied.",
			                      revision_, statements_done_);
			std::string hint = out.hint();
			if (statements_done_ > 0)
				hint += std::string(hint.empty() ? "" : "\n") +
				        "They run again on the next upgrade: make them safe to repeat (e.g. CREATE INDEX "
				        "CONCURRENTLY IF NOT EXISTS).";
			out.set_detail(out.detail().empty() ? progress : out.detail() + "\n" + progress);
			out.set_hint(hint);
		}
		throw out;
	}
}

std::optional<migrate::Value>
LibpqDatabase::run_statements(std::string_view sql, const std::vector<migrate::StatementSpan> &spans,
                              const migrate::StatementContext &section) {
	// One at a time outside a transaction block, counting what stays; and on Citus (on_citus).
	if (non_transactional_ || (spans.size() > 1 && on_citus()))
		return Database::run_statements(sql, spans, section);
	struct Statement {
		std::size_t start, end;
	};
	std::vector<Statement> statements;
	for (const auto &span : spans) {
		std::size_t end = std::min(span.offset + span.length, sql.size());
		std::size_t start = migrate::skip_blank(sql, span.offset, end);
		if (start < end)
			statements.push_back({start, end});
	}
	// Up to the first transaction control statement, which the extension would refuse when it got there.
	std::size_t count = 0;
	while (count < statements.size() && !is_transaction_control(sql.substr(
	                                        statements[count].start, statements[count].end - statements[count].start)))
		++count;
	std::optional<migrate::Value> last;
	if (count > 0) {
		const std::size_t from = statements.front().start;
		const std::string_view text = sql.substr(from, statements[count - 1].end - from);
		int completed = 0;
		try {
			Result r = conn_.simple(text, &completed);
			last = r.rows() > 0 && r.columns() > 0 ? std::optional<migrate::Value>(r.value(0, 0)) : std::nullopt;
		} catch (const ServerError &e) {
			// The statement the error's position points into, else the one after those that completed.
			std::size_t failed = std::min(static_cast<std::size_t>(std::max(completed, 0)), count - 1);
			if (e.position > 0) {
				const std::size_t offset = from + migrate::utf8_offset(text, e.position - 1);
				failed = 0;
				while (failed + 1 < count && statements[failed + 1].start <= offset)
					++failed;
			}
			const Statement &at = statements[failed];
			int extra = 0;
			if (e.position > 0) // into the whole message: lines from the failed statement's start
				extra = std::max(
				    0, migrate::lines_before(text, e.position) -
				           static_cast<int>(std::count(
				               text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at.start - from), '\n')));
			migrate::Error out = e;
			out.statement = std::string(sql.substr(at.start, at.end - at.start));
			out.context = statement_error_context(e, sql.substr(at.start, at.end - at.start),
			                                      migrate::statement_context(sql, at.start, section), extra);
			throw out;
		}
	}
	if (count < statements.size())
		throw transaction_control_error(migrate::statement_context(sql, statements[count].start, section));
	return last;
}

bool
LibpqDatabase::on_citus() {
	if (!citus_)
		citus_ = conn_.query("SELECT pg_catalog.current_setting('citus.version', true) IS NOT NULL").value(0, 0) == "t";
	return *citus_;
}

void
LibpqDatabase::begin_revision(const migrate::Revision &revision) {
	if (commit_before_next_) {
		commit_before_next_ = false;
		new_transaction();
	}
	revision_ = revision.id;
	statements_done_ = 0;
	non_transactional_ = !revision.transactional;
	const std::string lock_timeout(migrate::effective_lock_timeout(revision, lock_policy()));
	lock_timeout_set_ = !lock_timeout.empty();
	if (non_transactional_) {
		commit(); // what came before stays applied whatever happens to this revision
		if (lock_timeout_set_)
			conn_.query("SELECT pg_catalog.set_config('lock_timeout', $1, false)", {lock_timeout});
	} else if (lock_timeout_set_) {
		Result r = conn_.query("SELECT pg_catalog.current_setting('lock_timeout'), "
		                       "pg_catalog.set_config('lock_timeout', $1, true)",
		                       {lock_timeout});
		saved_lock_timeout_ = r.get(0, 0);
	}
}

void
LibpqDatabase::end_revision() {
	if (lock_timeout_set_) {
		lock_timeout_set_ = false;
		if (non_transactional_)
			conn_.simple("RESET lock_timeout");
		else
			conn_.query("SELECT pg_catalog.set_config('lock_timeout', $1, true)", {saved_lock_timeout_});
	}
	if (non_transactional_) {
		non_transactional_ = false;
		// Its version and log rows: a short transaction of their own.
		begin();
		lock_state(false); // this session's own hold (hold_lock) lets it through
		commit_before_next_ = true;
	} else if (per_revision_) {
		commit_before_next_ = true;
	}
}

void
LibpqDatabase::notice(std::string_view message, std::size_t step, std::size_t steps) {
	if (notice_)
		notice_(message, step, steps);
	else
		out().progress(message);
}

void
LibpqDatabase::through_extension(const Host &host) {
	lock_fn_ = host.fn("migrate_lock");
	hold_fn_ = host.fn("migrate_hold_lock");
	record_fn_ = host.fn("migrate_record");
	// 0.5.0's overload, when this role may call it (a deploy role granted only the older one: no trace).
	record_traced_ = conn_
	                     .query("SELECT COALESCE(pg_catalog.has_function_privilege(p, 'EXECUTE'), false) FROM "
	                            "pg_catalog.to_regprocedure($1) AS p",
	                            {record_fn_ + "(pg_catalog.text, pg_catalog.text, pg_catalog.float8, pg_catalog.text, "
	                                          "pg_catalog.text, pg_catalog.text[])"})
	                     .get_bool(0, 0);
}

void
LibpqDatabase::lock_state(bool nowait) {
	if (lock_fn_.empty())
		return migrate::Database::lock_state(nowait);
	query(fmt::format("SELECT {}($1::pg_catalog.bool)", lock_fn_), {nowait ? "true" : "false"});
}

void
LibpqDatabase::hold_lock(std::string_view revision) {
	if (hold_fn_.empty())
		return migrate::Database::hold_lock(revision);
	query(fmt::format("SELECT {}($1)", hold_fn_), {std::string(revision)});
}

void
LibpqDatabase::record_step(const migrate::RevisionGraph &graph, const migrate::Step &step, double duration_ms,
                           const migrate::StepTrace &trace) {
	if (record_fn_.empty())
		return migrate::Database::record_step(graph, step, duration_ms, trace);
	std::vector<migrate::Value> params = {step.direction == migrate::Direction::upgrade ? "upgrade" : "downgrade",
	                                      graph[step.revision].id, fmt::format("{:.3f}", duration_ms)};
	if (!record_traced_) // an extension before 0.5.0: no trace in its log
		return void(query(fmt::format("SELECT {}($1, $2, $3::pg_catalog.float8)", record_fn_), params));
	for (auto &value : migrate::state::trace_params(trace))
		params.push_back(std::move(value));
	query(fmt::format("SELECT {}($1, $2, $3::pg_catalog.float8, $4, $5, $6::pg_catalog.text[])", record_fn_), params);
}

namespace {

void
collect_relations(const nlohmann::json &node, std::vector<std::string> &out) {
	if (node.is_array()) {
		for (const auto &item : node)
			collect_relations(item, out);
		return;
	}
	if (!node.is_object())
		return;
	// A RangeVar: in libpg_query's JSON a field of that type holds its fields directly, a Node
	// field wraps them in {"RangeVar": ...}; both have relname.
	if (node.contains("relname") && node["relname"].is_string()) {
		std::string name = quote_ident(node["relname"].get<std::string>());
		if (node.contains("schemaname") && node["schemaname"].is_string())
			name = quote_ident(node["schemaname"].get<std::string>()) + "." + name;
		if (std::find(out.begin(), out.end(), name) == out.end())
			out.push_back(std::move(name));
		return;
	}
	for (const auto &item : node)
		collect_relations(item, out);
}

} // namespace

std::vector<std::string>
statement_relations(std::string_view statement) {
	const std::string text(statement);
	PgQueryParseResult result = pg_query_parse(text.c_str());
	std::vector<std::string> names;
	if (!result.error && result.parse_tree)
		collect_relations(nlohmann::json::parse(result.parse_tree, nullptr, false), names);
	pg_query_free_parse_result(result);
	return names;
}

void
LibpqDatabase::begin_attempt() {
	if (commit_before_next_) { // the commit a per-revision run owes comes before the attempt
		commit_before_next_ = false;
		new_transaction();
	}
	Database::begin_attempt();
}

void
LibpqDatabase::end_attempt(bool keep) {
	if (!keep) { // the savepoint's rollback restores lock_timeout
		lock_timeout_set_ = false;
		non_transactional_ = false;
	}
	Database::end_attempt(keep);
}

migrate::LockPolicy
LibpqDatabase::lock_policy() const {
	if (!policy_) {
		Result r =
		    conn_.query("SELECT pg_catalog.current_setting($1, true), pg_catalog.current_setting($2, true), "
		                "pg_catalog.current_setting($3, true)",
		                {migrate::lock_timeout_setting, migrate::lock_retries_setting, migrate::lock_trace_setting});
		migrate::LockPolicy p{fmt::format("{}ms", migrate::default_lock_timeout_ms), migrate::default_lock_retries,
		                      true};
		if (std::string t = r.get(0, 0); !t.empty())
			p.lock_timeout = t == "0" ? std::string() : t;
		if (std::string n = r.get(0, 1); !n.empty()) {
			char *end = nullptr;
			long v = std::strtol(n.c_str(), &end, 10);
			if (end == n.c_str() || *end != '\0' || v < 0 || v > 1000)
				throw Failure(fmt::format("invalid value for {}: \"{}\"", migrate::lock_retries_setting, n), {},
				              "A number of retries from 0 to 1000.", migrate::sqlstate::invalid_parameter_value);
			p.retries = static_cast<int>(v);
		}
		if (std::string t = r.get(0, 2); !t.empty()) {
			if (t != "on" && t != "off" && t != "true" && t != "false")
				throw Failure(fmt::format("invalid value for {}: \"{}\"", migrate::lock_trace_setting, t), {},
				              "on or off.", migrate::sqlstate::invalid_parameter_value);
			p.trace = t == "on" || t == "true";
		}
		policy_ = p;
	}
	return *policy_;
}

std::vector<std::string>
LibpqDatabase::relations_of(std::string_view statement) {
	return statement_relations(statement);
}

std::vector<migrate::lint::Statement>
LibpqDatabase::lint_statements(std::string_view sql, const migrate::StatementContext &where) {
	return pgmigrate::lint_statements(sql, where);
}

migrate::lint::Policy
LibpqDatabase::lint_policy() const {
	if (!lint_policy_)
		lint_policy_ = session_lint_policy(conn_);
	return *lint_policy_;
}

migrate::lint::Policy
session_lint_policy(Connection &conn) {
	Result r = conn.query("SELECT pg_catalog.current_setting($1, true)", {migrate::lint::lint_setting});
	const std::string value = r.get(0, 0);
	if (value.empty())
		return migrate::lint::Policy::warn;
	const auto policy = migrate::lint::parse_policy(value);
	if (!policy)
		throw Failure(fmt::format("invalid value for {}: \"{}\"", migrate::lint::lint_setting, value), {},
		              "One of off, warn or error.", migrate::sqlstate::invalid_parameter_value);
	return *policy;
}

void
LibpqDatabase::report(std::string_view message) {
	out().note(message);
}

void
LibpqDatabase::pause(double seconds) {
	const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
	while (std::chrono::steady_clock::now() < until) {
		throw_if_interrupted();
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	}
}

} // namespace pgmigrate
