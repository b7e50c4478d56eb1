// The internal SQL lexer behind the migration file parser: the state of every byte.
#include "../../core/src/sql_lexer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

using migrate::detail::LexState;
using migrate::detail::SqlLexer;
using migrate::detail::Token;
using migrate::detail::TokenKind;

namespace {

// One letter per byte: . normal, s '', e E'', d "", $ dollar, l line comment, b block comment.
std::string
states(std::string_view text) {
	std::string out;
	for (LexState s : migrate::detail::classify_sql(text)) {
		switch (s) {
		case LexState::normal:
			out += '.';
			break;
		case LexState::single_quote:
			out += 's';
			break;
		case LexState::escape_string:
			out += 'e';
			break;
		case LexState::double_quote:
			out += 'd';
			break;
		case LexState::dollar_quote:
			out += '$';
			break;
		case LexState::line_comment:
			out += 'l';
			break;
		case LexState::block_comment:
			out += 'b';
			break;
		}
	}
	return out;
}

} // namespace

TEST(SqlLexer, Classifies) {
	EXPECT_EQ(states("a 'b''c' d"), "..ssssss..");
	EXPECT_EQ(states("x -- c 'q'\ny"), "..llllllll..");
	EXPECT_EQ(states("E'a\\'b' e'\\\\' E"), "eeeeeee.eeeee..");
	EXPECT_EQ(states("me'a\\' x"), "..ssss.."); // only a lone E starts an E'' string
	// A number holds one dot at most (found by fuzz_sql_lexer): 1. then . then E'..'.
	EXPECT_EQ(states("1..E'\\'x'"), "...eeeeee");
	EXPECT_EQ(states("1.5..E'a'"), ".....eeee");
	EXPECT_EQ(states("\"a\"\"b\" c"), "dddddd..");
	EXPECT_EQ(states("$$a$$ $t$x$$y$t$ z"), "$$$$$.$$$$$$$$$$..");
	EXPECT_EQ(states("$1 a$b$ $2$"), "..........."); // parameters and identifiers with '$'
	EXPECT_EQ(states("/* a /* b */ c */ d"), "bbbbbbbbbbbbbbbbb..");
	EXPECT_EQ(states("/*/ x */y"), "bbbbbbbb.");
	EXPECT_EQ(states("a/*b*/-c--d"), ".bbbbb..lll");
	EXPECT_EQ(states("'a\nb' c"), "sssss.."); // strings span lines
	EXPECT_EQ(states("$f$\n-- x\n$f$;"), "$$$$$$$$$$$$.");
	EXPECT_EQ(states("/* 'x\n*/ 'y'"), "bbbbbbbb.sss"); // quotes inside comments mean nothing
	EXPECT_EQ(states("'/*' -- '\nz"), "ssss.llll..");
	EXPECT_EQ(states("B'01' X'1F' U&'a'"), ".ssss..ssss...sss");
}

TEST(SqlLexer, StringContinuation) {
	// Found by differential fuzzing against PostgreSQL's scanner: a string continued on a later
	// line keeps the escape syntax of its first piece (scan.l, {quotecontinue}).
	EXPECT_EQ(states("E'a'\n'b\\'c'"), "eeee.eeeeee");
	EXPECT_EQ(states("E'a' -- c\n'b\\''"), "eeee.llll.eeeee");   // -- comments may sit between
	EXPECT_EQ(states("e'a'\n'b'\n\n'\\''"), "eeee.eee..eeee");   // and it chains
	EXPECT_EQ(states("E'a' /**/\n'b\\' x"), "eeee.bbbb.ssss.."); // a block comment ends it
	EXPECT_EQ(states("E'a' 'b\\'"), "eeee.ssss");                // so does a missing newline
	EXPECT_EQ(states("E'a' x\n'b\\'"), "eeee...ssss");           // and any token
	EXPECT_EQ(states("'a'\n'b\\'"), "sss.ssss");                 // plain strings stay plain
	SqlLexer lx;
	std::vector<Token> tokens;
	lx.scan_line("E'a'", 1, tokens);
	lx.reset(); // as at a section marker
	lx.scan_line("'b\\'", 2, tokens);
	EXPECT_EQ(lx.state(), LexState::normal);
}

TEST(SqlLexer, StateAcrossLinesAndTokens) {
	SqlLexer lx;
	std::vector<Token> tokens;
	lx.scan_line("COPY t (a) FROM stdin; $fn$ x", 1, tokens);
	EXPECT_EQ(lx.state(), LexState::dollar_quote);
	EXPECT_EQ(lx.dollar_tag(), "fn");
	EXPECT_EQ(lx.open_line(), 1);
	ASSERT_EQ(tokens.size(), 9u);
	EXPECT_EQ(tokens[0].kind, TokenKind::word);
	EXPECT_EQ(tokens[0].text, "COPY");
	EXPECT_EQ(tokens[2].kind, TokenKind::open_paren);
	EXPECT_EQ(tokens[4].kind, TokenKind::close_paren);
	EXPECT_EQ(tokens[6].text, "stdin");
	EXPECT_EQ(tokens[7].kind, TokenKind::semicolon);
	EXPECT_EQ(tokens[8].kind, TokenKind::other); // the dollar quote's opening
	tokens.clear();
	lx.scan_line("-- migrate:downgrade", 2, tokens);
	EXPECT_TRUE(tokens.empty());
	EXPECT_EQ(lx.describe_open(), "dollar-quoted string $fn$");
	lx.scan_line("$fn$; /* a /* b */", 3, tokens);
	EXPECT_EQ(lx.state(), LexState::block_comment);
	EXPECT_EQ(lx.comment_depth(), 1);
	EXPECT_EQ(lx.open_line(), 3);
	ASSERT_EQ(tokens.size(), 1u);
	EXPECT_EQ(tokens[0].kind, TokenKind::semicolon);
	EXPECT_EQ(tokens[0].line, 3);
	lx.scan_line("*/ -- x", 4, tokens);
	EXPECT_EQ(lx.state(), LexState::normal); // a line comment ends with its line
	EXPECT_EQ(lx.describe_open(), "");
}
