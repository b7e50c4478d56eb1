// Planning: which revisions an upgrade, downgrade or stamp touches, in which order, and how the
// version rows change after each step.
//
// Version rows are always the maximal elements of the applied set (through parents and
// dependencies): a revision implied by a depends_on of a stored row is not stored (Alembic's
// HeadMaintainer gives the same rows). The applied set is the ancestor closure of the rows.
//
// Downgrade to X (Alembic _collect_downgrade_revisions): the applied descendants (through parents
// and dependencies) of X's children; with `label@X`, only of the children in the label's lineage
// (Alembic keeps only children below the label's revision, and fails when the label sits at or
// below X, e.g. on the root; ancestors-or-descendants gives the obvious answer there).
// `base`: the descendants of every base; `label@base`: of the bases in the label's lineage. A revision that depends on X directly but does not descend
// from a child of X stays: X stays applied, so its dependency still holds (Alembic agrees).
// X must be applied ("Destination X is not a valid downgrade target from current head(s)");
// when nothing is above it the plan is empty. We differ from Alembic only there: an applied X
// that is not a version row (implied through depends_on) is a no-op, not "Nothing to drop".
#include "migrate/plan.hpp"

#include "migrate/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>

namespace migrate {

namespace {

using Index = RevisionGraph::Index;

std::vector<bool>
mask_of(const RevisionGraph &graph, const std::vector<Index> &set) {
	std::vector<bool> mask(graph.size(), false);
	for (Index i : set)
		mask[i] = true;
	return mask;
}

std::string
parents_text(const RevisionGraph &graph, Index i) {
	std::string out;
	for (Index p : graph.parents(i)) {
		if (!out.empty())
			out += ", ";
		out += graph[p].id;
	}
	return out;
}

} // namespace

Plan
plan_upgrade(const RevisionGraph &graph, const std::vector<Index> &current, std::string_view target) {
	Target t = resolve_target(graph, current, target, Direction::upgrade);
	std::vector<Index> rows = graph.distinct(current);
	std::vector<bool> applied = graph.ancestors(rows, true);
	std::vector<bool> needed = graph.ancestors(t.revisions, true);
	std::vector<bool> is_row = mask_of(graph, rows);

	Plan plan;
	std::size_t count = 0;
	for (Index i = 0; i < graph.size(); ++i)
		count += needed[i] && !applied[i] ? 1 : 0;
	plan.steps.reserve(count);
	for (Index i : graph.topological_order()) {
		if (!needed[i] || applied[i])
			continue;
		Step step{Direction::upgrade, i, {}, {}};
		// Every predecessor is applied by now; those that were maximal stop being so.
		for (Index p : graph.predecessors(i))
			if (is_row[p]) {
				is_row[p] = false;
				step.version_delete.push_back(graph[p].id);
			}
		is_row[i] = true;
		step.version_insert.push_back(graph[i].id);
		plan.steps.push_back(std::move(step));
	}
	return plan;
}

Plan
plan_downgrade(const RevisionGraph &graph, const std::vector<Index> &current, std::string_view target) {
	Target t = resolve_target(graph, current, target, Direction::downgrade);
	std::vector<Index> rows = graph.distinct(current);
	std::vector<bool> applied = graph.ancestors(rows, true);

	// The roots of what goes: the bases (within the branch for label@base), or X's children.
	std::vector<Index> roots;
	if (t.revisions.empty()) {
		roots = graph.bases();
		if (t.branch) {
			std::vector<bool> lineage = graph.lineage(*t.branch);
			std::erase_if(roots, [&](Index i) { return !lineage[i]; });
		}
	} else {
		for (Index x : t.revisions) {
			if (!applied[x])
				throw Error(sqlstate::invalid_parameter_value,
				            fmt::format("Destination {} is not a valid downgrade target from current head(s)",
				                        target.size() > 200 ? graph[x].id : std::string(target)),
				            fmt::format("Revision {} is not applied.", graph[x].id));
			for (Index c : graph.children(x))
				roots.push_back(c);
		}
		if (t.branch && roots.size() > 1) {
			std::vector<bool> lineage = graph.lineage(*t.branch);
			std::erase_if(roots, [&](Index i) { return !lineage[i]; });
			if (roots.empty()) // cannot happen: X is in the branch's lineage, so one child is too
				throw Error(
				    sqlstate::invalid_parameter_value, "Not a valid downgrade target from current heads",
				    fmt::format("No child of {} leads to '{}'.", graph[t.revisions.front()].id, graph[*t.branch].id));
		}
	}
	std::vector<bool> drop = graph.descendants(roots, true);
	std::vector<bool> keep = graph.ancestors(t.revisions, true); // only matters for `-0` with several rows

	std::vector<Index> order; // children first
	const auto &topo = graph.topological_order();
	for (auto it = topo.rbegin(); it != topo.rend(); ++it)
		if (drop[*it] && applied[*it] && !keep[*it])
			order.push_back(*it);

	std::vector<Index> irreversible;
	for (Index i : order)
		if (!graph[i].downgrade.present)
			irreversible.push_back(i);
	if (!irreversible.empty()) {
		std::string detail;
		if (irreversible.size() > 1) {
			std::string list;
			for (Index i : irreversible)
				list += fmt::format("{}{}", list.empty() ? "" : ", ", graph[i].id);
			detail = fmt::format("Revisions without a downgrade section in this downgrade: {}.", list);
		}
		const Revision &r = graph[irreversible.front()];
		throw Error(sqlstate::not_in_prerequisite_state,
		            fmt::format("Revision {} has no downgrade section; cannot downgrade past it", r.id), detail,
		            fmt::format("Revision {}{} is irreversible: downgrade to it or to a revision above it, or use "
		                        "stamp to set the version without running SQL.",
		                        r.id, r.filename.empty() ? "" : fmt::format(" ({})", r.filename)));
	}

	// Bookkeeping: a predecessor becomes a version row when its last applied successor goes.
	std::vector<std::uint32_t> above(graph.size(), 0);
	for (Index i = 0; i < graph.size(); ++i)
		if (applied[i])
			for (Index s : graph.successors(i))
				above[i] += applied[s] ? 1 : 0;
	std::vector<bool> is_row = mask_of(graph, rows);

	Plan plan;
	plan.steps.reserve(order.size());
	for (Index r : order) {
		Step step{Direction::downgrade, r, {}, {}};
		if (is_row[r]) {
			is_row[r] = false;
			step.version_delete.push_back(graph[r].id);
		}
		applied[r] = false;
		for (Index p : graph.predecessors(r))
			if (--above[p] == 0 && applied[p] && !is_row[p]) {
				is_row[p] = true;
				step.version_insert.push_back(graph[p].id);
			}
		plan.steps.push_back(std::move(step));
	}
	return plan;
}

std::vector<std::string>
plan_stamp(const RevisionGraph &graph, const std::vector<Index> &current, const std::vector<std::string> &targets,
           bool purge) {
	std::vector<Index> rows = purge ? std::vector<Index>{} : graph.distinct(current);
	if (targets.size() > 1) {
		// Several targets: exactly those revisions (reduced to the maximal ones).
		std::vector<Index> all;
		for (const std::string &text : targets)
			for (Index i : resolve_stamp_target(graph, text).revisions)
				all.push_back(i);
		return graph.ids(graph.maximal(all));
	}

	// One target: the rows in its lineage (its ancestors and descendants, through parents and
	// dependencies) give way to it; rows of unrelated branches stay. `base` clears every row,
	// `label@base` the rows in that label's lineage.
	Target t = targets.empty() ? Target{} : resolve_stamp_target(graph, targets.front());
	std::vector<Index> around = t.revisions;
	if (t.revisions.empty() && t.branch)
		around = {*t.branch};
	std::vector<bool> lineage = graph.ancestors(around, true);
	std::vector<bool> down = graph.descendants(around, true);
	std::vector<Index> result;
	for (Index r : rows)
		if (!(t.revisions.empty() && !t.branch) && !lineage[r] && !down[r])
			result.push_back(r);
	for (Index i : t.revisions)
		result.push_back(i);
	return graph.ids(graph.maximal(result));
}

std::string
step_from(const RevisionGraph &graph, const Step &step) {
	return step.direction == Direction::upgrade ? parents_text(graph, step.revision) : graph[step.revision].id;
}

std::string
step_to(const RevisionGraph &graph, const Step &step) {
	return step.direction == Direction::upgrade ? graph[step.revision].id : parents_text(graph, step.revision);
}

std::string
running_line(Direction direction, std::string_view revision, std::string_view down_revision, std::string_view message) {
	const bool up = direction == Direction::upgrade;
	return fmt::format("Running {} {} -> {}, {}", up ? "upgrade" : "downgrade", up ? down_revision : revision,
	                   up ? revision : down_revision, message);
}

std::string
step_count(std::size_t step, std::size_t steps) {
	return fmt::format("step {} of {}", step, steps);
}

std::optional<StepCount>
parse_step_count(std::string_view detail) {
	StepCount c;
	auto number = [&](std::size_t &pos, std::size_t &out) {
		auto [end, ec] = std::from_chars(detail.data() + pos, detail.data() + detail.size(), out);
		if (ec != std::errc())
			return false;
		pos = static_cast<std::size_t>(end - detail.data());
		return true;
	};
	std::size_t pos = 5;
	if (!detail.starts_with("step ") || !number(pos, c.step) || detail.substr(pos, 4) != " of ")
		return std::nullopt;
	pos += 4;
	if (!number(pos, c.steps) || pos != detail.size())
		return std::nullopt;
	return c;
}

std::string
running_line(const RevisionGraph &graph, const Step &step) {
	const std::string parents = parents_text(graph, step.revision);
	return running_line(step.direction, graph[step.revision].id, parents, graph[step.revision].message);
}

} // namespace migrate
