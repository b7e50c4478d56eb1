// SPEC section 2: target text -> revisions, with Alembic's semantics and error texts
// (alembic/script/revision.py: _resolve_revision_number, _revision_for_ident, _walk,
// _parse_upgrade_target, _parse_downgrade_target).
//
// Error wording. Every "the thing you named does not exist" failure is Alembic's CLI message
// "Can't locate revision identified by '<x>'" (SQLSTATE 42704), with the specific reason in
// DETAIL: "Multiple revisions start with 'ae1': 'ae1027', 'ae10bb'" for an ambiguous prefix,
// "No such branch: 'x'" for an unknown branch part of `x@...`. A revision that exists but is not
// in the named branch keeps its own message, "Revision <r> is not a member of branch '<b>'"
// (22023), because "can't locate" would be misleading there.
//
// Choices where Alembic is silent or guesses:
// - Syntax is checked by a small hand parser (no regex, linear in the input): `[branch@]body`
//   where body is `word`, `word+N`, `word-N`, `+N` or `-N`, word = [A-Za-z0-9_]+. Anything else
//   (empty, `abc@`, `@head`, `--`, `a@b@c`, `1+2+3`) is "Invalid revision identifier" (22023).
//   Alembic's regex also matches a prefix of the text and silently drops the rest; we do not.
// - `+0` / `-0` relative to the current version name the current version rows: a no-op for
//   both upgrade and downgrade (Alembic raises "Relative revision +0 didn't produce 0 migrations").
//   `<rev>+0` is <rev>.
// - `-N` (downgrade) with several version rows and no branch is an error naming the heads
//   (SPEC section 2); Alembic warns and picks the first row.
// - `base-N` walks off the graph ("Walked too far"); Alembic walks down from the heads.
// - `<rev>+N` that walks past a head raises "Walked too far" for upgrades too (Alembic crashes).
// - A downgrade names a single revision: `heads` with several heads raises the multiple-heads
//   error, like Alembic's get_revision.
// - In `label@<sym>+N` the start <sym> must be in the label's lineage (Alembic only checks that
//   for `-N`).
#include "migrate/target.hpp"

#include "migrate/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace migrate {

namespace {

using Index = RevisionGraph::Index;

constexpr const char *target_forms_hint =
    "Use a revision id or a unique prefix of one, a branch label, head, heads, base, +N, -N, "
    "<rev>+N, <rev>-N, <label>@head, <label>@<rev> or <label>@-N.";

// A word of a target: the characters of a revision id (migration_file.hpp), any length (a longer
// word names no revision, which resolving reports).
bool
is_word(std::string_view s) {
	return !s.empty() && std::all_of(s.begin(), s.end(), is_id_char);
}

// User text echoed into a message: long input is cut (at a UTF-8 boundary) so that a 10 KB
// argument does not become a 10 KB error.
std::string
shown(std::string_view s) {
	constexpr std::size_t limit = 200;
	if (s.size() <= limit)
		return std::string(s);
	std::size_t cut = limit;
	while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
		--cut;
	return fmt::format("{}...", s.substr(0, cut));
}

std::string
join_ids(const RevisionGraph &graph, RevisionGraph::Indices set) {
	std::string out;
	for (const std::string &id : graph.ids(set)) {
		if (!out.empty())
			out += ", ";
		out += id;
	}
	return out;
}

[[noreturn]] void
invalid(std::string_view text) {
	throw Error(sqlstate::invalid_parameter_value, fmt::format("Invalid revision identifier '{}'", shown(text)), {},
	            target_forms_hint);
}

} // namespace

TargetSyntax
parse_target(std::string_view text) {
	TargetSyntax p;
	std::string_view rest = text;
	if (std::size_t at = text.find('@'); at != std::string_view::npos) {
		p.branch = text.substr(0, at);
		rest = text.substr(at + 1);
		if (!is_word(*p.branch))
			invalid(text);
	}
	std::size_t sign = rest.find_first_of("+-");
	if (sign == std::string_view::npos) {
		if (!is_word(rest))
			invalid(text);
		p.symbol = rest;
		return p;
	}
	p.relative = true;
	p.symbol = rest.substr(0, sign);
	p.sign = rest[sign];
	p.digits = rest.substr(sign + 1);
	if (!p.symbol.empty() && !is_word(p.symbol))
		invalid(text);
	if (p.digits.empty() || !std::all_of(p.digits.begin(), p.digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
		invalid(text);
	for (char c : p.digits) {
		std::uint64_t d = static_cast<std::uint64_t>(c - '0');
		if (p.steps > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
			p.steps = std::numeric_limits<std::uint64_t>::max();
			break;
		}
		p.steps = p.steps * 10 + d;
	}
	return p;
}

namespace {

// "Relative revision -1 didn't produce 1 migrations" (the count without leading zeros).
[[noreturn]] void
didnt_produce(const TargetSyntax &p) {
	std::string_view count = p.digits;
	while (count.size() > 1 && count.front() == '0')
		count.remove_prefix(1);
	throw Error(sqlstate::invalid_parameter_value, fmt::format("Relative revision {}{} didn't produce {} migrations",
	                                                           p.sign, shown(p.digits), shown(count)));
}

enum class Wording { target, stamp };

class Resolver {
public:
	Resolver(const RevisionGraph &graph, std::string_view text, Wording wording)
	    : graph_(graph), text_(text), wording_(wording) {}

	[[noreturn]] void cant_locate(std::string_view arg, std::string detail = {}) const {
		throw Error(sqlstate::undefined_object, fmt::format("Can't locate revision identified by '{}'", shown(arg)),
		            std::move(detail));
	}

	[[noreturn]] void multiple_heads(const std::vector<Index> &heads) const {
		std::string detail = fmt::format("Heads: {}.", join_ids(graph_, heads));
		if (wording_ == Wording::stamp)
			throw Error(sqlstate::invalid_parameter_value,
			            "Multiple heads are present; please specify a single target revision", detail);
		throw Error(sqlstate::invalid_parameter_value,
		            fmt::format("Multiple head revisions are present for given argument '{}'; please specify a "
		                        "specific target revision, '<branchname>@head' to narrow to a specific head, or "
		                        "'heads' for all heads",
		                        shown(text_)),
		            detail);
	}

	// The branch part of `x@...`: a label, a revision id, or a unique prefix of either.
	Index branch(std::string_view label) const {
		if (auto l = graph_.find_label(label))
			return *l;
		if (auto r = graph_.find(label))
			return *r;
		std::optional<Index> found;
		for (const auto &m : graph_.match_prefix(label)) {
			if (found && *found != m.revision)
				cant_locate(label, fmt::format("No such branch: '{}'", shown(label)));
			found = m.revision;
		}
		if (!found)
			cant_locate(label, fmt::format("No such branch: '{}'", shown(label)));
		return *found;
	}

	// An id, a label or a unique prefix of either; with a branch, candidates outside its lineage
	// are ignored and the result must belong to it.
	Index ident(std::string_view id, const std::vector<bool> *lineage, std::string_view branch_text) const {
		std::optional<Index> found = graph_.find_label(id);
		if (!found)
			found = graph_.find(id);
		if (!found) {
			std::vector<RevisionGraph::PrefixMatch> matches = graph_.match_prefix(id);
			if (lineage)
				std::erase_if(matches, [&](const auto &m) { return !(*lineage)[m.revision]; });
			bool several = false;
			for (const auto &m : matches)
				several = several || m.revision != matches.front().revision;
			if (matches.empty())
				cant_locate(id);
			if (several) {
				constexpr std::size_t listed = 10;
				std::string list;
				for (std::size_t k = 0; k < matches.size() && k < listed; ++k)
					list += fmt::format("{}'{}'", k ? ", " : "", matches[k].key);
				if (matches.size() > listed)
					list += fmt::format(", ... ({} in all)", matches.size());
				cant_locate(id, fmt::format("Multiple revisions start with '{}': {}", shown(id), list));
			}
			found = matches.front().revision;
		}
		if (lineage && !(*lineage)[*found])
			throw Error(sqlstate::invalid_parameter_value, fmt::format("Revision {} is not a member of branch '{}'",
			                                                           graph_[*found].id, shown(branch_text)));
		return *found;
	}

	// A symbol (head, heads, base, id, prefix, label), optionally within a branch.
	Target plain(std::optional<std::string_view> branch_text, std::string_view symbol) const {
		Target t;
		std::vector<bool> lineage;
		if (branch_text) {
			t.branch = branch(*branch_text);
			lineage = graph_.lineage(*t.branch);
		}
		auto in_lineage = [&](std::vector<Index> set) {
			if (t.branch)
				std::erase_if(set, [&](Index i) { return !lineage[i]; });
			return set;
		};
		if (symbol == "heads") {
			// Alembic: the real heads (no dependents either); within a branch, its versioned heads.
			t.revisions = t.branch ? in_lineage(graph_.heads()) : graph_.real_heads();
		} else if (symbol == "head") {
			t.revisions = in_lineage(graph_.heads());
			if (t.revisions.size() > 1)
				multiple_heads(t.revisions);
		} else if (symbol != "base") {
			t.revisions = {ident(symbol, t.branch ? &lineage : nullptr, branch_text.value_or(""))};
		}
		return t;
	}

	// A symbol that must name at most one revision (nullopt: base).
	std::optional<Index> single(std::optional<std::string_view> branch_text, std::string_view symbol) const {
		Target t = plain(branch_text, symbol);
		if (t.revisions.size() > 1)
			multiple_heads(t.revisions);
		if (t.revisions.empty())
			return std::nullopt;
		return t.revisions.front();
	}

	[[noreturn]] void ambiguous_walk(std::string detail) const {
		throw Error(sqlstate::invalid_parameter_value, "Ambiguous walk", std::move(detail),
		            "Name the target revision explicitly, or use '<branchname>@+N' / '<branchname>@-N'.");
	}

	// Alembic's _walk upwards: each step takes the only child (the only base from base), within
	// `lineage` when given. The outer nullopt: the walk left the graph. The inner: base.
	std::optional<std::optional<Index>> walk_up(std::optional<Index> at, std::uint64_t steps,
	                                            const std::vector<bool> *lineage) const {
		for (std::uint64_t s = 0; s < steps; ++s) {
			std::vector<Index> next;
			if (at)
				next.assign(graph_.children(*at).begin(), graph_.children(*at).end());
			else
				next = graph_.bases();
			if (lineage)
				std::erase_if(next, [&](Index i) { return !(*lineage)[i]; });
			if (next.empty())
				return std::nullopt;
			if (next.size() > 1)
				ambiguous_walk(
				    at ? fmt::format("Revision {} has several children: {}.", graph_[*at].id, join_ids(graph_, next))
				       : fmt::format("There are several bases: {}.", join_ids(graph_, next)));
			at = next.front();
		}
		return at;
	}

	// Downwards: each step takes the only parent; from a root the step lands on base, and a
	// step below base leaves the graph.
	std::optional<std::optional<Index>> walk_down(std::optional<Index> at, std::uint64_t steps) const {
		for (std::uint64_t s = 0; s < steps; ++s) {
			if (!at)
				return std::nullopt;
			const RevisionGraph::Indices parents = graph_.parents(*at);
			if (parents.size() > 1)
				ambiguous_walk(fmt::format("Revision {} is a merge of {}.", graph_[*at].id, join_ids(graph_, parents)));
			at = parents.empty() ? std::nullopt : std::optional<Index>(parents.front());
		}
		return at;
	}

	[[noreturn]] void walked_too_far(const TargetSyntax &p, std::optional<Index> start) const {
		throw Error(sqlstate::invalid_parameter_value, "Walked too far",
		            fmt::format("'{}': {} {} step(s) from {} leaves the revision graph.", shown(text_),
		                        p.sign == '+' ? "up" : "down", shown(p.digits), start ? graph_[*start].id : "base"));
	}

private:
	const RevisionGraph &graph_;
	std::string_view text_;
	Wording wording_;
};

// Upgrade `[label@]+N`: where the walk starts (Alembic _parse_upgrade_target).
std::optional<Index>
upgrade_start(const RevisionGraph &graph, const std::vector<Index> &rows, const std::vector<bool> *lineage) {
	std::vector<Index> start = rows;
	if (lineage) {
		std::erase_if(start, [&](Index i) { return !(*lineage)[i]; });
		if (start.empty()) {
			// The branch has no version row of its own: start from the tips of its applied part.
			std::vector<bool> applied = graph.ancestors(rows, true);
			std::vector<bool> active(graph.size(), false), below(graph.size(), false);
			for (Index i = 0; i < graph.size(); ++i)
				active[i] = applied[i] && (*lineage)[i];
			for (Index i = 0; i < graph.size(); ++i)
				if (active[i])
					for (Index p : graph.predecessors(i))
						below[p] = true;
			for (Index i : graph.topological_order())
				if (active[i] && !below[i])
					start.push_back(i);
		}
	}
	if (start.size() > 1)
		throw Error(sqlstate::invalid_parameter_value, "Ambiguous upgrade from multiple current revisions",
		            fmt::format("Current revisions: {}.", join_ids(graph, start)),
		            "Use '<branchname>@+N' to upgrade one branch, or name the target revision.");
	if (start.empty())
		return std::nullopt;
	return start.front();
}

// Downgrade `label@-N`: the current revision of that branch (its version row, or else the tip of
// its applied part, as Alembic's _get_all_current does).
Index
downgrade_start(const RevisionGraph &graph, const std::vector<Index> &rows, const std::vector<bool> &lineage,
                const TargetSyntax &p, std::string_view text) {
	std::vector<Index> start = rows;
	std::erase_if(start, [&](Index i) { return !lineage[i]; });
	if (start.empty()) {
		std::vector<bool> applied = graph.ancestors(rows, true);
		for (Index i : graph.topological_order()) {
			if (!applied[i] || !lineage[i])
				continue;
			bool tip = true;
			for (Index c : graph.children(i))
				tip = tip && !applied[c];
			if (tip)
				start.push_back(i);
		}
	}
	if (start.empty())
		didnt_produce(p);
	if (start.size() > 1)
		throw Error(sqlstate::invalid_parameter_value,
		            fmt::format("downgrade {} from multiple heads is ambiguous; current heads of '{}': {}", shown(text),
		                        shown(*p.branch), join_ids(graph, start)),
		            {},
		            fmt::format("Name an explicit target revision, or use '<head>@-{}' with one of those heads.",
		                        shown(p.digits)));
	return start.front();
}

} // namespace

Target
resolve_target(const RevisionGraph &graph, const std::vector<Index> &current, std::string_view text,
               Direction direction) {
	TargetSyntax p = parse_target(text);
	Resolver resolver(graph, text, Wording::target);
	if (!p.relative) {
		Target t = resolver.plain(p.branch, p.symbol);
		if (direction == Direction::downgrade && t.revisions.size() > 1)
			resolver.multiple_heads(t.revisions);
		return t;
	}

	std::vector<Index> rows = graph.distinct(current);
	Target t;
	std::vector<bool> lineage;
	if (p.branch) {
		t.branch = resolver.branch(*p.branch);
		lineage = graph.lineage(*t.branch);
	}
	const std::vector<bool> *in_branch = p.branch ? &lineage : nullptr;
	auto land = [&](std::optional<Index> at) {
		if (at)
			t.revisions = {*at};
		return t;
	};

	if (!p.symbol.empty()) {
		// Relative to a named point: <sym>+N, <sym>-N, label@<sym>+N, head-N, base+N.
		std::optional<Index> start = resolver.single(p.branch, p.symbol);
		auto end = p.sign == '+' ? resolver.walk_up(start, p.steps, in_branch) : resolver.walk_down(start, p.steps);
		if (!end)
			resolver.walked_too_far(p, start);
		return land(*end);
	}

	// Relative to the current version rows.
	if (p.steps == 0) // +0 / -0: where we are; a no-op for upgrade and downgrade alike.
		return Target{rows, std::nullopt};
	if (direction == Direction::upgrade) {
		if (p.sign == '-')
			didnt_produce(p);
		auto end = resolver.walk_up(upgrade_start(graph, rows, in_branch), p.steps, in_branch);
		if (!end)
			didnt_produce(p);
		return land(*end);
	}
	if (p.sign == '+')
		didnt_produce(p);
	Index start;
	if (p.branch) {
		start = downgrade_start(graph, rows, lineage, p, text);
	} else {
		if (rows.empty())
			didnt_produce(p);
		if (rows.size() > 1) {
			std::string example = graph.ids(rows).front();
			throw Error(sqlstate::invalid_parameter_value,
			            fmt::format("downgrade {} from multiple heads is ambiguous; current heads: {}", shown(text),
			                        join_ids(graph, rows)),
			            {},
			            fmt::format("Use '<branchname>@{}' to downgrade one branch (for example '{}@{}'), or name "
			                        "an explicit target revision.",
			                        shown(text), example, shown(text)));
		}
		start = rows.front();
		t.branch = start; // as Alembic: the walk and the downgrade stay in this head's lineage
	}
	auto end = resolver.walk_down(start, p.steps);
	if (!end)
		didnt_produce(p);
	return land(*end);
}

std::vector<Index>
resolve_revisions(const RevisionGraph &graph, std::string_view text) {
	TargetSyntax p = parse_target(text);
	if (p.relative)
		throw Error(sqlstate::invalid_parameter_value,
		            fmt::format("Relative revision identifier '{}' is not allowed here", shown(text)), {},
		            "Name a revision, a branch label, head, heads, base or <label>@head.");
	return Resolver(graph, text, Wording::target).plain(p.branch, p.symbol).revisions;
}

Target
resolve_stamp_target(const RevisionGraph &graph, std::string_view text) {
	TargetSyntax p = parse_target(text);
	if (p.relative)
		throw Error(sqlstate::invalid_parameter_value,
		            fmt::format("Relative revision identifier '{}' is not allowed here", shown(text)), {},
		            "stamp takes revisions, branch labels, head, heads, base or <label>@head.");
	return Resolver(graph, text, Wording::stamp).plain(p.branch, p.symbol);
}

std::vector<Index>
resolve_version_rows(const RevisionGraph &graph, const std::vector<std::string> &rows) {
	std::vector<Index> out;
	std::vector<bool> seen(graph.size(), false);
	for (const std::string &row : rows) {
		std::optional<Index> i = graph.find(row);
		if (!i)
			throw Error(sqlstate::undefined_object, fmt::format("Can't locate revision identified by '{}'", shown(row)),
			            "The version table names a revision that is not among the known revisions.",
			            "Add the missing revision, or use stamp with purge to reset the version.");
		if (!seen[*i]) {
			seen[*i] = true;
			out.push_back(*i);
		}
	}
	return out;
}

std::vector<std::string>
split_revision_list(std::string_view text) {
	std::vector<std::string> out;
	std::string current;
	for (char c : text) {
		if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (!current.empty())
				out.push_back(std::move(current));
			current.clear();
		} else {
			current += c;
		}
	}
	if (!current.empty())
		out.push_back(std::move(current));
	return out;
}

} // namespace migrate
