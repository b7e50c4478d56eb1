// libFuzzer target for parse_migration. Beyond "no crash, no sanitizer report", it checks:
// - the only exceptions are migrate::Error with 22P02 (or 0A000 for COPY FROM STDIN), and each
//   message starts with "<file>:<line>: ";
// - a parsed revision's checksum is migration_checksum(input);
// - the same content with CRLF or lone-CR line endings parses to the same revision (sections
//   equal once their line endings are normalised: a section keeps the file's own bytes), or fails
//   with the same error on the same line;
// - every section body is a byte-exact slice of the input.
#include "../../core/src/sql_lexer.hpp"
#include "migrate/error.hpp"
#include "migrate/migration_file.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view filename = "f.sql";

[[noreturn]] void
fail(const char *what, std::string_view detail) {
	std::fprintf(stderr, "fuzz_migration_file: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
	std::abort();
}

struct Outcome {
	std::optional<migrate::Revision> revision;
	std::string sqlstate;
	std::string message; // up to " at byte offset" (offsets differ between line-ending styles)
};

Outcome
run(std::string_view content) {
	Outcome o;
	try {
		o.revision = migrate::parse_migration(content, filename);
	} catch (const migrate::Error &e) {
		o.sqlstate = e.sqlstate();
		o.message = e.what();
		if (o.sqlstate != "22P02" && o.sqlstate != "0A000") {
			fail("unexpected SQLSTATE", o.sqlstate + " " + o.message);
		}
		const std::string_view m = o.message;
		std::size_t p = filename.size() + 1;
		if (!m.starts_with(std::string(filename) + ":") || p >= m.size() || m[p] < '1' || m[p] > '9') {
			fail("message without file:line prefix", m);
		}
		while (p < m.size() && m[p] >= '0' && m[p] <= '9') {
			++p;
		}
		if (m.substr(p, 2) != ": ") {
			fail("message without file:line prefix", m);
		}
		if (const std::size_t at = o.message.find(" at byte offset"); at != std::string::npos) {
			o.message.resize(at);
		}
	}
	return o;
}

// Content with line endings normalised to LF, then each LF replaced by `eol`.
std::string
with_eol(std::string_view content, std::string_view eol) {
	std::string out;
	out.reserve(content.size() * 2);
	for (std::size_t i = 0; i < content.size(); ++i) {
		if (content[i] == '\r') {
			out += eol;
			if (i + 1 < content.size() && content[i + 1] == '\n') {
				++i;
			}
		} else if (content[i] == '\n') {
			out += eol;
		} else {
			out += content[i];
		}
	}
	return out;
}

// Content with CRLF and lone CR turned into LF.
std::string
lf_only(std::string_view content) {
	return with_eol(content, "\n");
}

void
same(const migrate::Section &a, const migrate::Section &b, std::string_view what) {
	if (lf_only(a.sql) != lf_only(b.sql) || a.first_line != b.first_line || a.present != b.present) {
		fail("line endings change a section", what);
	}
}

void
compare(const Outcome &a, const Outcome &b, std::string_view what) {
	if (a.revision.has_value() != b.revision.has_value() || a.sqlstate != b.sqlstate || a.message != b.message) {
		fail("line endings change the outcome", std::string(what) + ": '" + a.message + "' vs '" + b.message + "'");
	}
	if (!a.revision) {
		return;
	}
	const migrate::Revision &x = *a.revision;
	const migrate::Revision &y = *b.revision;
	if (x.id != y.id || x.down_revisions != y.down_revisions || x.depends_on != y.depends_on ||
	    x.branch_labels != y.branch_labels || x.message != y.message || x.transactional != y.transactional ||
	    x.lock_timeout != y.lock_timeout || x.checksum != y.checksum || x.filename != y.filename) {
		fail("line endings change the header", what);
	}
	same(x.upgrade, y.upgrade, what);
	same(x.downgrade, y.downgrade, what);
	same(x.verify, y.verify, what);
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
	const std::string_view content(reinterpret_cast<const char *>(data), size);
	(void)migrate::detail::classify_sql(content);
	const Outcome lf = run(content);
	if (lf.revision) {
		const migrate::Revision &r = *lf.revision;
		if (r.checksum != migrate::migration_checksum(content)) {
			fail("checksum differs from migration_checksum", r.checksum);
		}
		if (!r.upgrade.present || r.upgrade.first_line < 2 || !migrate::valid_revision_id(r.id)) {
			fail("accepted a revision without upgrade or id", r.id);
		}
		for (const migrate::Section *s : {&r.upgrade, &r.downgrade, &r.verify}) {
			if (s->present && content.find(s->sql) == std::string_view::npos) {
				fail("a section is not a slice of the input", s->sql);
			}
		}
	}
	if (size <= 4096) { // keep the exec rate up: the comparisons copy the input twice
		compare(lf, run(with_eol(content, "\r\n")), "CRLF");
		compare(lf, run(with_eol(content, "\r")), "CR");
	}
	return 0;
}
