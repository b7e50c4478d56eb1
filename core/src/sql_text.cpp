// Small facts about SQL text that both hosts need around their PostgreSQL parsers.
#include "migrate/sql_text.hpp"

namespace migrate {

std::size_t
skip_blank(std::string_view sql, std::size_t pos, std::size_t end) {
	if (end > sql.size())
		end = sql.size();
	while (pos < end) {
		char c = sql[pos];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			++pos;
		} else if (c == '-' && pos + 1 < end && sql[pos + 1] == '-') {
			while (pos < end && sql[pos] != '\n')
				++pos;
		} else if (c == '/' && pos + 1 < end && sql[pos + 1] == '*') {
			int depth = 0;
			while (pos < end) {
				if (pos + 1 < end && sql[pos] == '/' && sql[pos + 1] == '*') {
					++depth;
					pos += 2;
				} else if (pos + 1 < end && sql[pos] == '*' && sql[pos + 1] == '/') {
					pos += 2;
					if (--depth == 0)
						break;
				} else {
					++pos;
				}
			}
		} else {
			break;
		}
	}
	return pos < end ? pos : end;
}

} // namespace migrate
