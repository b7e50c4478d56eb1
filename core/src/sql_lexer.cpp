// The SQL lexer behind the migration file parser (see sql_lexer.hpp).
#include "sql_lexer.hpp"

#include <algorithm>
#include <cstddef>

namespace migrate::detail {

namespace {

// PostgreSQL's identifier characters (scan.l): ASCII letters, '_', and any byte >= 0x80.
bool
ident_start(unsigned char c) {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

bool
ident_char(unsigned char c) {
	return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

// A dollar-quote tag character: an identifier character other than '$'.
bool
tag_char(unsigned char c) {
	return ident_start(c) || (c >= '0' && c <= '9');
}

bool
is_digit(unsigned char c) {
	return c >= '0' && c <= '9';
}

bool
is_space(unsigned char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void
mark(LexState *classes, std::size_t from, std::size_t to, LexState s) {
	if (classes) {
		std::fill(classes + from, classes + to, s);
	}
}

} // namespace

// Scans one line; see the header.
void
SqlLexer::scan_line(std::string_view line, int line_no, std::vector<Token> &tokens, LexState *classes) {
	const std::size_t n = line.size();
	std::size_t i = 0;
	auto at = [&](std::size_t k) -> unsigned char { return k < n ? static_cast<unsigned char>(line[k]) : 0; };
	auto emit = [&](TokenKind kind, std::size_t from, std::size_t to) {
		tokens.push_back(Token{kind, line.substr(from, to - from), line_no});
	};
	while (i < n) {
		const std::size_t start = i;
		switch (state_) {
		case LexState::normal: {
			const unsigned char c = at(i);
			if (e_continuation_ == 2 && c == '\'') {
				// 'E'x' <newline> 'y'': a continuation keeps the escape syntax of the first piece.
				emit(TokenKind::other, i, n);
				state_ = LexState::escape_string;
				open_line_ = line_no;
				e_continuation_ = 0;
				++i;
				mark(classes, start, i, state_);
				continue;
			}
			if (e_continuation_ != 0 && !is_space(c) && !(c == '-' && at(i + 1) == '-')) {
				e_continuation_ = 0; // only whitespace and -- comments may separate the pieces
			}
			if (is_space(c)) {
				++i;
			} else if (c == '-' && at(i + 1) == '-') {
				// A line comment: the rest of the line. PostgreSQL ends operators before "--".
				mark(classes, i, n, LexState::line_comment);
				i = n;
				continue;
			} else if (c == '/' && at(i + 1) == '*') {
				state_ = LexState::block_comment;
				depth_ = 1;
				open_line_ = line_no;
				i += 2;
				mark(classes, start, i, LexState::block_comment);
				continue;
			} else if (c == '\'') {
				emit(TokenKind::other, i, n);
				state_ = LexState::single_quote;
				open_line_ = line_no;
				++i;
				mark(classes, start, i, state_);
				continue;
			} else if (c == '"') {
				emit(TokenKind::other, i, n);
				state_ = LexState::double_quote;
				open_line_ = line_no;
				++i;
				mark(classes, start, i, state_);
				continue;
			} else if (c == '$') {
				std::size_t j = i + 1;
				if (is_digit(at(j))) { // a parameter, $1
					while (is_digit(at(j))) {
						++j;
					}
					emit(TokenKind::other, i, j);
					i = j;
				} else {
					if (ident_start(at(j))) {
						while (tag_char(at(j))) {
							++j;
						}
					}
					if (at(j) == '$') { // $tag$ or $$
						emit(TokenKind::other, i, n);
						tag_.assign(line.substr(i + 1, j - i - 1));
						state_ = LexState::dollar_quote;
						open_line_ = line_no;
						i = j + 1;
						mark(classes, start, i, state_);
						continue;
					}
					emit(TokenKind::other, i, i + 1);
					++i;
				}
			} else if (ident_start(c)) {
				std::size_t j = i + 1;
				while (ident_char(at(j))) {
					++j;
				}
				if (at(j) == '\'' && j == i + 1 && (c == 'E' || c == 'e')) { // E'...'
					emit(TokenKind::other, i, n);
					state_ = LexState::escape_string;
					open_line_ = line_no;
					i = j + 1;
					mark(classes, start, i, state_);
					continue;
				}
				// B'..', X'..', N'..' and any word followed by a quote: the quote opens a
				// standard string on the next iteration.
				emit(TokenKind::word, i, j);
				i = j;
			} else if (is_digit(c) || (c == '.' && is_digit(at(i + 1)))) {
				// A number; trailing letters (1e5, 0x1F, 1_000) stay part of it. It holds one dot at
				// most, before any letter: `1..E'x'` is 1. then . then an escape string, as in scan.l.
				std::size_t j = i + 1;
				bool dot = c == '.', letter = false;
				while (j < n && (ident_start(at(j)) || is_digit(at(j)) || at(j) == '.')) {
					if (at(j) >= 0x80 || (at(j) == '.' && (dot || letter))) {
						break;
					}
					dot = dot || at(j) == '.';
					letter = letter || ident_start(at(j));
					++j;
				}
				emit(TokenKind::other, i, j);
				i = j;
			} else if (c == ';') {
				emit(TokenKind::semicolon, i, i + 1);
				++i;
			} else if (c == '(') {
				emit(TokenKind::open_paren, i, i + 1);
				++i;
			} else if (c == ')') {
				emit(TokenKind::close_paren, i, i + 1);
				++i;
			} else {
				emit(TokenKind::other, i, i + 1);
				++i;
			}
			mark(classes, start, i, LexState::normal);
			break;
		}
		case LexState::single_quote:
		case LexState::double_quote: {
			const char q = state_ == LexState::single_quote ? '\'' : '"';
			const std::size_t k = line.find(q, i);
			if (k == std::string_view::npos) {
				i = n;
			} else if (at(k + 1) == static_cast<unsigned char>(q)) { // doubled: an escaped quote
				i = k + 2;
			} else {
				i = k + 1;
				mark(classes, start, i, state_);
				state_ = LexState::normal;
				continue;
			}
			mark(classes, start, i, state_);
			break;
		}
		case LexState::escape_string: {
			const std::size_t k = line.find_first_of("\\'", i);
			if (k == std::string_view::npos) {
				i = n;
			} else if (line[k] == '\\') {
				// Skips the escaped byte; a backslash at the end of the line escapes the newline,
				// which changes nothing for the state.
				i = std::min(n, k + 2);
			} else if (at(k + 1) == '\'') {
				i = k + 2;
			} else {
				i = k + 1;
				mark(classes, start, i, state_);
				state_ = LexState::normal;
				e_continuation_ = 1;
				continue;
			}
			mark(classes, start, i, state_);
			break;
		}
		case LexState::dollar_quote: {
			// The tag holds no '$', so each comparison stops by the next '$': linear overall.
			const std::size_t k = line.find('$', i);
			if (k == std::string_view::npos) {
				i = n;
			} else if (line.substr(k + 1).starts_with(tag_) && at(k + 1 + tag_.size()) == '$') {
				i = k + tag_.size() + 2;
				mark(classes, start, i, state_);
				state_ = LexState::normal;
				tag_.clear();
				continue;
			} else {
				i = k + 1;
			}
			mark(classes, start, i, state_);
			break;
		}
		case LexState::block_comment: {
			const std::size_t k = line.find_first_of("*/", i);
			if (k == std::string_view::npos) {
				i = n;
			} else if (line[k] == '*' && at(k + 1) == '/') { // "*/" wins over "/*", as in scan.l
				i = k + 2;
				if (--depth_ == 0) {
					mark(classes, start, i, state_);
					state_ = LexState::normal;
					continue;
				}
			} else if (line[k] == '/' && at(k + 1) == '*') {
				++depth_;
				i = k + 2;
			} else {
				i = k + 1;
			}
			mark(classes, start, i, state_);
			break;
		}
		case LexState::line_comment: // only set between lines by mistake; treat as normal
			state_ = LexState::normal;
			break;
		}
	}
	if (state_ == LexState::normal && e_continuation_ == 1) {
		e_continuation_ = 2; // the newline that a string continuation needs
	}
}

// Forgets everything: the state of a fresh lexer.
void
SqlLexer::reset() {
	state_ = LexState::normal;
	open_line_ = 0;
	depth_ = 0;
	tag_.clear();
	e_continuation_ = 0;
}

// Describes the construct that is still open, for "unterminated ..." errors.
std::string
SqlLexer::describe_open() const {
	switch (state_) {
	case LexState::normal:
	case LexState::line_comment:
		return {};
	case LexState::single_quote:
		return "quoted string";
	case LexState::escape_string:
		return "E'' string";
	case LexState::double_quote:
		return "quoted identifier";
	case LexState::dollar_quote:
		// A tag is an identifier: cut a long one on a UTF-8 boundary for the message.
		if (tag_.size() > 64) {
			std::size_t n = 64;
			while (n > 0 && (static_cast<unsigned char>(tag_[n]) & 0xC0u) == 0x80u) {
				--n;
			}
			return "dollar-quoted string $" + tag_.substr(0, n) + "...$";
		}
		return "dollar-quoted string $" + tag_ + "$";
	case LexState::block_comment:
		return "block comment";
	}
	return {};
}

// Classifies every byte of a multi-line text.
std::vector<LexState>
classify_sql(std::string_view text) {
	std::vector<LexState> classes(text.size(), LexState::normal);
	std::vector<Token> tokens;
	SqlLexer lexer;
	std::size_t pos = 0;
	int line_no = 1;
	while (pos <= text.size()) {
		std::size_t eol = text.find('\n', pos);
		const bool last = eol == std::string_view::npos;
		if (last) {
			eol = text.size();
		}
		tokens.clear();
		lexer.scan_line(text.substr(pos, eol - pos), line_no, tokens, classes.data() + pos);
		if (last) {
			break;
		}
		classes[eol] = lexer.state();
		pos = eol + 1;
		++line_no;
	}
	return classes;
}

} // namespace migrate::detail
