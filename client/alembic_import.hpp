// `pgmigrate import alembic`, its pure parts: Alembic's revision graph (as the graph snippet
// reports it) mapped to migration files, and Alembic's offline SQL (`alembic upgrade A:B --sql`)
// cut to one revision's step, without Alembic's own version bookkeeping.
#pragma once

#include "revision_file.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgmigrate::alembic_import {

// Python run by the interpreter that runs Alembic: prints the revisions as JSON, base first
// (alembic.script.ScriptDirectory, the map Alembic itself builds; env.py is not run). argv[1]:
// the alembic.ini path.
extern const char *const graph_snippet;

// One revision as Alembic's ScriptDirectory reports it.
struct ScriptRevision {
	std::string id;
	std::vector<std::string> down_revisions; // a merge: several, in the script's order
	std::vector<std::string> branch_labels;  // the script's own (not the ones Alembic propagates)
	std::vector<std::string> depends_on;     // resolved to revision ids
	std::string message;                     // Script.doc: the docstring's first paragraph
	std::string path;                        // the .py file
};

// The graph snippet's output -> revisions, base first. Throws Failure for output that is not the
// snippet's, and for an id or label migrate cannot hold (naming the revision and its file).
std::vector<ScriptRevision> parse_graph(std::string_view json);

// The non-empty lines of a child's output (stderr, a reason), without their newlines.
std::vector<std::string_view> output_lines(std::string_view text);

// The starting point of `alembic upgrade A:B --sql` for `rev` (its first down revision, or base).
std::string range_start(const ScriptRevision &rev);

// The part of Alembic's offline output that is `revision`'s own step: from the line
// `-- Running upgrade <parents> -> <revision>` (downgrade: `-- Running downgrade <revision> -> ...`)
// to the next `-- Running` line or the end. Alembic renders A:B with every step that B needs
// from A: a merge's other parents, a depends_on's branch. nullopt when there is no such step.
std::optional<std::string> step_segment(std::string_view output, bool upgrade, std::string_view revision);

// Every step of one run's output, by revision (the `to` of an upgrade step, the `from` of a
// downgrade step; merge steps of a downgrade, which lead to several revisions, count too). When
// Alembic did not finish (`finished` false), its last step is cut short and left out.
std::map<std::string, std::string> step_segments(std::string_view output, bool upgrade, bool finished);

struct Rendered {
	std::string sql;     // the statements, each ending with ";\n", separated by a blank line
	std::string problem; // not empty: the SQL cannot stand for the revision (a bind parameter...)
};

// Parses `segment` with PostgreSQL's parser (libpg_query) and drops Alembic's bookkeeping: BEGIN
// and COMMIT, and CREATE TABLE / INSERT / UPDATE / DELETE / DROP TABLE on `version_table`. SQL
// that does not parse, or holds a bind parameter, is a problem, not a guess.
Rendered strip_bookkeeping(std::string_view segment, std::string_view version_table = "alembic_version");

// The migration file for `rev`: Alembic's ids, parents, labels, depends_on and message, with the
// rendered sections. A `problem` makes its section refuse to run: an upgrade becomes comments only
// (the unfilled section `upgrade` refuses), a downgrade is left out (irreversible).
NewRevision to_new_revision(const ScriptRevision &rev, const Rendered &upgrade, const Rendered &downgrade,
                            std::string_view shown_path);

} // namespace pgmigrate::alembic_import
