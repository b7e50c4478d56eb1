// The difference between two schemas as ordered DDL steps, and the reviewable draft they make.
// The upgrade of a draft is diff(head, desired); its downgrade is diff(desired, head).
#pragma once

#include "migrate/schema_model.hpp"

#include <string>
#include <vector>

namespace migrate::schema {

// Steps run in three phases: first drops of what depends on other objects (views, foreign
// keys, indexes, columns, tables...), then creates and alters in dependency order, last drops
// of what others depend on (functions, sequences, types, extensions, schemas), once nothing
// uses them any more.
enum class Phase { drop_dependents, create_and_alter, drop_bases };

struct Step {
	Phase phase = Phase::create_and_alter;
	std::string summary;            // one line, e.g. "add column public.agents.capabilities"; empty
	                                // for the drop half of an object created again ("change ...")
	std::vector<std::string> notes; // comment lines to show above the SQL (warnings, hints)
	std::vector<std::string> sql;   // statements, each ending with ';'
	bool data_loss = false;         // notes start with "WARNING: data loss"
};

// The steps that turn `from` into `to`, in an order PostgreSQL accepts. Empty: equal.
std::vector<Step> diff(const Schema &from, const Schema &to);

// What changes, one line each, for a reviewer: the summaries that are not empty.
std::vector<std::string> changes(const std::vector<Step> &steps);

// The steps as a section body: grouped by phase, each step's notes as `-- ` lines above it.
std::string render(const std::vector<Step> &steps);

} // namespace migrate::schema
