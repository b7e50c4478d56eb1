// Planning: (graph, applied version rows, target) -> ordered steps with their version-row changes.
#pragma once

#include "migrate/target.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrate {

struct Step {
	Direction direction;
	RevisionGraph::Index revision;
	// Version-row bookkeeping after this step: rows removed, then rows added.
	std::vector<std::string> version_delete;
	std::vector<std::string> version_insert;
};

struct Plan {
	std::vector<Step> steps;
};

// Every revision in ancestors(target) not yet applied, parents first.
Plan plan_upgrade(const RevisionGraph &graph, const std::vector<RevisionGraph::Index> &current,
                  std::string_view target);

// Every applied revision above the target, children first. Fails before any step when one of
// them has no downgrade section.
Plan plan_downgrade(const RevisionGraph &graph, const std::vector<RevisionGraph::Index> &current,
                    std::string_view target);

// The version rows after a stamp. One target: Alembic's rules (replace the rows in its lineage,
// keep unrelated branches); several targets: exactly those revisions. `purge` starts from none.
std::vector<std::string> plan_stamp(const RevisionGraph &graph, const std::vector<RevisionGraph::Index> &current,
                                    const std::vector<std::string> &targets, bool purge);

// The "from -> to" labels Alembic prints: `001 -> 002`, ` -> 001` for a base, `a, b -> m` for a merge.
std::string step_from(const RevisionGraph &graph, const Step &step);
std::string step_to(const RevisionGraph &graph, const Step &step);

// A step's progress line in Alembic's words: "Running upgrade 001 -> 002, add agent capabilities",
// "Running downgrade 002 -> 001, ...". The runner's notice, the offline script's comment and
// pgmigrate's report of steps it did not see start all print it. `down_revision` is the
// revision's parents joined with ", " ("" for a root).
std::string running_line(Direction direction, std::string_view revision, std::string_view down_revision,
                         std::string_view message);
std::string running_line(const RevisionGraph &graph, const Step &step);

// A step's place in its plan, "step 3 of 40": the DETAIL of the extension's progress notice when
// the session sets `step_count_setting` to on (pgmigrate's [k/N] counter), read back by
// parse_step_count.
inline constexpr const char *step_count_setting = "migrate.step_count";
std::string step_count(std::size_t step, std::size_t steps);
struct StepCount {
	std::size_t step = 0, steps = 0;
};
std::optional<StepCount> parse_step_count(std::string_view detail);

} // namespace migrate
