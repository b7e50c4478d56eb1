// migrate::Database over libpq, and statement splitting with libpg_query.
#include "libpq_database.hpp"

#include "migrate/error.hpp"
#include "migrate/migration_file.hpp"
#include "migrate/sql_text.hpp"
#include "migrate/state.hpp"
#include "output.hpp"
#include "waiting.hpp"

#include <fmt/format.h>
#include <pg_query.h>

#include <algorithm>

namespace pgmigrate {

namespace {

// Lines before a 1-based character position (PostgreSQL counts characters, not bytes).
int
lines_before(std::string_view text, int position) {
	int lines = 0, chars = 0;
	for (char c : text) {
		if ((static_cast<unsigned char>(c) & 0xC0) != 0x80 && ++chars >= position)
			break;
		if (c == '\n')
			++lines;
	}
	return lines;
}

std::string
join_context(const std::string &a, const std::string &b) {
	if (a.empty())
		return b;
	if (b.empty())
		return a;
	return a + "\n" + b;
}

migrate::Error
engine_error(const ServerError &e) {
	migrate::Error out(e.sqlstate.empty() ? migrate::sqlstate::internal_error : e.sqlstate, e.what(), e.detail, e.hint);
	out.context = e.context;
	return out;
}

} // namespace

std::vector<migrate::StatementSpan>
split_statements(std::string_view sql, const migrate::StatementContext &where) {
	const std::string text(sql);
	PgQuerySplitResult result = pg_query_split_with_parser(text.c_str());
	if (result.error) {
		int extra = result.error->cursorpos > 0 ? lines_before(text, result.error->cursorpos) : 0;
		migrate::Error e("42601", result.error->message ? result.error->message : "syntax error");
		e.context = migrate::describe(where, extra);
		pg_query_free_split_result(result);
		throw e;
	}
	std::vector<migrate::StatementSpan> spans;
	for (int i = 0; i < result.n_stmts; ++i) {
		std::size_t begin = std::min(static_cast<std::size_t>(std::max(result.stmts[i]->stmt_location, 0)), text.size());
		std::size_t end = result.stmts[i]->stmt_len > 0
		                      ? std::min(begin + static_cast<std::size_t>(result.stmts[i]->stmt_len), text.size())
		                      : text.size();
		begin = migrate::skip_blank(text, begin, end);
		if (begin < end)
			spans.push_back({begin, end - begin});
	}
	pg_query_free_split_result(result);
	return spans;
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
	// The session lock keeps other migrators out; the transaction lock is what the engine expects.
	conn_.simple(migrate::state::lock_sql);
}

std::vector<migrate::Row>
LibpqDatabase::query(std::string_view sql, const std::vector<migrate::Value> &params) {
	try {
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
	} catch (const ServerError &e) {
		throw engine_error(e);
	}
}

std::vector<migrate::StatementSpan>
LibpqDatabase::split(std::string_view sql, const migrate::StatementContext &where) {
	return split_statements(sql, where);
}

std::optional<migrate::Value>
LibpqDatabase::run_statement(std::string_view sql, const migrate::StatementContext &ctx) {
	try {
		Result r = conn_.simple(sql);
		++statements_done_;
		if (r.rows() > 0 && r.columns() > 0)
			return r.value(0, 0);
		return std::nullopt;
	} catch (const ServerError &e) {
		int extra = e.position > 0 ? lines_before(sql, e.position) : 0;
		migrate::Error out = engine_error(e);
		out.context = join_context(e.context, migrate::describe(ctx, extra));
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
			std::string detail = out.detail().empty() ? progress : out.detail() + "\n" + progress;
			out = migrate::Error(out.sqlstate(), out.what(), detail, hint);
			out.context = join_context(e.context, migrate::describe(ctx, extra));
		}
		throw out;
	}
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
	lock_timeout_set_ = !revision.lock_timeout.empty();
	if (non_transactional_) {
		commit(); // what came before stays applied whatever happens to this revision
		if (lock_timeout_set_)
			conn_.query("SELECT pg_catalog.set_config('lock_timeout', $1, false)", {revision.lock_timeout});
	} else if (lock_timeout_set_) {
		Result r = conn_.query("SELECT pg_catalog.current_setting('lock_timeout'), "
		                       "pg_catalog.set_config('lock_timeout', $1, true)",
		                       {revision.lock_timeout});
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
		conn_.simple(migrate::state::lock_sql);
		commit_before_next_ = true;
	} else if (per_revision_) {
		commit_before_next_ = true;
	}
}

void
LibpqDatabase::notice(std::string_view message) {
	if (notice_)
		notice_(message);
	else
		out().progress(message);
}

} // namespace pgmigrate
