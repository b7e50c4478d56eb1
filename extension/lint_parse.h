// The backend's raw parse trees -> lint::Statement, the neutral model the engine's rules read
// (core/include/migrate/lint.hpp). The client's twin reads libpg_query's JSON of the same trees
// (client/lint_parse.cpp): both fill the same fields the same way.
#pragma once

// C++ and the engine's headers first: postgres.h (through boundary.h) defines macros such as
// printf and _ that must not reach them.
#include "migrate/lint.hpp"

#include <string>
#include <vector>

#include "boundary.h"

extern "C" {
#include "nodes/pg_list.h"
}

namespace migrate::pg {

// The statements of `raw` (raw_parser's RawStmt list over `text`), in order. Reads the trees as
// plain memory; expressions' function calls are collected inside pg_call.
std::vector<lint::Statement> lint_model(List *raw, const std::string &text);

} // namespace migrate::pg
