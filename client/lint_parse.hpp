// libpg_query's parse trees -> lint's neutral statement model (migrate/lint.hpp), so the client
// lints with PostgreSQL's own parser.
#pragma once

#include "migrate/database.hpp"
#include "migrate/lint.hpp"

#include <string_view>
#include <vector>

namespace pgmigrate {

// The statements of one section, in order, with their byte offsets in `sql`. A syntax error
// throws migrate::Error (42601) naming `where` and the line.
std::vector<migrate::lint::Statement> lint_statements(std::string_view sql, const migrate::StatementContext &where);

} // namespace pgmigrate
