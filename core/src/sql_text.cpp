// Small facts about SQL text that both hosts need around their PostgreSQL parsers.
#include "migrate/sql_text.hpp"

#include <algorithm>
#include <cstddef>

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

int
lines_before_byte(std::string_view text, std::size_t offset) {
	if (offset >= text.size()) {
		offset = text.size();
		while (offset > 0 && std::string_view(" \t\r\n\f\v").find(text[offset - 1]) != std::string_view::npos)
			--offset;
		if (offset > 0)
			--offset;
	}
	return static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

std::size_t
utf8_offset(std::string_view text, int chars) {
	std::size_t pos = 0;
	for (int seen = 0; pos < text.size(); ++pos) {
		if ((static_cast<unsigned char>(text[pos]) & 0xC0) != 0x80 && seen++ == chars)
			return pos;
	}
	return pos;
}

int
lines_before(std::string_view text, int position) {
	return lines_before_byte(text, utf8_offset(text, position - 1));
}

} // namespace migrate
