// Differential libFuzzer target: the engine's SQL lexer against PostgreSQL's own scanner
// (scan.l, through libpg_query's pg_query_scan). For every input PostgreSQL scans without
// error, each byte must be classified alike: inside a string, a dollar quote, a quoted
// identifier, a line comment, a block comment, or normal. And when PostgreSQL scans the
// whole input, the lexer must not end inside a string or comment.
//
// Built only when libpg_query is installed. Its protobuf-c header is not needed: the scan
// result is decoded here (ScanResult{version = 1; repeated ScanToken tokens = 2},
// ScanToken{start = 1; end = 2; token = 4; keyword_kind = 5}).
#include "../../core/src/sql_lexer.hpp"

#include <pg_query.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using migrate::detail::LexState;

namespace {

// Token numbers from pg_query.pb-c.h (PG_QUERY__TOKEN__*).
constexpr std::uint64_t tok_ident = 258, tok_uident = 259, tok_sconst = 261, tok_usconst = 262, tok_bconst = 263,
                        tok_xconst = 264, tok_sql_comment = 275, tok_c_comment = 276;

struct ScanToken {
	std::uint64_t start = 0, end = 0, token = 0;
};

bool
varint(std::string_view &p, std::uint64_t &v) {
	v = 0;
	for (int shift = 0; shift < 64 && !p.empty(); shift += 7) {
		const auto b = static_cast<unsigned char>(p.front());
		p.remove_prefix(1);
		v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
		if (!(b & 0x80)) {
			return true;
		}
	}
	return false;
}

// Calls f(field, wire_type, varint value, length-delimited bytes) for each field of a message.
template <class F>
bool
fields(std::string_view p, F &&f) {
	while (!p.empty()) {
		std::uint64_t key = 0, v = 0;
		if (!varint(p, key)) {
			return false;
		}
		const auto wire = key & 7;
		std::string_view bytes;
		if (wire == 0) {
			if (!varint(p, v)) {
				return false;
			}
		} else if (wire == 2) {
			if (!varint(p, v) || v > p.size()) {
				return false;
			}
			bytes = p.substr(0, v);
			p.remove_prefix(v);
		} else if (wire == 1 || wire == 5) {
			const std::size_t n = wire == 1 ? 8 : 4;
			if (p.size() < n) {
				return false;
			}
			p.remove_prefix(n);
		} else {
			return false;
		}
		f(key >> 3, wire, v, bytes);
	}
	return true;
}

std::vector<ScanToken>
decode(std::string_view pbuf) {
	std::vector<ScanToken> tokens;
	const bool ok = fields(pbuf, [&](std::uint64_t field, std::uint64_t wire, std::uint64_t, std::string_view bytes) {
		if (field == 2 && wire == 2) {
			ScanToken t;
			fields(bytes, [&](std::uint64_t f, std::uint64_t w, std::uint64_t v, std::string_view) {
				if (w == 0 && f == 1) {
					t.start = v;
				} else if (w == 0 && f == 2) {
					t.end = v;
				} else if (w == 0 && f == 4) {
					t.token = v;
				}
			});
			tokens.push_back(t);
		}
	});
	if (!ok) {
		std::fprintf(stderr, "fuzz_sql_lexer: undecodable scan result\n");
		std::abort();
	}
	return tokens;
}

char
letter(LexState s) {
	switch (s) {
	case LexState::normal:
		return '.';
	case LexState::single_quote:
		return 's';
	case LexState::escape_string:
		return 'e';
	case LexState::double_quote:
		return 'd';
	case LexState::dollar_quote:
		return '$';
	case LexState::line_comment:
		return 'l';
	case LexState::block_comment:
		return 'b';
	}
	return '?';
}

[[noreturn]] void
mismatch(std::string_view sql, const std::vector<LexState> &got, std::size_t at, std::string_view why) {
	std::string classes;
	for (LexState s : got) {
		classes += letter(s);
	}
	std::fprintf(stderr, "fuzz_sql_lexer: %.*s at byte %zu\ninput:   %.*s\nclasses: %s\n", static_cast<int>(why.size()),
	             why.data(), at, static_cast<int>(sql.size()), sql.data(), classes.c_str());
	std::abort();
}

bool
is_space(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\v';
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
	// The migration parser feeds the lexer NUL-free text with LF line ends; so does this.
	std::string sql;
	sql.reserve(size);
	for (std::size_t i = 0; i < size; ++i) {
		const char c = static_cast<char>(data[i]);
		// NUL: not text. \v: whitespace since PostgreSQL 16 (as for the engine's lexer), but not
		// in libpg_query's PostgreSQL 15 scanner; it only matters between string pieces.
		if (c == '\0' || c == '\v') {
			return 0;
		}
		sql.push_back(c == '\r' ? '\n' : c);
	}
	const std::vector<LexState> got = migrate::detail::classify_sql(sql);

	PgQueryScanResult result = pg_query_scan(sql.c_str());
	if (result.error) { // unterminated constructs, trailing junk after numbers, ...
		pg_query_free_scan_result(result);
		return 0;
	}
	const std::vector<ScanToken> tokens = decode(std::string_view(result.pbuf.data, result.pbuf.len));
	pg_query_free_scan_result(result);

	// libpg_query returns -- comments as tokens, so unlike PostgreSQL it does not continue a
	// string across one ('a' -- c <newline> 'b' is one constant in scan.l). That changes the
	// bytes only after an E'' string; leave those inputs out.
	for (std::size_t n = 1; n < tokens.size(); ++n) {
		if (tokens[n].token == tok_sql_comment && tokens[n - 1].token == tok_sconst &&
		    tokens[n - 1].start < sql.size() && (sql[tokens[n - 1].start] == 'E' || sql[tokens[n - 1].start] == 'e')) {
			return 0;
		}
	}

	std::vector<bool> covered(sql.size(), false);
	for (std::size_t n = 0; n < tokens.size(); ++n) {
		const ScanToken &t = tokens[n];
		if (t.token == tok_usconst || t.token == tok_uident) {
			// libpg_query's end offset for U&'..' and U&".." measures the decoded text, so only
			// the prefix and the opening quote are checked; the rest up to the next token is not.
			const std::size_t stop = n + 1 < tokens.size() ? tokens[n + 1].start : sql.size();
			const LexState q = t.token == tok_usconst ? LexState::single_quote : LexState::double_quote;
			if (t.start + 2 >= stop || got[t.start] != LexState::normal || got[t.start + 1] != LexState::normal ||
			    got[t.start + 2] != q) {
				mismatch(sql, got, t.start, "U& token classified differently");
			}
			for (std::size_t i = t.start; i < stop; ++i) {
				covered[i] = true;
			}
			continue;
		}
		if (t.start > t.end || t.end > sql.size()) {
			mismatch(sql, got, t.start, "token out of range");
		}
		const std::string_view text = std::string_view(sql).substr(t.start, t.end - t.start);
		LexState expect = LexState::normal;
		std::size_t prefix = 0; // leading bytes that stay normal: B, X
		bool string_like = false;
		switch (t.token) {
		case tok_sql_comment:
			expect = LexState::line_comment;
			break;
		case tok_c_comment:
			expect = LexState::block_comment;
			break;
		case tok_sconst:
			string_like = true;
			expect = text.starts_with("$")                              ? LexState::dollar_quote
			         : (text.starts_with("E") || text.starts_with("e")) ? LexState::escape_string
			                                                            : LexState::single_quote;
			break;
		case tok_bconst:
		case tok_xconst:
			string_like = true;
			expect = LexState::single_quote;
			prefix = 1;
			break;
		case tok_ident:
			expect = text.starts_with("\"") ? LexState::double_quote : LexState::normal;
			break;
		default:
			break;
		}
		for (std::size_t i = t.start; i < t.end; ++i) {
			covered[i] = true;
			const std::size_t k = i - t.start;
			const LexState want = k < prefix ? LexState::normal : expect;
			if (got[i] == want) {
				continue;
			}
			// 'a' \n 'b' is one string constant to PostgreSQL; between the pieces there is
			// whitespace or comments, which the engine's lexer sees as such.
			const bool inner = string_like && k > prefix && i + 1 < t.end;
			const bool gap = got[i] == LexState::line_comment || got[i] == LexState::block_comment ||
			                 (got[i] == LexState::normal && is_space(sql[i]));
			if (!(inner && gap)) {
				mismatch(sql, got, i, "class differs from PostgreSQL's token " + std::to_string(t.token));
			}
		}
	}
	for (std::size_t i = 0; i < sql.size(); ++i) {
		if (!covered[i] && got[i] != LexState::normal) {
			mismatch(sql, got, i, "whitespace outside PostgreSQL's tokens is not normal");
		}
	}
	return 0;
}
