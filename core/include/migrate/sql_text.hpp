// Small facts about SQL text that both hosts need around their PostgreSQL parsers.
#pragma once

#include <cstddef>
#include <string_view>

namespace migrate {

// The first position in sql[pos, end) that is not whitespace, a `--` comment or a (nested)
// `/* */` comment: where a statement's first token is, and so the line an error should name.
std::size_t skip_blank(std::string_view sql, std::size_t pos, std::size_t end);

} // namespace migrate
