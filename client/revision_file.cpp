// The migration file template and the id / file-name conventions of SPEC section 1.
#include "revision_file.hpp"

#include "errors.hpp"
#include "migrate/error.hpp"
#include "migrate/migration_file.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <clocale>
#include <cwctype>
#include <locale.h>
#include <string_view>
#include <fstream>
#include <random>

namespace pgmigrate {

namespace fs = std::filesystem;

namespace {

bool
all_digits(const std::string &s) {
	return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string
random_hex_id() {
	std::random_device rd;
	std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
	for (;;) {
		std::string id = fmt::format("{:012x}", gen() & 0xffffffffffffULL);
		if (!all_digits(id)) // an all-digit id would make the project look numeric
			return id;
	}
}

std::string
one_line(const std::string &text) {
	std::string out;
	for (char c : text)
		out += (c == '\n' || c == '\r') ? ' ' : c;
	auto b = out.find_first_not_of(' ');
	auto e = out.find_last_not_of(' ');
	return b == std::string::npos ? std::string() : out.substr(b, e - b + 1);
}

std::string
body(const NewRevision &rev) {
	std::string header = fmt::format(
	    "-- revision: {}\n-- down_revision: {}\n-- message: {}\n", rev.id,
	    rev.down_revisions.empty() ? std::string("none") : fmt::format("{}", fmt::join(rev.down_revisions, ", ")),
	    one_line(rev.message));
	if (!rev.branch_labels.empty())
		header += fmt::format("-- branch_labels: {}\n", fmt::join(rev.branch_labels, ", "));
	if (!rev.depends_on.empty())
		header += fmt::format("-- depends_on: {}\n", fmt::join(rev.depends_on, ", "));

	if (!rev.upgrade_sql.empty()) // given sections (autogenerate, import), also for a merge
		return header + "\n-- migrate:upgrade\n" + rev.upgrade_sql +
		       (rev.irreversible ? std::string() : "\n-- migrate:downgrade\n" + rev.downgrade_sql);
	if (rev.down_revisions.size() > 1) {
		// A merge revision joins its parents; there is usually nothing to run.
		return header + "\n-- migrate:upgrade\n-- merges " + fmt::format("{}", fmt::join(rev.down_revisions, ", ")) +
		       ": nothing to run\n" + "\n-- migrate:downgrade\n-- nothing to undo\n";
	}
	return header + "\n-- migrate:upgrade\n"
	                "-- The SQL that applies this revision, e.g.\n"
	                "--   ALTER TABLE agents ADD COLUMN capabilities text[] NOT NULL DEFAULT '{}';\n"
	                "\n"
	                "\n"
	                "-- migrate:downgrade\n"
	                "-- The SQL that undoes it, e.g.\n"
	                "--   ALTER TABLE agents DROP COLUMN capabilities;\n"
	                "-- (Delete this section to make the revision irreversible.)\n"
	                "\n";
}

} // namespace

std::string
next_revision_id(const migrate::RevisionGraph &graph) {
	if (graph.size() == 0)
		return "001";
	std::size_t width = 0;
	unsigned long long max = 0;
	for (migrate::RevisionGraph::Index i = 0; i < graph.size(); ++i) {
		const std::string &id = graph[i].id;
		if (!all_digits(id) || id.size() > 18)
			return random_hex_id();
		width = std::max(width, id.size());
		max = std::max(max, std::stoull(id));
	}
	std::string next = fmt::format("{:0{}}", max + 1, width);
	if (graph.find(next)) // cannot happen with max + 1, but never reuse an id
		return random_hex_id();
	return next;
}

namespace {

// One UTF-8 sequence at text[i]: its code point and length, or length 0 when it is not valid
// UTF-8 (overlong forms, surrogates and values past U+10FFFF included).
std::pair<char32_t, std::size_t>
decode_utf8(std::string_view text, std::size_t i) {
	auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
	unsigned char b = byte(i);
	std::size_t len = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
	if (len == 0 || i + len > text.size())
		return {0, 0};
	char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
	for (std::size_t k = 1; k < len; ++k) {
		if ((byte(i + k) & 0xC0) != 0x80)
			return {0, 0};
		cp = (cp << 6) | (byte(i + k) & 0x3F);
	}
	static constexpr char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return {0, 0};
	return {cp, len};
}

void
encode_utf8(std::string &out, char32_t cp) {
	if (cp < 0x80) {
		out += static_cast<char>(cp);
	} else if (cp < 0x800) {
		out += static_cast<char>(0xC0 | (cp >> 6));
		out += static_cast<char>(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out += static_cast<char>(0xE0 | (cp >> 12));
		out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
		out += static_cast<char>(0x80 | (cp & 0x3F));
	} else {
		out += static_cast<char>(0xF0 | (cp >> 18));
		out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
		out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
		out += static_cast<char>(0x80 | (cp & 0x3F));
	}
}

// A letter or digit outside ASCII, lowercased (Python's \w and str.lower(), as Alembic's slug
// uses them): glibc's C.UTF-8 knows Unicode's classes and case mappings. Without that locale, a
// conservative guess: letters of the main scripts kept as they are, Latin-1 capitals lowercased.
// Returns 0 for anything else: punctuation, spaces, symbols, controls, marks.
char32_t
word_char_lower(char32_t cp) {
	static const locale_t utf8 = [] {
		locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
		return l ? l : newlocale(LC_CTYPE_MASK, "C.utf8", static_cast<locale_t>(nullptr));
	}();
	if (utf8) {
		auto wc = static_cast<wint_t>(cp);
		return iswalnum_l(wc, utf8) ? static_cast<char32_t>(towlower_l(wc, utf8)) : 0;
	}
	bool letter = (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || (cp >= 0x370 && cp <= 0x3FF) ||
	              (cp >= 0x400 && cp <= 0x52F) || (cp >= 0x5D0 && cp <= 0x5EA) || (cp >= 0x620 && cp <= 0x64A) ||
	              (cp >= 0x3040 && cp <= 0x30FF && cp != 0x30FB) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
	              (cp >= 0xAC00 && cp <= 0xD7A3);
	if (!letter)
		return 0;
	return cp >= 0xC0 && cp <= 0xDE ? cp + 0x20 : cp;
}

} // namespace

std::string
slugify(const std::string &message) {
	constexpr std::size_t max_chars = 40; // Alembic's truncate_slug_length, in characters
	std::string slug;
	std::size_t chars = 0;
	bool gap = false;
	for (std::size_t i = 0; i < message.size() && chars < max_chars;) {
		auto [cp, len] = decode_utf8(message, i);
		i += len ? len : 1;
		char32_t lowered = 0;
		if (len == 1)
			lowered =
			    std::isalnum(static_cast<int>(cp)) ? static_cast<char32_t>(std::tolower(static_cast<int>(cp))) : 0;
		else if (len > 1)
			lowered = word_char_lower(cp);
		if (lowered == 0 || lowered == '/' || lowered < 0x20) { // invalid bytes count as a gap too
			gap = true;
			continue;
		}
		if (gap && !slug.empty()) {
			slug += '_';
			++chars;
		}
		encode_utf8(slug, lowered);
		++chars;
		gap = false;
	}
	while (!slug.empty() && slug.back() == '_')
		slug.pop_back();
	return slug;
}

std::string
revision_filename(const NewRevision &rev, std::time_t now) {
	std::tm tm{};
	localtime_r(&now, &tm);
	char stamp[32];
	std::strftime(stamp, sizeof stamp, "%Y%m%d_%H%M", &tm);
	std::string slug = slugify(rev.message);
	return fmt::format("{}_{}{}{}.sql", stamp, rev.id, slug.empty() ? "" : "_", slug);
}

std::string
render_revision(const NewRevision &rev) {
	return body(rev);
}

namespace {

// Every header value of `rev` is one line without control characters (the command checks its
// arguments first; this keeps any other caller from writing header lines it did not mean).
void
check_header_values(const NewRevision &rev) {
	std::vector<std::string> values = {rev.id, rev.message};
	for (const auto *list : {&rev.down_revisions, &rev.depends_on, &rev.branch_labels})
		values.insert(values.end(), list->begin(), list->end());
	for (const auto &value : values)
		for (unsigned char c : value)
			if (c < 0x20 || c == 0x7f)
				throw Failure(fmt::format("a header value of the new revision contains a control character (byte "
				                          "0x{:02x}); no file was written",
				                          c));
}

} // namespace

fs::path
write_revision(const fs::path &dir, const NewRevision &rev, const fs::path *replace) {
	check_header_values(rev);
	std::string content = render_revision(rev);
	fs::path path = replace ? *replace : dir / revision_filename(rev, std::time(nullptr));
	std::string shown = path.string();
	// What we write must parse; a draft (no SQL yet) is the right start, for the user to fill in.
	(void)migrate::parse_migration(content, shown, {.allow_draft = true});
	std::error_code ec;
	fs::create_directories(dir, ec);
	if (!replace && fs::exists(path, ec))
		throw Failure(fmt::format("{} already exists", shown));
	std::ofstream f(path, std::ios::binary | std::ios::trunc);
	f << content;
	f.close();
	if (!f)
		throw Failure(fmt::format("cannot write {}", shown));
	return path;
}

} // namespace pgmigrate
