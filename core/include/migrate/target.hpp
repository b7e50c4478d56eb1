// SPEC section 2: a target string -> the set of revisions it names, with Alembic's errors.
#pragma once

#include "migrate/revision_graph.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace migrate {

enum class Direction { upgrade, downgrade };

struct Target {
	// Empty: base. For a downgrade at most one revision, except `+0`/`-0` (the current version
	// rows: a no-op).
	std::vector<RevisionGraph::Index> revisions;
	// `label@...`: the lineage the command is restricted to (a downgrade leaves other branches alone).
	std::optional<RevisionGraph::Index> branch;
};

// A target's syntax: `[branch@]symbol` or `[branch@][symbol](+|-)N`, where branch and symbol are
// words of [A-Za-z0-9_]. The views point into the parsed text.
struct TargetSyntax {
	std::optional<std::string_view> branch;
	std::string_view symbol; // empty only for a relative target without a symbol (`+1`, `b@-1`)
	bool relative = false;
	char sign = '+';
	std::string_view digits;
	std::uint64_t steps = 0; // saturating: a walk ends at the graph's edge long before

	// `+N`, `-N`, `label@+N`, `label@-N`: relative to the database's current version rows.
	bool relative_to_current() const noexcept { return relative && symbol.empty(); }
};

// Parses a target without resolving it; anything else is "Invalid revision identifier" (22023).
TargetSyntax parse_target(std::string_view text);

// Resolves `text` for an upgrade or downgrade from the applied `current` version rows.
// Handles head, heads, base, ids and unique prefixes, labels, +N/-N, <sym>+N/-N, label@sym.
Target resolve_target(const RevisionGraph &graph, const std::vector<RevisionGraph::Index> &current,
                      std::string_view text, Direction direction);

// Resolves a plain revision reference (id, prefix, label, head, heads, base, label@head) without
// relative steps: for show, stamp and history ranges.
std::vector<RevisionGraph::Index> resolve_revisions(const RevisionGraph &graph, std::string_view text);

// For stamp: like resolve_revisions, but keeps the branch of `label@...` (`label@base` clears
// only that lineage) and words the several-heads error as Alembic's stamp does:
// "Multiple heads are present; please specify a single target revision".
Target resolve_stamp_target(const RevisionGraph &graph, std::string_view text);

// The revision rows stored as applied, checked against the graph: an unknown id raises
// Alembic's "Can't locate revision identified by '<id>'".
std::vector<RevisionGraph::Index> resolve_version_rows(const RevisionGraph &graph,
                                                       const std::vector<std::string> &rows);

// `a, b c` -> {a, b, c}: several revisions in one argument, separated by commas or whitespace, as
// migrate_stamp and migrate_remove (and pgmigrate for them) read them.
std::vector<std::string> split_revision_list(std::string_view text);

} // namespace migrate
