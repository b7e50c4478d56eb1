// Alembic's graph and offline SQL -> migration files (alembic_import.hpp).
#include "alembic_import.hpp"

#include "errors.hpp"
#include "migrate/migration_file.hpp"
#include "migrate/sql_text.hpp"
#include "migrate/state.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pg_query.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace pgmigrate::alembic_import {

using json = nlohmann::json;

// Why a snippet and not `alembic history --verbose`: history's text is for people (the message is
// an indented docstring, labels and dependencies are words on lines that a message could also
// hold), while ScriptDirectory is the revision map Alembic itself builds, with down revisions as
// tuples, its own branch labels and depends_on resolved to ids. It does not run env.py, so it
// needs no database.
const char *const graph_snippet = R"PY(
import json, sys
from alembic import util
from alembic.config import Config
from alembic.script import ScriptDirectory

script = ScriptDirectory.from_config(Config(sys.argv[1]))
revisions = []
for sc in reversed(list(script.walk_revisions())):
    revisions.append({
        "revision": sc.revision,
        "down_revisions": list(util.to_tuple(sc.down_revision, default=())),
        "branch_labels": list(util.to_tuple(getattr(sc.module, "branch_labels", None), default=())),
        "depends_on": [script.get_revision(d).revision for d in util.to_tuple(sc.dependencies, default=())],
        "message": sc.doc,
        "path": sc.path,
    })
json.dump({"pgmigrate_alembic_graph": 1, "revisions": revisions}, sys.stdout)
)PY";

namespace {

std::vector<std::string>
string_list(const json &value, const std::string &what) {
	std::vector<std::string> out;
	if (value.is_null())
		return out;
	if (!value.is_array())
		throw Failure(fmt::format("Alembic's revision graph is malformed: {} is not a list", what));
	for (const auto &item : value) {
		if (!item.is_string())
			throw Failure(fmt::format("Alembic's revision graph is malformed: {} holds a non-string", what));
		out.push_back(item.get<std::string>());
	}
	return out;
}

// The docstring's first paragraph on one line: every run of whitespace (line breaks, tabs) one
// blank, other control characters escaped, so that it is one header line.
std::string
one_line_message(const std::string &doc) {
	std::string out;
	bool blank = false;
	for (char c : doc) {
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			blank = !out.empty();
			continue;
		}
		if (blank)
			out += ' ';
		blank = false;
		out += c;
	}
	return migrate::state::comment_text(out);
}

// `-- Running upgrade a, b -> c`: the direction, and the two sides of the arrow, trimmed.
struct RunningLine {
	std::string direction;
	std::vector<std::string> from, to;
};

std::vector<std::string>
comma_list(std::string_view text) {
	std::vector<std::string> out;
	std::size_t start = 0;
	while (start <= text.size()) {
		std::size_t end = text.find(',', start);
		if (end == std::string_view::npos)
			end = text.size();
		std::string_view item = text.substr(start, end - start);
		while (!item.empty() && item.front() == ' ')
			item.remove_prefix(1);
		while (!item.empty() && item.back() == ' ')
			item.remove_suffix(1);
		if (!item.empty())
			out.emplace_back(item);
		start = end + 1;
	}
	return out;
}

std::optional<RunningLine>
running_line(std::string_view line) {
	while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t' || line.back() == '\n'))
		line.remove_suffix(1);
	constexpr std::string_view prefix = "-- Running ";
	if (!line.starts_with(prefix))
		return std::nullopt;
	line.remove_prefix(prefix.size());
	// `upgrade  -> a001` (from base), `downgrade a001 -> ` (to base; trimmed to `->` above).
	std::size_t blank = line.find(' ');
	std::size_t arrow = line.find(" ->");
	if (blank == std::string_view::npos || arrow == std::string_view::npos || arrow < blank)
		return std::nullopt;
	RunningLine r;
	r.direction = std::string(line.substr(0, blank));
	r.from = comma_list(line.substr(blank + 1, arrow - blank - 1));
	r.to = comma_list(line.substr(arrow + 3));
	return r;
}

// The node of a statement: {"CreateStmt": {...}} -> ("CreateStmt", {...}).
std::pair<std::string, const json *>
statement_node(const json &stmt) {
	if (stmt.is_object() && stmt.size() == 1)
		return {stmt.begin().key(), &stmt.begin().value()};
	return {{}, nullptr};
}

std::string
relation_name(const json &node) {
	if (!node.is_object() || !node.contains("relation"))
		return {};
	const json &rel = node["relation"];
	return rel.is_object() && rel.contains("relname") && rel["relname"].is_string() ? rel["relname"].get<std::string>()
	                                                                                : std::string();
}

// DROP TABLE [schema.]name with that one table.
bool
drops_only(const json &node, std::string_view table) {
	if (node.value("removeType", "") != "OBJECT_TABLE" || !node.contains("objects") || node["objects"].size() != 1)
		return false;
	const json &items = node["objects"][0]["List"]["items"];
	if (!items.is_array() || items.empty())
		return false;
	const json &last = items.back()["String"];
	for (const char *key : {"sval", "str"}) // libpg_query 15 / 13
		if (last.contains(key) && last[key].is_string())
			return last[key].get<std::string>() == table;
	return false;
}

bool
is_bookkeeping(const std::string &kind, const json &node, std::string_view table) {
	if (kind == "TransactionStmt") {
		std::string k = node.value("kind", "");
		return k == "TRANS_STMT_BEGIN" || k == "TRANS_STMT_START" || k == "TRANS_STMT_COMMIT";
	}
	if (kind == "CreateStmt" || kind == "InsertStmt" || kind == "UpdateStmt" || kind == "DeleteStmt")
		return relation_name(node) == table;
	if (kind == "DropStmt")
		return drops_only(node, table);
	return false;
}

bool
has_param_ref(const json &node) {
	if (node.is_object()) {
		for (auto it = node.begin(); it != node.end(); ++it)
			if (it.key() == "ParamRef" || has_param_ref(it.value()))
				return true;
	} else if (node.is_array()) {
		for (const auto &item : node)
			if (has_param_ref(item))
				return true;
	}
	return false;
}

// Alembic's reason for a failed rendering, or PostgreSQL's for SQL it does not parse, as lines
// that can go into `--` comments.
std::vector<std::string>
comment_lines(std::string_view text) {
	std::vector<std::string> out;
	for (std::string_view line : output_lines(text)) {
		while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
			line.remove_suffix(1);
		if (!line.empty())
			out.push_back(migrate::state::comment_text(line));
	}
	return out;
}

} // namespace

std::vector<std::string_view>
output_lines(std::string_view text) {
	std::vector<std::string_view> lines;
	std::size_t start = 0;
	while (start < text.size()) {
		std::size_t end = text.find('\n', start);
		if (end == std::string_view::npos)
			end = text.size();
		if (end > start)
			lines.push_back(text.substr(start, end - start));
		start = end + 1;
	}
	return lines;
}

std::vector<ScriptRevision>
parse_graph(std::string_view text) {
	json doc = json::parse(text.begin(), text.end(), nullptr, false);
	if (doc.is_discarded() || !doc.is_object() || !doc.contains("pgmigrate_alembic_graph") ||
	    !doc.contains("revisions") || !doc["revisions"].is_array())
		throw Failure("Alembic's revision graph could not be read: the snippet printed something else");
	std::vector<ScriptRevision> revisions;
	for (const auto &item : doc["revisions"]) {
		if (!item.is_object() || !item.contains("revision") || !item["revision"].is_string())
			throw Failure("Alembic's revision graph is malformed: a revision without an id");
		ScriptRevision r;
		r.id = item["revision"].get<std::string>();
		r.down_revisions = string_list(item.value("down_revisions", json()), "down_revisions of " + r.id);
		r.branch_labels = string_list(item.value("branch_labels", json()), "branch_labels of " + r.id);
		r.depends_on = string_list(item.value("depends_on", json()), "depends_on of " + r.id);
		if (item.contains("message") && item["message"].is_string())
			r.message = one_line_message(item["message"].get<std::string>());
		if (item.contains("path") && item["path"].is_string())
			r.path = item["path"].get<std::string>();
		auto check = [&](const std::string &value, const char *what) {
			if (!migrate::valid_revision_id(value) || migrate::is_reserved_id(value))
				throw Failure(fmt::format("Alembic revision '{}' ({}) has {} '{}', which migrate cannot hold",
				                          migrate::state::comment_text(r.id), migrate::state::comment_text(r.path),
				                          what, migrate::state::comment_text(value)),
				              {},
				              "migrate's revision ids and branch labels are 1 to 64 letters, digits and underscores "
				              "(and not none, base, head or heads); rename it in the Alembic project first.");
		};
		check(r.id, "the id");
		for (const auto &d : r.down_revisions)
			check(d, "a down revision");
		for (const auto &l : r.branch_labels)
			check(l, "a branch label");
		for (const auto &d : r.depends_on)
			check(d, "a depends_on");
		revisions.push_back(std::move(r));
	}
	return revisions;
}

std::string
range_start(const ScriptRevision &rev) {
	return rev.down_revisions.empty() ? std::string("base") : rev.down_revisions.front();
}

std::map<std::string, std::string>
step_segments(std::string_view output, bool upgrade, bool finished) {
	std::map<std::string, std::string> segments;
	std::optional<std::string> open; // the revision whose step runs up to the next `-- Running` line
	std::size_t begin = 0, pos = 0;
	while (pos < output.size()) {
		std::size_t end = output.find('\n', pos);
		std::size_t next = end == std::string_view::npos ? output.size() : end + 1;
		if (auto line = running_line(output.substr(pos, next - pos))) {
			if (open)
				segments.emplace(*open, std::string(output.substr(begin, pos - begin)));
			open.reset();
			const std::vector<std::string> &side = upgrade ? line->to : line->from;
			if (line->direction == (upgrade ? "upgrade" : "downgrade") && side.size() == 1)
				open = side[0];
			begin = next;
		}
		pos = next;
	}
	if (open && finished) // the last step is whole only when Alembic finished
		segments.emplace(*open, std::string(output.substr(begin)));
	return segments;
}

std::optional<std::string>
step_segment(std::string_view output, bool upgrade, std::string_view revision) {
	auto segments = step_segments(output, upgrade, true);
	auto it = segments.find(std::string(revision));
	if (it == segments.end())
		return std::nullopt;
	return it->second;
}

Rendered
strip_bookkeeping(std::string_view segment, std::string_view version_table) {
	Rendered r;
	const std::string source(segment);
	PgQueryParseResult result = pg_query_parse(source.c_str());
	if (result.error) {
		const int pos = result.error->cursorpos;
		const std::size_t at = pos > 0 ? migrate::utf8_offset(source, pos - 1) : source.size();
		const char c = at < source.size() ? source[at] : '\0';
		std::string reason = result.error->message ? result.error->message : "syntax error";
		pg_query_free_parse_result(result);
		if (c == ':' || c == '%')
			r.problem = fmt::format("the SQL holds a bind parameter that Python fills in at run time ({} at line {})",
			                        reason, migrate::lines_before_byte(source, at) + 1);
		else
			r.problem = fmt::format("the SQL does not parse ({} at line {})", reason,
			                        migrate::lines_before_byte(source, std::min(at, source.size())) + 1);
		return r;
	}
	const json tree = json::parse(result.parse_tree ? result.parse_tree : "{}", nullptr, false);
	pg_query_free_parse_result(result);
	const json stmts = tree.is_object() && tree.contains("stmts") ? tree["stmts"] : json::array();
	for (const auto &raw : stmts) {
		const json stmt = raw.value("stmt", json());
		auto [kind, node] = statement_node(stmt);
		if (node && is_bookkeeping(kind, *node, version_table))
			continue;
		if (has_param_ref(stmt)) {
			r.problem = "the SQL holds a bind parameter ($n) that Python fills in at run time";
			r.sql.clear();
			return r;
		}
		const std::size_t begin = std::min<std::size_t>(raw.value("stmt_location", 0), source.size());
		const std::size_t length = raw.value("stmt_len", 0);
		std::size_t end = length > 0 ? std::min(begin + length, source.size()) : source.size();
		std::size_t first = migrate::skip_blank(source, begin, end);
		while (end > first && (source[end - 1] == ';' || std::isspace(static_cast<unsigned char>(source[end - 1]))))
			--end;
		if (first >= end)
			continue;
		if (!r.sql.empty())
			r.sql += '\n';
		r.sql += source.substr(first, end - first) + ";\n";
	}
	return r;
}

NewRevision
to_new_revision(const ScriptRevision &rev, const Rendered &upgrade, const Rendered &downgrade,
                std::string_view shown_path) {
	NewRevision n;
	n.id = rev.id;
	n.down_revisions = rev.down_revisions;
	n.branch_labels = rev.branch_labels;
	n.depends_on = rev.depends_on;
	n.message = rev.message;
	const std::string where = migrate::state::comment_text(shown_path);
	if (!upgrade.problem.empty()) {
		// Comments only: the unfilled upgrade section that `upgrade` refuses to apply.
		n.upgrade_sql = fmt::format("-- pgmigrate import: Alembic could not render this upgrade as SQL offline:\n");
		for (const auto &line : comment_lines(upgrade.problem))
			n.upgrade_sql += "-- | " + line + "\n";
		n.upgrade_sql += fmt::format("-- Write here the SQL that upgrade() in {} runs; until then pgmigrate refuses to "
		                             "apply this revision.\n",
		                             where);
		// A merge may have an empty upgrade (it only joins branches), so comments alone would make
		// it a silent no-op: a statement that fails stands in for the unfilled section.
		if (rev.down_revisions.size() > 1)
			n.upgrade_sql += fmt::format("DO $pgmigrate_import$ BEGIN RAISE EXCEPTION 'revision {} is not filled in: "
			                             "Alembic could not render its upgrade offline'; END $pgmigrate_import$;\n",
			                             rev.id);
	} else if (upgrade.sql.empty() && rev.down_revisions.size() < 2) {
		n.upgrade_sql = "-- Alembic's upgrade() of this revision renders no SQL.\nSELECT;\n";
	} else {
		n.upgrade_sql = upgrade.sql;
	}
	if (!downgrade.problem.empty()) {
		// No downgrade section: a downgrade that must cross this revision fails before anything runs.
		n.irreversible = true;
		n.upgrade_sql += "\n-- pgmigrate import: Alembic could not render the downgrade as SQL offline, so this "
		                 "revision has no\n-- downgrade section (irreversible):\n";
		for (const auto &line : comment_lines(downgrade.problem))
			n.upgrade_sql += "-- | " + line + "\n";
		n.upgrade_sql +=
		    fmt::format("-- To make it reversible, add '-- migrate:downgrade' with the SQL that downgrade() "
		                "in {} runs.\n",
		                where);
	} else {
		n.downgrade_sql =
		    downgrade.sql.empty() ? "-- Alembic's downgrade() of this revision renders no SQL.\n" : downgrade.sql;
	}
	return n;
}

} // namespace pgmigrate::alembic_import
