// A schema snapshot from the catalogs, for `pgmigrate test`: one sorted line per object and
// property, so two snapshots compare as sets and their difference reads as a diff.
#pragma once

#include "connection.hpp"

#include <string>
#include <vector>

namespace pgmigrate {

// Everything user-visible in the schema (schemas, tables, columns, constraints, indexes, views,
// sequences, functions, types, triggers, policies, rules, extensions, comments, privileges),
// leaving out the migrate extension's own objects. Column order is not part of it.
std::vector<std::string> schema_snapshot(Connection &conn);

// `- line` for what `before` has and `after` lacks, `+ line` for the reverse.
std::vector<std::string> snapshot_diff(const std::vector<std::string> &before, const std::vector<std::string> &after);

} // namespace pgmigrate
