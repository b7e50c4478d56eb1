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
	return fmt::format("DELETE FROM migrate.version WHERE revision OPERATOR(pg_catalog.=) ANY (ARRAY[{}]::pg_catalog.text[])",
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
		started = fmt::format("pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) pg_catalog.make_interval(secs => {:.6f})",
		                      *duration_ms / 1000.0);
	}
	return fmt::format("INSERT INTO migrate.log (revision, direction, down_revision, started_at, duration_ms, checksum) "
	                   "VALUES ({}, '{}', {}, {}, {}, {})",
	                   quote_literal(rev.id), direction, quote_literal(joined_parents(rev)), started, duration,
	                   quote_literal(rev.checksum));
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

} // namespace migrate::state
