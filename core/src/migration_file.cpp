// Parsing one migration file (SPEC section 1): the `-- key: value` header, the
// `-- migrate:upgrade` / `downgrade` / `verify` sections, and the checksum.
//
// Decisions where the SPEC is silent (each covered by a unit test):
// - Input: a UTF-8 byte order mark at the very start is skipped for parsing. CRLF and lone CR
//   both end a line, so a CRLF file has the same header, lines and errors as its LF twin; its
//   section bodies keep the file's own bytes (SPEC: the SQL runs as the file has it, so a string
//   literal spanning lines keeps its \r\n). Invalid UTF-8 and NUL bytes are errors naming the line
//   and the byte offset (0-based, in the content as given).
// - File name: one with a control character (below 0x20, or 0x7f) is refused before anything
//   else (it would reach comments of generated scripts); messages show names and quoted values
//   with control characters escaped (state::comment_text).
// - Checksum: SHA-256 over the content as given with every CRLF and every lone CR replaced by
//   LF, nothing else changed: the BOM, trailing whitespace and a missing final newline are all
//   kept. Lowercase hex.
// - Header: lines before the first section marker. Blank lines, block comments and free-text
//   `--` comments are allowed; a `-- word: value` line names a header key, and an unknown word
//   is an error (so a typo like `down_revison` is never silently ignored). A comment whose
//   "value" starts with `//` (a URL such as `-- https://...`) is free text. Keys are
//   case-sensitive; a key inside a block comment is not a key. Any other SQL before the first
//   marker is an error.
// - down_revision is required: `none` (case-insensitive) for a root; a missing header or an empty
//   value is an error telling to write `none`, so a forgotten parent never makes a second root.
// - down_revision / branch_labels / depends_on: comma-separated; spaces around items are
//   ignored; an empty branch_labels or depends_on means an empty list; empty items and repeated
//   items are errors.
// - Header values (every known key) must not contain control characters (a tab inside is refused
//   too; blanks around the value are trimmed), so none reaches a message or a script comment.
// - Revision ids and branch labels must be valid ids and must not be `none`, `base`, `head` or
//   `heads` (case-insensitive): targets use those words.
// - transactional: `true` or `false`, case-insensitive. lock_timeout: a number (integer or
//   decimal) with an optional unit us, ms, s, min, h or d (PostgreSQL's units, case-sensitive),
//   no spaces; stored as written.
// - Markers: a line that, stripped of surrounding spaces and tabs, is exactly
//   `-- migrate:upgrade`, `-- migrate:downgrade` or `-- migrate:verify`, and that starts in
//   normal lexical state (not inside a string, dollar quote or block comment). A line that looks
//   like a marker but is not one of these (`-- migrate:up`, `--migrate:upgrade`,
//   `-- Migrate:Upgrade`, `-- migrate:upgrade now`) is an error naming it. Sections may come in
//   any order, each at most once.
// - Bodies: byte-exact slices of the content as given (CR and CRLF kept), from the line after the
//   marker up to the line of the next marker (or the end of the file). first_line is the marker's
//   line + 1.
// - An upgrade section with no SQL (only whitespace and comments) is an error, except in a merge
//   revision (several down_revisions), which may only join branches. An empty
//   downgrade section is an explicit no-op downgrade: present = true, the revision stays
//   reversible; hosts must run its (comment-only or empty) body as a no-op. A verify section
//   with no SQL verifies nothing and is treated as absent (present = false).
// - Waivers: a line that, trimmed, starts with `-- migrate:allow` (in the header or in any section,
//   outside strings and block comments) is `-- migrate:allow RULE: reason`. RULE must be a lint
//   rule's name (lint::rules()) and the reason must not be empty; each rule is waived at most once.
//   The line stays in the section as the comment it is. Kept in Revision::waivers with its line.
// - COPY ... FROM STDIN at the start of a statement in any section is rejected here with 0A000
//   (feature_not_supported), naming the line of the COPY.
#include "migrate/migration_file.hpp"

#include "migrate/error.hpp"
#include "migrate/lint.hpp"
#include "migrate/sql_text.hpp"
#include "migrate/state.hpp"
#include "sql_lexer.hpp"

// SHA256_Init/Update/Final: deprecated in OpenSSL 3 in favour of EVP, whose first use fetches the
// implementation from the provider store, which costs a command ~2 MiB of memory and ~2 ms; these
// call the same implementation directly.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace migrate {

namespace {

using detail::LexState;
using detail::SqlLexer;
using detail::Token;
using detail::TokenKind;

constexpr std::array<std::string_view, 7> known_keys = {
    "revision", "down_revision", "message", "branch_labels", "depends_on", "transactional", "lock_timeout",
};

constexpr std::string_view known_keys_hint =
    "known keys: revision, down_revision, message, branch_labels, depends_on, transactional, lock_timeout";

constexpr std::string_view marker_hint =
    "section markers are lines of exactly '-- migrate:upgrade', '-- migrate:downgrade' or '-- migrate:verify'";

bool
is_blank(char c) {
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

std::string_view
trim(std::string_view s) {
	while (!s.empty() && is_blank(s.front())) {
		s.remove_prefix(1);
	}
	while (!s.empty() && is_blank(s.back())) {
		s.remove_suffix(1);
	}
	return s;
}

char
lower(char c) {
	return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool
iequals(std::string_view a, std::string_view b) {
	return a.size() == b.size() &&
	       std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool
istarts_with(std::string_view s, std::string_view prefix) {
	return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool
is_alpha(char c) {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
is_key_char(char c) {
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Quotes user text for a message: '...', cut to 64 bytes on a UTF-8 boundary (the text is
// valid UTF-8 by then), so a 20 MB "key" does not become a 20 MB message; control characters are
// escaped (state::comment_text), so a message never carries a raw newline or escape sequence.
std::string
quoted(std::string_view s) {
	constexpr std::size_t max = 64;
	if (s.size() <= max) {
		return "'" + state::comment_text(s) + "'";
	}
	std::size_t n = max;
	while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0u) == 0x80u) {
		--n;
	}
	return "'" + state::comment_text(s.substr(0, n)) + "...'";
}

// The first control byte of `s` (below 0x20, or 0x7f), if any.
std::optional<unsigned char>
control_byte(std::string_view s) {
	for (char ch : s) {
		const auto c = static_cast<unsigned char>(ch);
		if (c < 0x20 || c == 0x7f) {
			return c;
		}
	}
	return std::nullopt;
}

std::string
hex_byte(unsigned char c) {
	static constexpr char digits[] = "0123456789ABCDEF";
	return std::string("0x") + digits[c >> 4] + digits[c & 0x0F];
}

// Levenshtein distance, for "did you mean" hints on short keys.
std::size_t
edit_distance(std::string_view a, std::string_view b) {
	std::vector<std::size_t> row(b.size() + 1);
	for (std::size_t j = 0; j <= b.size(); ++j) {
		row[j] = j;
	}
	for (std::size_t i = 1; i <= a.size(); ++i) {
		std::size_t diag = row[0];
		row[0] = i;
		for (std::size_t j = 1; j <= b.size(); ++j) {
			const std::size_t up = row[j];
			row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1)});
			diag = up;
		}
	}
	return row[b.size()];
}

enum class SectionKind { upgrade, downgrade, verify };

const char *
section_name(SectionKind k) {
	switch (k) {
	case SectionKind::upgrade:
		return "upgrade";
	case SectionKind::downgrade:
		return "downgrade";
	case SectionKind::verify:
		return "verify";
	}
	return "";
}

// What a trimmed line is as far as markers go.
struct MarkerLine {
	bool is_marker = false;          // looks like a marker at all
	std::optional<SectionKind> kind; // set when it is a valid one
};

MarkerLine
classify_marker(std::string_view t) {
	MarkerLine m;
	if (t == "-- migrate:upgrade") {
		m.kind = SectionKind::upgrade;
	} else if (t == "-- migrate:downgrade") {
		m.kind = SectionKind::downgrade;
	} else if (t == "-- migrate:verify") {
		m.kind = SectionKind::verify;
	}
	if (m.kind) {
		m.is_marker = true;
		return m;
	}
	// Near misses: "--", blanks, "migrate" in any case, blanks, ":", then a letter at once.
	// "-- migrate: see below" (a blank after the colon) stays an ordinary comment.
	if (!t.starts_with("--")) {
		return m;
	}
	std::string_view r = trim(t.substr(2));
	if (!istarts_with(r, "migrate")) {
		return m;
	}
	r = trim(r.substr(7));
	if (r.size() >= 2 && r[0] == ':' && is_alpha(r[1])) {
		m.is_marker = true;
	}
	return m;
}

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
// Returns the length of the sequence at s[i], or 0 when it is invalid.
std::size_t
utf8_sequence(std::string_view s, std::size_t i) {
	const auto b = [&](std::size_t k) -> unsigned { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
	const unsigned c = b(i);
	const auto cont = [&](std::size_t k) { return (b(k) & 0xC0u) == 0x80u; };
	if (c < 0x80) {
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		return cont(i + 1) ? 2 : 0;
	}
	if (c >= 0xE0 && c <= 0xEF) {
		const unsigned c1 = b(i + 1);
		const bool ok1 = c == 0xE0 ? (c1 >= 0xA0 && c1 <= 0xBF) : c == 0xED ? (c1 >= 0x80 && c1 <= 0x9F) : cont(i + 1);
		return ok1 && cont(i + 2) ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		const unsigned c1 = b(i + 1);
		const bool ok1 = c == 0xF0 ? (c1 >= 0x90 && c1 <= 0xBF) : c == 0xF4 ? (c1 >= 0x80 && c1 <= 0x8F) : cont(i + 1);
		return ok1 && cont(i + 2) && cont(i + 3) ? 4 : 0;
	}
	return 0;
}

// Parser state for one file.
class Parser {
public:
	Parser(std::string_view content, std::string_view filename, ParseOptions options)
	    : content_(content), filename_(filename.empty() ? std::string("<input>") : state::comment_text(filename)),
	      options_(options) {
		rev_.filename = filename;
	}

	Revision parse();

private:
	struct Open {
		SectionKind kind;
		int marker_line = 0; // the body starts on the next line
		bool has_code = false;
	};

	[[noreturn]] void fail(int line, const std::string &message, std::string hint = {},
	                       const char *state = sqlstate::invalid_migration_file) const {
		throw Error(state, where(line) + message, {}, std::move(hint));
	}
	std::string where(int line) const { return filename_ + ":" + std::to_string(line) + ": "; }

	void normalise();
	void header_line(std::string_view trimmed, int line_no);
	bool waiver_line(std::string_view trimmed, int line_no);
	std::vector<std::string> id_list(std::string_view key, std::string_view value, int line_no, bool allow_none);
	void check_id(std::string_view key, std::string_view id, int line_no);
	void section_tokens(const std::vector<Token> &tokens);
	void close_section(int end_line);
	std::size_t line_offset(int line) const;

	std::string_view content_;
	std::string filename_; // for messages: control characters escaped
	ParseOptions options_;
	std::string text_; // content_ with line endings normalised, BOM removed
	// line_start_[k]: offset in content_ of the start of line k (1-based; [0] unused), so that
	// sections are cut from the bytes as given, not from text_.
	std::vector<std::size_t> line_start_;
	Revision rev_;
	std::array<int, 7> key_line_{}; // line of each known key, 0 when absent
	std::array<int, 3> section_line_{};
	std::optional<Open> open_;
	// COPY ... FROM STDIN detection in the open section.
	bool stmt_start_ = true;
	bool in_copy_ = false;
	bool after_from_ = false;
	int copy_line_ = 0;
	int paren_depth_ = 0;
};

// Validates the bytes (UTF-8, no NUL) and builds text_: CRLF and lone CR become LF, BOM dropped.
void
Parser::normalise() {
	std::size_t i = 0;
	if (content_.starts_with("\xEF\xBB\xBF")) {
		i = 3;
	}
	text_.reserve(content_.size() - i);
	line_start_.assign({0, i});
	int line = 1;
	const std::size_t n = content_.size();
	while (i < n) {
		const char c = content_[i];
		if (c == '\r') {
			text_.push_back('\n');
			++line;
			i += (i + 1 < n && content_[i + 1] == '\n') ? 2 : 1;
			line_start_.push_back(i);
		} else if (c == '\n') {
			text_.push_back('\n');
			++line;
			++i;
			line_start_.push_back(i);
		} else if (c == '\0') {
			fail(line, "NUL byte at byte offset " + std::to_string(i), "migration files are UTF-8 text");
		} else if (static_cast<unsigned char>(c) < 0x80) {
			text_.push_back(c);
			++i;
		} else {
			const std::size_t len = utf8_sequence(content_, i);
			if (len == 0) {
				fail(line, "invalid UTF-8 byte sequence at byte offset " + std::to_string(i),
				     "migration files must be encoded in UTF-8");
			}
			text_.append(content_.substr(i, len));
			i += len;
		}
	}
}

// A `-- migrate:allow RULE: reason` line (trimmed): records the waiver and returns true; false for
// any other line.
bool
Parser::waiver_line(std::string_view trimmed, int line_no) {
	if (!trimmed.starts_with("--"))
		return false;
	std::string_view r = trim(trimmed.substr(2));
	constexpr std::string_view word = "migrate:allow";
	if (!r.starts_with(word) || (r.size() > word.size() && !is_blank(r[word.size()])))
		return false;
	r = trim(r.substr(word.size()));
	constexpr std::string_view syntax_hint = "write '-- migrate:allow RULE: reason', e.g. "
	                                         "'-- migrate:allow ban-drop-column: nothing reads it since release 41'";
	const std::size_t colon = r.find(':');
	const std::string_view rule = trim(r.substr(0, colon));
	const std::string_view reason = colon == std::string_view::npos ? std::string_view{} : trim(r.substr(colon + 1));
	if (rule.empty())
		fail(line_no, "a waiver without a rule name", std::string(syntax_hint));
	if (!lint::is_rule(rule)) {
		std::string hint;
		for (const lint::RuleInfo &known : lint::rules())
			if (edit_distance(rule, known.name) <= 3) {
				hint = "did you mean '" + std::string(known.name) + "'? ";
				break;
			}
		fail(line_no, "unknown lint rule " + quoted(rule) + " in a waiver",
		     hint + "the rules are listed in README.md (Safe by default)");
	}
	if (reason.empty())
		fail(line_no, "the waiver of '" + std::string(rule) + "' gives no reason",
		     "say why the finding is acceptable here: " + std::string(syntax_hint));
	if (const auto c = control_byte(reason))
		fail(line_no, "control character " + hex_byte(*c) + " in the reason of a waiver");
	for (const Waiver &w : rev_.waivers)
		if (w.rule == rule)
			fail(line_no,
			     "rule '" + std::string(rule) + "' is waived twice (first on line " + std::to_string(w.line) + ")");
	rev_.waivers.push_back({std::string(rule), std::string(reason), line_no});
	return true;
}

// Checks one id of a header value.
void
Parser::check_id(std::string_view key, std::string_view id, int line_no) {
	if (!valid_revision_id(id)) {
		fail(line_no,
		     "invalid " + std::string(key == "branch_labels" ? "branch label" : "revision id") + " " + quoted(id) +
		         " in '" + std::string(key) + "'",
		     "ids are 1 to 64 characters from A-Z, a-z, 0-9 and _");
	}
	if (is_reserved_id(id)) {
		fail(line_no, quoted(id) + " is reserved and cannot be used in '" + std::string(key) + "'",
		     "'none', 'base', 'head' and 'heads' have a meaning in targets");
	}
}

// Splits a comma-separated list of ids; `none` (alone) or an empty value gives an empty list.
std::vector<std::string>
Parser::id_list(std::string_view key, std::string_view value, int line_no, bool allow_none) {
	std::vector<std::string> out;
	if (value.empty() || (allow_none && iequals(value, "none"))) {
		return out;
	}
	while (true) {
		const std::size_t comma = value.find(',');
		const std::string_view item = trim(value.substr(0, comma));
		if (item.empty()) {
			fail(line_no, "empty item in the list of '" + std::string(key) + "'",
			     "separate ids with single commas, e.g. 'a1, b2'");
		}
		check_id(key, item, line_no);
		if (std::find(out.begin(), out.end(), item) != out.end()) {
			fail(line_no, quoted(item) + " is listed twice in '" + std::string(key) + "'");
		}
		out.emplace_back(item);
		if (comma == std::string_view::npos) {
			break;
		}
		value.remove_prefix(comma + 1);
	}
	return out;
}

// Handles one `--` line of the header (already trimmed).
void
Parser::header_line(std::string_view trimmed, int line_no) {
	std::string_view r = trim(trimmed.substr(2));
	std::size_t k = 0;
	if (r.empty() || !(is_alpha(r[0]) || r[0] == '_')) {
		return; // free text
	}
	while (k < r.size() && is_key_char(r[k])) {
		++k;
	}
	const std::string_view key = r.substr(0, k);
	std::string_view rest = trim(r.substr(k));
	if (rest.empty() || rest[0] != ':') {
		return; // free text
	}
	const std::string_view value = trim(rest.substr(1));
	if (value.starts_with("//")) {
		return; // a URL, not a key
	}
	const auto it = std::find(known_keys.begin(), known_keys.end(), key);
	if (it == known_keys.end()) {
		std::string hint;
		for (std::string_view known : known_keys) {
			if (edit_distance(key, known) <= 2) {
				hint = "did you mean '" + std::string(known) + "'? ";
				break;
			}
		}
		hint += known_keys_hint;
		hint += "; a free-text header comment must not start with 'word:'";
		fail(line_no, "unknown header key " + quoted(key), std::move(hint));
	}
	const auto idx = static_cast<std::size_t>(it - known_keys.begin());
	if (key_line_[idx] != 0) {
		fail(line_no, "duplicate header key '" + std::string(key) + "' (first given on line " +
		                  std::to_string(key_line_[idx]) + ")");
	}
	key_line_[idx] = line_no;
	// Header values reach messages, comments of generated scripts and terminals: no control
	// characters (a tab around the value is trimmed; one inside it is refused too).
	if (const auto c = control_byte(value)) {
		fail(line_no, "control character " + hex_byte(*c) + " in the value of '" + std::string(key) + "'",
		     "header values are plain text on one line: remove the character");
	}
	switch (idx) {
	case 0: // revision
		if (value.empty()) {
			fail(line_no, "empty 'revision'", "give the revision id, e.g. '-- revision: 001'");
		}
		check_id(key, value, line_no);
		rev_.id = value;
		break;
	case 1: // down_revision
		if (value.empty()) {
			fail(line_no, "empty 'down_revision'",
			     "write '-- down_revision: none' for a root revision, or the id of its parent");
		}
		rev_.down_revisions = id_list(key, value, line_no, true);
		break;
	case 2: // message
		rev_.message = value;
		break;
	case 3: // branch_labels
		rev_.branch_labels = id_list(key, value, line_no, false);
		break;
	case 4: // depends_on
		rev_.depends_on = id_list(key, value, line_no, false);
		break;
	case 5: // transactional
		if (iequals(value, "true")) {
			rev_.transactional = true;
		} else if (iequals(value, "false")) {
			rev_.transactional = false;
		} else {
			fail(line_no, "invalid value " + quoted(value) + " for 'transactional'", "use true or false");
		}
		break;
	case 6: { // lock_timeout
		// digits, an optional fraction, an optional unit; nothing else (it becomes SET LOCAL).
		std::size_t p = 0;
		std::size_t int_digits = 0;
		while (p < value.size() && value[p] >= '0' && value[p] <= '9') {
			++p;
			++int_digits;
		}
		bool ok = int_digits > 0 && int_digits <= 10;
		if (ok && p < value.size() && value[p] == '.') {
			++p;
			const std::size_t frac_start = p;
			while (p < value.size() && value[p] >= '0' && value[p] <= '9') {
				++p;
			}
			ok = p > frac_start && p - frac_start <= 6;
		}
		const std::string_view unit = ok ? value.substr(p) : std::string_view{};
		ok = ok && (unit.empty() || unit == "us" || unit == "ms" || unit == "s" || unit == "min" || unit == "h" ||
		            unit == "d");
		if (!ok) {
			fail(line_no, "invalid value " + quoted(value) + " for 'lock_timeout'",
			     "write a PostgreSQL duration such as 5s, 500ms or 1min (a bare number means milliseconds)");
		}
		rev_.lock_timeout = value;
		break;
	}
	default:
		break;
	}
}

// Watches the tokens of a section: any token is SQL; COPY ... FROM STDIN is refused.
void
Parser::section_tokens(const std::vector<Token> &tokens) {
	for (const Token &t : tokens) {
		open_->has_code = true;
		if (t.kind == TokenKind::semicolon) {
			stmt_start_ = true;
			in_copy_ = false;
			continue;
		}
		if (stmt_start_) {
			stmt_start_ = false;
			in_copy_ = t.kind == TokenKind::word && iequals(t.text, "copy");
			after_from_ = false;
			paren_depth_ = 0;
			copy_line_ = t.line;
			continue;
		}
		if (!in_copy_) {
			continue;
		}
		switch (t.kind) {
		case TokenKind::open_paren:
			++paren_depth_;
			after_from_ = false;
			break;
		case TokenKind::close_paren:
			--paren_depth_;
			after_from_ = false;
			break;
		case TokenKind::word:
			if (after_from_ && iequals(t.text, "stdin")) {
				fail(copy_line_, copy_from_stdin_message, copy_from_stdin_hint, sqlstate::feature_not_supported);
			}
			after_from_ = paren_depth_ == 0 && iequals(t.text, "from");
			break;
		default:
			after_from_ = false;
			break;
		}
	}
}

// Offset in content_ of the start of `line`; the end of the content past the last line.
std::size_t
Parser::line_offset(int line) const {
	const auto k = static_cast<std::size_t>(line);
	return k < line_start_.size() ? line_start_[k] : content_.size();
}

// Ends the open section before line `end_line` (0: at the end of the file). The body is the
// content's own bytes, line endings as the file has them.
void
Parser::close_section(int end_line) {
	if (!open_) {
		return;
	}
	Section *s = nullptr;
	switch (open_->kind) {
	case SectionKind::upgrade:
		s = &rev_.upgrade;
		break;
	case SectionKind::downgrade:
		s = &rev_.downgrade;
		break;
	case SectionKind::verify:
		s = &rev_.verify;
		break;
	}
	// A merge revision only joins branches, so its upgrade may be empty; any other must do something.
	if (open_->kind == SectionKind::upgrade && !open_->has_code && rev_.down_revisions.size() < 2) {
		if (!options_.allow_draft)
			fail(open_->marker_line, empty_upgrade_message,
			     "put the SQL that applies this revision after '-- migrate:upgrade'");
		rev_.draft = where(open_->marker_line) + empty_upgrade_message;
	}
	s->first_line = open_->marker_line + 1;
	s->present = open_->kind != SectionKind::verify || open_->has_code;
	if (s->present && options_.keep_sql) {
		const std::size_t begin = line_offset(open_->marker_line + 1);
		const std::size_t end = end_line == 0 ? content_.size() : line_offset(end_line);
		s->sql.assign(content_.substr(begin, end - begin));
	} else if (!s->present) {
		s->first_line = 0;
	}
	open_.reset();
}

Revision
Parser::parse() {
	// The name reaches messages, the store and comments of generated scripts (`--sql`): a newline
	// in it could end a comment and start a statement, so a name with control characters is refused
	// in both hosts (the client names its files; migrate_add takes whatever name the caller gives).
	if (const auto c = control_byte(rev_.filename)) {
		throw Error(sqlstate::invalid_migration_file,
		            filename_ + ": the file name contains a control character (" + hex_byte(*c) + ")", {},
		            "rename the file: migration file names must not contain control characters such as newlines");
	}
	rev_.checksum = migration_checksum(content_);
	normalise();

	SqlLexer lexer;
	std::vector<Token> tokens;
	bool in_header = true;
	int stray_line = 0; // first line of SQL before any marker
	int first_marker_line = 0;
	int line_no = 1;
	std::size_t pos = 0;
	const std::size_t n = text_.size();
	while (pos <= n) {
		std::size_t eol = text_.find('\n', pos);
		const bool last = eol == std::string::npos;
		if (last) {
			eol = n;
		}
		const std::string_view line(text_.data() + pos, eol - pos);
		const std::size_t next = last ? n : eol + 1;
		if (lexer.state() == LexState::normal && waiver_line(trim(line), line_no)) {
			// a comment for the lexer, nothing for the header
		} else if (lexer.state() == LexState::normal) {
			const std::string_view t = trim(line);
			const MarkerLine m = classify_marker(t);
			if (m.is_marker) {
				if (!m.kind) {
					std::string hint(marker_hint);
					if (t.find("migrate:up") != std::string_view::npos ||
					    t.find("migrate:down") != std::string_view::npos) {
						hint += " (dbmate's '-- migrate:up' is '-- migrate:upgrade' here)";
					}
					fail(line_no, "unknown section marker " + quoted(t), std::move(hint));
				}
				const auto k = static_cast<std::size_t>(*m.kind);
				if (section_line_[k] != 0) {
					fail(line_no, std::string("duplicate section '-- migrate:") + section_name(*m.kind) +
					                  "' (first on line " + std::to_string(section_line_[k]) + ")");
				}
				section_line_[k] = line_no;
				if (in_header) {
					if (stray_line != 0) {
						fail(stray_line, "SQL before the first section marker",
						     "the header holds only '-- key: value' lines and comments; put SQL after "
						     "'-- migrate:upgrade'");
					}
					in_header = false;
					first_marker_line = line_no;
				}
				close_section(line_no);
				open_ = Open{*m.kind, line_no, false};
				lexer.reset();
				stmt_start_ = true;
				in_copy_ = false;
				if (last) {
					break;
				}
				pos = next;
				++line_no;
				continue;
			}
			if (in_header && t.starts_with("--")) {
				header_line(t, line_no);
			}
		}
		tokens.clear();
		lexer.scan_line(line, line_no, tokens);
		if (!tokens.empty()) {
			if (in_header) {
				if (stray_line == 0) {
					stray_line = tokens.front().line;
				}
			} else {
				section_tokens(tokens);
			}
		}
		if (last) {
			break;
		}
		pos = next;
		++line_no;
	}
	if (lexer.state() != LexState::normal) {
		fail(lexer.open_line(), "unterminated " + lexer.describe_open() + " (it starts on this line)");
	}
	if (!section_line_[0]) {
		std::string hint = "every migration needs a '-- migrate:upgrade' line followed by its SQL";
		if (stray_line != 0) {
			hint += "; SQL starts on line " + std::to_string(stray_line);
		}
		fail(first_marker_line ? first_marker_line : 1, "missing section '-- migrate:upgrade'", std::move(hint));
	}
	close_section(0);
	if (rev_.id.empty()) {
		fail(first_marker_line, "missing header key 'revision'",
		     "start the file with '-- revision: <id>' before the first section marker");
	}
	// Required, so that a forgotten parent never makes a silent second root.
	if (key_line_[1] == 0) {
		fail(first_marker_line, "missing header key 'down_revision'",
		     "write '-- down_revision: none' for a root revision, or '-- down_revision: <id>' naming its parent");
	}
	return std::move(rev_);
}

} // namespace

// Parses one migration file.
Revision
parse_migration(std::string_view content, std::string_view filename, ParseOptions options) {
	return Parser(content, filename, options).parse();
}

// SHA-256 over the content with CRLF and lone CR turned into LF (see the top of this file).
std::string
migration_checksum(std::string_view content) {
	SHA256_CTX ctx;
	bool ok = SHA256_Init(&ctx) == 1;
	std::size_t pos = 0;
	while (ok && pos < content.size()) {
		const std::size_t cr = content.find('\r', pos);
		const std::size_t end = cr == std::string_view::npos ? content.size() : cr;
		ok = SHA256_Update(&ctx, content.data() + pos, end - pos) == 1;
		if (cr == std::string_view::npos) {
			break;
		}
		ok = ok && SHA256_Update(&ctx, "\n", 1) == 1;
		pos = cr + 1;
		if (pos < content.size() && content[pos] == '\n') {
			++pos;
		}
	}
	std::array<unsigned char, SHA256_DIGEST_LENGTH> md{};
	const unsigned int len = SHA256_DIGEST_LENGTH;
	ok = ok && SHA256_Final(md.data(), &ctx) == 1;
	if (!ok) {
		throw Error(sqlstate::internal_error, "SHA-256 failed in OpenSSL");
	}
	static constexpr char digits[] = "0123456789abcdef";
	std::string hex;
	hex.reserve(2 * len);
	for (unsigned int i = 0; i < len; ++i) {
		hex.push_back(digits[md[i] >> 4]);
		hex.push_back(digits[md[i] & 0x0F]);
	}
	return hex;
}

bool
is_id_char(char c) noexcept {
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

bool
valid_revision_id(std::string_view id) noexcept {
	return !id.empty() && id.size() <= max_revision_id_length && std::all_of(id.begin(), id.end(), is_id_char);
}

bool
is_reserved_id(std::string_view id) noexcept {
	return iequals(id, "none") || iequals(id, "base") || iequals(id, "head") || iequals(id, "heads");
}

} // namespace migrate
