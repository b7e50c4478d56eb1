// Bookkeeping SQL for schema migrate. Every identifier and function is schema-qualified, and
// every value is a quoted literal, so the text is safe to run and to print.
#include "migrate/state.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace migrate::state {

std::string
quote_literal(std::string_view text) {
	// With a backslash present use E'' so the result means the same whatever
	// standard_conforming_strings says.
	const bool escape = text.find('\\') != std::string_view::npos;
	std::string out;
	out.reserve(text.size() + 3);
	if (escape)
		out += 'E';
	out += '\'';
	for (char c : text) {
		if (c == '\'' || (escape && c == '\\'))
			out += c;
		out += c;
	}
	out += '\'';
	return out;
}

Error
lock_held_across_commits(std::string_view pid, std::string_view revision) {
	return Error(sqlstate::lock_not_available, "another migration is in progress",
	             fmt::format("Session {} holds the migration lock while it runs revision {} (transactional: false) "
	                         "outside a transaction.",
	                         pid, comment_text(revision)),
	             "Wait for it to finish and run the command again.");
}

Error
changed_since_applied(const Revision &r, std::string_view applied_checksum, std::string_view filename) {
	return Error(sqlstate::not_in_prerequisite_state, fmt::format("revision {} has changed since it was applied", r.id),
	             fmt::format("Applied checksum {}, new checksum {}{}.", applied_checksum, r.checksum,
	                         filename.empty() ? std::string() : fmt::format(" (file {})", filename)),
	             "Restore the file to the content that was applied and put the change in a new revision, "
	             "or downgrade below this revision before changing it.");
}

std::string
dollar_tag(std::string_view text, std::string_view name) {
	// The quoted form is tag + text + tag: the tag may occur there only at the two ends. Checking
	// the whole form also catches a tag formed across an end (text ending in "$migrate").
	auto fits = [&](const std::string &tag) {
		std::string quoted;
		quoted.reserve(text.size() + 2 * tag.size());
		quoted.append(tag).append(text).append(tag);
		return quoted.find(tag, 1) == quoted.size() - tag.size();
	};
	std::string tag = fmt::format("${}$", name);
	for (int n = 1; !fits(tag); ++n)
		tag = fmt::format("${}{}$", name, n);
	return tag;
}

std::string
comment_text(std::string_view text) {
	static constexpr char digits[] = "0123456789ABCDEF";
	std::string out;
	out.reserve(text.size());
	for (std::size_t i = 0; i < text.size(); ++i) {
		const auto c = static_cast<unsigned char>(text[i]);
		if (c < 0x20 || c == 0x7f) {
			out += "\\x";
			out += digits[c >> 4];
			out += digits[c & 0x0F];
		} else if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
		           static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
			const auto d = static_cast<unsigned char>(text[++i]);
			out += "\\u00";
			out += digits[d >> 4];
			out += digits[d & 0x0F];
		} else {
			out += static_cast<char>(c);
		}
	}
	return out;
}

namespace {

std::string
quoted_list(const std::vector<std::string> &values) {
	std::vector<std::string> quoted;
	quoted.reserve(values.size());
	for (const auto &v : values)
		quoted.push_back(quote_literal(v));
	return fmt::format("{}", fmt::join(quoted, ", "));
}

std::string
delete_rows(const std::vector<std::string> &rows) {
	return fmt::format(
	    "DELETE FROM migrate.version WHERE revision OPERATOR(pg_catalog.=) ANY (ARRAY[{}]::pg_catalog.text[])",
	    quoted_list(rows));
}

std::string
insert_rows(const std::vector<std::string> &rows) {
	std::vector<std::string> values;
	values.reserve(rows.size());
	for (const auto &r : rows)
		values.push_back(fmt::format("({})", quote_literal(r)));
	return fmt::format("INSERT INTO migrate.version (revision) VALUES {}", fmt::join(values, ", "));
}

} // namespace

std::string
store_digest_line(const Revision &revision) {
	return fmt::format("{}|{}|{}", revision.checksum, fmt::join(revision.down_revisions, ","),
	                   fmt::join(revision.depends_on, ","));
}

// One statement: any old row goes (the trigger has removed it, unless its owner disabled it), and
// the new one is read from the same snapshot.
std::string
summary_refresh_sql() {
	return fmt::format("WITH old AS (DELETE FROM migrate.summary) INSERT INTO migrate.summary (revisions, digest) {}",
	                   store_digest_sql);
}

std::string
joined_parents(const Revision &revision) {
	return fmt::format("{}", fmt::join(revision.down_revisions, ", "));
}

std::vector<std::string>
version_sql(const Step &step) {
	std::vector<std::string> out;
	if (!step.version_delete.empty())
		out.push_back(delete_rows(step.version_delete));
	if (!step.version_insert.empty())
		out.push_back(insert_rows(step.version_insert));
	return out;
}

std::string
log_sql(const RevisionGraph &graph, const Step &step, std::optional<double> duration_ms) {
	const Revision &rev = graph[step.revision];
	const char *direction = step.direction == Direction::upgrade ? "upgrade" : "downgrade";
	std::string started = "pg_catalog.clock_timestamp()";
	std::string duration = "NULL";
	if (duration_ms) {
		duration = fmt::format("{:.3f}", *duration_ms);
		started =
		    fmt::format("pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) pg_catalog.make_interval(secs => {:.6f})",
		                *duration_ms / 1000.0);
	}
	return fmt::format(
	    "INSERT INTO migrate.log (revision, direction, down_revision, started_at, duration_ms, checksum) "
	    "VALUES ({}, '{}', {}, {}, {}, {})",
	    quote_literal(rev.id), direction, quote_literal(joined_parents(rev)), started, duration,
	    quote_literal(rev.checksum));
}

std::string_view
record_sql(bool traced) {
	// Ids are [A-Za-z0-9_], so comma-joined lists need no quoting; '' is the empty list.
	static const std::string rows =
	    "WITH deleted AS (DELETE FROM migrate.version WHERE revision OPERATOR(pg_catalog.=) "
	    "ANY (pg_catalog.string_to_array($1, ','))), "
	    "inserted AS (INSERT INTO migrate.version (revision) "
	    "SELECT pg_catalog.unnest(pg_catalog.string_to_array($2, ','))) "
	    "INSERT INTO migrate.log (revision, direction, down_revision, started_at, "
	    "duration_ms, checksum";
	static const std::string values = "VALUES ($3, $4, $5, pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) "
	                                  "pg_catalog.make_interval(secs => $6::pg_catalog.float8), $7::pg_catalog.float8, "
	                                  "$8";
	// A log made by a release before 0.5.0 lacks the trace's columns until ALTER EXTENSION UPDATE.
	static const std::string untraced = rows + ") " + values + ")";
	static const std::string traced_sql = rows + ", lock_waits, locks, rewritten) " + values +
	                                      ", $9::pg_catalog.jsonb, $10::pg_catalog.jsonb, $11::pg_catalog.text[])";
	return traced ? traced_sql : untraced;
}

std::vector<std::optional<std::string>>
trace_params(const StepTrace &trace) {
	auto or_null = [](const std::string &text) { return text.empty() ? std::optional<std::string>() : text; };
	const std::vector<std::string_view> rewritten(trace.rewritten.begin(), trace.rewritten.end());
	return {or_null(trace.lock_waits), or_null(trace.locks),
	        rewritten.empty() ? std::nullopt : std::optional<std::string>(text_array_literal(rewritten))};
}

std::vector<std::optional<std::string>>
record_params(const RevisionGraph &graph, const Step &step, double duration_ms, const StepTrace *trace) {
	const Revision &rev = graph[step.revision];
	std::vector<std::optional<std::string>> params = {fmt::format("{}", fmt::join(step.version_delete, ",")),
	                                                  fmt::format("{}", fmt::join(step.version_insert, ",")),
	                                                  rev.id,
	                                                  step.direction == Direction::upgrade ? "upgrade" : "downgrade",
	                                                  joined_parents(rev),
	                                                  fmt::format("{:.6f}", duration_ms / 1000.0),
	                                                  fmt::format("{:.3f}", duration_ms),
	                                                  rev.checksum};
	if (trace)
		for (auto &value : trace_params(*trace))
			params.push_back(std::move(value));
	return params;
}

std::vector<std::string>
stamp_sql(const std::vector<std::string> &before, const std::vector<std::string> &after) {
	std::vector<std::string> removed, added;
	for (const auto &r : before)
		if (std::find(after.begin(), after.end(), r) == after.end())
			removed.push_back(r);
	for (const auto &r : after)
		if (std::find(before.begin(), before.end(), r) == before.end())
			added.push_back(r);
	std::vector<std::string> out;
	if (!removed.empty())
		out.push_back(delete_rows(removed));
	if (!added.empty())
		out.push_back(insert_rows(added));
	auto label = [](const std::vector<std::string> &rows) {
		return rows.empty() ? std::string("base") : fmt::format("{}", fmt::join(rows, ", "));
	};
	out.push_back(fmt::format("INSERT INTO migrate.log (revision, direction, down_revision, started_at, duration_ms) "
	                          "VALUES ({}, 'stamp', {}, pg_catalog.clock_timestamp(), 0)",
	                          quote_literal(label(after)), quote_literal(label(before))));
	return out;
}

namespace {

constexpr std::string_view revision_insert =
    "INSERT INTO migrate.revisions AS r (revision, down_revisions, depends_on, branch_labels, message, "
    "transactional, lock_timeout, upgrade_sql, upgrade_line, downgrade_sql, downgrade_line, verify_sql, "
    "verify_line, checksum, filename, content) ";
constexpr std::string_view revision_on_conflict =
    " ON CONFLICT (revision) DO UPDATE SET down_revisions = EXCLUDED.down_revisions, "
    "depends_on = EXCLUDED.depends_on, branch_labels = EXCLUDED.branch_labels, message = EXCLUDED.message, "
    "transactional = EXCLUDED.transactional, lock_timeout = EXCLUDED.lock_timeout, "
    "upgrade_sql = EXCLUDED.upgrade_sql, upgrade_line = EXCLUDED.upgrade_line, "
    "downgrade_sql = EXCLUDED.downgrade_sql, downgrade_line = EXCLUDED.downgrade_line, "
    "verify_sql = EXCLUDED.verify_sql, verify_line = EXCLUDED.verify_line, checksum = EXCLUDED.checksum, "
    "filename = EXCLUDED.filename, content = EXCLUDED.content, uploaded_at = pg_catalog.now()";

// A text[] literal of `n` elements, element(i) giving each (nullopt: NULL): quoted, with `"` and
// `\` escaped, sized once (an upload's is megabytes).
template <typename Element>
std::string
array_literal(std::size_t n, Element element) {
	const auto escaped = [](char c) { return c == '"' || c == '\\'; };
	std::size_t size = 2;
	for (std::size_t i = 0; i < n; ++i) {
		const std::optional<std::string_view> v = element(i);
		size += v ? v->size() + 3 + static_cast<std::size_t>(std::count_if(v->begin(), v->end(), escaped)) : 5;
	}
	std::string out;
	out.reserve(size);
	out += '{';
	for (std::size_t i = 0; i < n; ++i) {
		if (i)
			out += ',';
		const std::optional<std::string_view> v = element(i);
		if (!v) {
			out += "NULL";
			continue;
		}
		out += '"';
		for (char c : *v) {
			if (escaped(c))
				out += '\\';
			out += c;
		}
		out += '"';
	}
	return out + "}";
}

} // namespace

std::string
revision_upsert_sql() {
	return fmt::format("{}VALUES ($1, $2::pg_catalog.text[], $3::pg_catalog.text[], $4::pg_catalog.text[], $5, "
	                   "$6::pg_catalog.bool, $7, $8, $9::pg_catalog.int4, $10, $11::pg_catalog.int4, $12, "
	                   "$13::pg_catalog.int4, $14, $15, $16){}",
	                   revision_insert, revision_on_conflict);
}

std::string_view
revision_upsert_many_sql() {
	static const std::string sql = [] {
		std::vector<std::string> columns; // unnest(a, b) is not allowed schema-qualified: ROWS FROM
		for (std::size_t c = 1; c <= revision_param_count; ++c)
			columns.push_back(fmt::format("pg_catalog.unnest(${}::pg_catalog.text[])", c));
		return fmt::format(
		    "{}SELECT u.revision, u.down_revisions::pg_catalog.text[], u.depends_on::pg_catalog.text[], "
		    "u.branch_labels::pg_catalog.text[], u.message, u.transactional::pg_catalog.bool, u.lock_timeout, "
		    "u.upgrade_sql, u.upgrade_line::pg_catalog.int4, u.downgrade_sql, u.downgrade_line::pg_catalog.int4, "
		    "u.verify_sql, u.verify_line::pg_catalog.int4, u.checksum, u.filename, u.content FROM ROWS FROM ({}) "
		    "AS u(revision, down_revisions, depends_on, branch_labels, message, transactional, lock_timeout, "
		    "upgrade_sql, upgrade_line, downgrade_sql, downgrade_line, verify_sql, verify_line, checksum, filename, "
		    "content){}",
		    revision_insert, fmt::join(columns, ", "), revision_on_conflict);
	}();
	return sql;
}

std::vector<std::optional<std::string>>
revision_array_params(const std::vector<std::vector<std::optional<std::string>>> &rows) {
	std::vector<std::optional<std::string>> columns;
	for (std::size_t c = 0; c < revision_param_count; ++c)
		columns.push_back(array_literal(rows.size(), [&](std::size_t r) -> std::optional<std::string_view> {
			const std::optional<std::string> &value = rows[r].at(c);
			return value ? std::optional<std::string_view>(*value) : std::nullopt;
		}));
	return columns;
}

std::vector<std::optional<std::string>>
revision_params(const Revision &r, std::string_view content, std::string_view filename) {
	using Value = std::optional<std::string>;
	// Ids and labels are [A-Za-z0-9_], so they need no quoting inside an array literal.
	auto array = [](const std::vector<std::string> &ids) { return fmt::format("{{{}}}", fmt::join(ids, ",")); };
	auto opt = [](const Section &s) -> Value { return s.present ? Value(s.sql) : std::nullopt; };
	auto opt_line = [](const Section &s) -> Value {
		return s.present ? Value(std::to_string(s.first_line)) : std::nullopt;
	};
	return {r.id,
	        array(r.down_revisions),
	        array(r.depends_on),
	        array(r.branch_labels),
	        r.message,
	        r.transactional ? "true" : "false",
	        r.lock_timeout.empty() ? Value() : Value(r.lock_timeout),
	        r.upgrade.sql,
	        std::to_string(r.upgrade.first_line),
	        opt(r.downgrade),
	        opt_line(r.downgrade),
	        opt(r.verify),
	        opt_line(r.verify),
	        r.checksum,
	        filename.empty() ? Value() : Value(std::string(filename)),
	        std::string(content)};
}

std::string
revision_upsert_script(const Revision &revision, std::string_view content, std::string_view filename) {
	auto params = revision_params(revision, content, filename);
	std::string out;
	const std::string sql = revision_upsert_sql();
	// One pass, so that a `$1` inside a substituted value is never substituted again.
	for (std::size_t i = 0; i < sql.size(); ++i) {
		if (sql[i] == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
			std::size_t j = i + 1;
			std::size_t n = 0;
			while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9')
				n = n * 10 + static_cast<std::size_t>(sql[j++] - '0');
			const auto &value = params.at(n - 1);
			out += value ? quote_literal(*value) : std::string("NULL");
			i = j - 1;
		} else {
			out += sql[i];
		}
	}
	return out;
}

std::string
guarded_upsert_script(const Revision &revision, std::string_view content, std::string_view filename) {
	// The error's text is changed_since_applied's, with the stored checksum spliced in at run time.
	constexpr std::string_view marker = "\x01";
	const Error refusal = changed_since_applied(revision, marker, filename);
	const std::string detail = refusal.detail();
	const std::size_t at = detail.find(marker);
	const std::string body = fmt::format(
	    "DECLARE\n  applied_checksum pg_catalog.text;\nBEGIN\n"
	    "  {} SELECT r.checksum INTO applied_checksum FROM migrate.revisions r\n"
	    "    WHERE r.revision OPERATOR(pg_catalog.=) {} AND r.checksum OPERATOR(pg_catalog.<>) {}\n"
	    "      AND EXISTS (SELECT FROM applied a WHERE a.revision OPERATOR(pg_catalog.=) r.revision);\n"
	    "  IF FOUND THEN\n"
	    "    RAISE EXCEPTION USING ERRCODE = '{}', MESSAGE = {},\n"
	    "      DETAIL = {} OPERATOR(pg_catalog.||) applied_checksum OPERATOR(pg_catalog.||) {}, HINT = {};\n"
	    "  END IF;\n"
	    "  {};\n"
	    "END\n",
	    applied_cte, quote_literal(revision.id), quote_literal(revision.checksum), refusal.sqlstate(),
	    quote_literal(refusal.what()), quote_literal(detail.substr(0, at)),
	    quote_literal(detail.substr(at + marker.size())), quote_literal(refusal.hint()),
	    revision_upsert_script(revision, content, filename));
	const std::string tag = dollar_tag(body);
	return fmt::format("DO {}\n{}{}", tag, body, tag);
}

std::string
text_array_literal(const std::vector<std::string_view> &values) {
	return array_literal(values.size(), [&](std::size_t i) { return std::optional<std::string_view>(values[i]); });
}

} // namespace migrate::state
