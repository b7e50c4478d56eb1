// A small PostgreSQL SQL lexer, internal to the engine: it knows where strings, quoted
// identifiers, dollar-quoted bodies and comments begin and end, so that the migration file
// parser only honours `-- migrate:upgrade` markers (and finds stray SQL, COPY ... FROM stdin)
// outside them. It does not parse SQL; it only tracks the lexical state and reports the
// tokens that start in normal state.
//
// Assumptions (PostgreSQL's defaults since 9.1): standard_conforming_strings = on, so a
// plain '...' string has no backslash escapes; only E'...' strings do. As in scan.l, a string
// continued after a newline ('a' <newline> 'b', with only whitespace and -- comments between)
// keeps the escape syntax of its first piece, so E'a' <newline> 'b\'c' is one E'' string.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace migrate::detail {

enum class LexState : unsigned char {
	normal,
	single_quote,  // '...', also B'', X'', N'', U&'' (quote doubled to escape it)
	escape_string, // E'...': backslash escapes, and '' too
	double_quote,  // "identifier" ("" to escape)
	dollar_quote,  // $tag$ ... $tag$
	line_comment,  // -- ... end of line (never the state at the start of a line)
	block_comment, // /* ... */, nested
};

// What a token that starts in normal state looks like to the parser.
enum class TokenKind : unsigned char {
	word,        // an unquoted identifier or keyword
	semicolon,   // ;
	open_paren,  // (
	close_paren, // )
	other,       // a number, operator, string or quoted identifier (its opening), parameter
};

struct Token {
	TokenKind kind;
	std::string_view text; // the token's bytes on this line (for a string: up to the line end)
	int line;
};

// Line-oriented: feed the file one line at a time (without its line terminator). The state
// carries over from one line to the next; a line comment ends at the end of its line.
class SqlLexer {
public:
	// Scans one line. Appends to `tokens` every token that starts in normal state. When
	// `classes` is not null, it must hold line.size() entries; each receives the state the
	// byte belongs to (opening and closing delimiters belong to their construct).
	void scan_line(std::string_view line, int line_no, std::vector<Token> &tokens, LexState *classes = nullptr);

	// The state at the current position (between lines: never line_comment).
	LexState state() const noexcept { return state_; }
	// The line on which the current string, identifier, dollar quote or comment began.
	int open_line() const noexcept { return open_line_; }
	// Nesting depth of the current block comment (0 outside one).
	int comment_depth() const noexcept { return depth_; }
	// The tag of the current dollar quote (empty for $$).
	const std::string &dollar_tag() const noexcept { return tag_; }

	// Back to the state of a fresh lexer (the parser calls it at each section marker: sections
	// run as separate SQL texts, so nothing carries across a marker).
	void reset();

	// A description of an unfinished construct for error messages, e.g. "dollar-quoted
	// string $fn$"; empty in normal state.
	std::string describe_open() const;

private:
	LexState state_ = LexState::normal;
	int open_line_ = 0;
	int depth_ = 0;
	std::string tag_;
	// After an E'' string closes: 1 until the end of its line, then 2 while only whitespace and
	// -- comments follow; a quote in state 2 continues the E'' string.
	int e_continuation_ = 0;
};

// The state of every byte of `text` (lines separated by '\n'; a '\n' gets the state in force
// after the line it ends). For tests and fuzzing.
std::vector<LexState> classify_sql(std::string_view text);

} // namespace migrate::detail
