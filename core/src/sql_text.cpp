// Small facts about SQL text that both hosts need around their PostgreSQL parsers.
#include "migrate/sql_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <string>

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

bool
is_row_statement(std::string_view statement) {
	std::string word;
	for (std::size_t i = skip_blank(statement, 0, statement.size());
	     i < statement.size() && word.size() <= 6 && std::isalpha(static_cast<unsigned char>(statement[i])); ++i)
		word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(statement[i]))));
	static constexpr std::array<std::string_view, 10> rows = {"select", "insert", "update", "delete", "merge",
	                                                          "with",   "values", "copy",   "table",  "call"};
	return std::find(rows.begin(), rows.end(), word) != rows.end();
}

} // namespace migrate
