// Offline SQL: the statements a plan would run, in the runner's order, as one psql script.
#include "migrate/script.hpp"

#include "migrate/state.hpp"

#include <fmt/format.h>

namespace migrate {

namespace {

// The section body, trimmed, ending with a semicolon so the next statement starts cleanly.
std::string
statement_block(const std::string &sql) {
	std::size_t begin = sql.find_first_not_of(" \t\r\n");
	if (begin == std::string::npos)
		return {};
	std::size_t end = sql.find_last_not_of(" \t\r\n");
	std::string body = sql.substr(begin, end - begin + 1);
	// A trailing line comment would swallow an appended ';', so put it on its own line.
	std::size_t last_line = body.rfind('\n');
	bool comment_tail = body.find("--", last_line == std::string::npos ? 0 : last_line) != std::string::npos;
	if (body.back() != ';')
		body += comment_tail ? "\n;" : ";";
	return body + "\n";
}

} // namespace

std::string
render_script(const RevisionGraph &graph, const Plan &plan) {
	return render_script(graph, plan, [&](RevisionGraph::Index i) -> const Revision & { return graph[i]; });
}

std::string
render_script(const RevisionGraph &graph, const Plan &plan, const RevisionText &text) {
	std::string out = fmt::format("BEGIN;\n\n{};\n\n", state::lock_sql);
	for (const Step &step : plan.steps) {
		const Revision &rev = text(step.revision);
		const bool up = step.direction == Direction::upgrade;
		// Stored text in a comment goes through comment_text: a newline in it would end the comment.
		out += fmt::format("-- {}\n", state::comment_text(running_line(graph, step)));
		if (!rev.transactional) {
			out += "-- transactional: false: runs outside a transaction block\nCOMMIT;\n\n";
			if (!rev.lock_timeout.empty())
				out += fmt::format("SET lock_timeout = {};\n\n", state::quote_literal(rev.lock_timeout));
		} else if (!rev.lock_timeout.empty())
			out += fmt::format("SET LOCAL lock_timeout = {};\n\n", state::quote_literal(rev.lock_timeout));
		out += statement_block(up ? rev.upgrade.sql : rev.downgrade.sql);
		if (up && rev.verify.present)
			out += fmt::format("\n-- verify section of {} is checked only by online upgrades\n",
			                   state::comment_text(rev.id));
		if (!rev.transactional)
			out += fmt::format("{}\nBEGIN;\n\n{};\n", rev.lock_timeout.empty() ? "" : "\nRESET lock_timeout;\n",
			                   state::lock_sql);
		else if (!rev.lock_timeout.empty())
			out += "\nSET LOCAL lock_timeout TO DEFAULT;\n";
		out += "\n";
		for (const auto &sql : state::version_sql(step))
			out += sql + ";\n";
		out += state::log_sql(graph, step, std::nullopt) + ";\n\n";
	}
	out += "COMMIT;\n";
	return out;
}

} // namespace migrate
