// The migration file template and the id / file-name conventions of SPEC section 1.
#include "revision_file.hpp"

#include "errors.hpp"
#include "migrate/error.hpp"
#include "migrate/migration_file.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
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
body(const NewRevision &rev, bool with_noop) {
	std::string header = fmt::format("-- revision: {}\n-- down_revision: {}\n-- message: {}\n", rev.id,
	                                 rev.down_revisions.empty() ? std::string("none")
	                                                            : fmt::format("{}", fmt::join(rev.down_revisions, ", ")),
	                                 one_line(rev.message));
	if (!rev.branch_labels.empty())
		header += fmt::format("-- branch_labels: {}\n", fmt::join(rev.branch_labels, ", "));
	if (!rev.depends_on.empty())
		header += fmt::format("-- depends_on: {}\n", fmt::join(rev.depends_on, ", "));

	if (rev.down_revisions.size() > 1) {
		// A merge revision joins its parents; there is usually nothing to run.
		return header + "\n-- migrate:upgrade\n-- merges " + fmt::format("{}", fmt::join(rev.down_revisions, ", ")) +
		       ": nothing to run\n" + (with_noop ? "SELECT;\n" : "") +
		       "\n-- migrate:downgrade\n-- nothing to undo\n";
	}
	if (!rev.upgrade_sql.empty())
		return header + "\n-- migrate:upgrade\n" + rev.upgrade_sql + "\n-- migrate:downgrade\n" + rev.downgrade_sql;
	return header +
	       "\n-- migrate:upgrade\n"
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

std::string
slugify(const std::string &message) {
	std::string slug;
	bool gap = false;
	for (unsigned char c : message) {
		if (std::isalnum(c) && c < 0x80) {
			if (gap && !slug.empty())
				slug += '_';
			slug += static_cast<char>(std::tolower(c));
			gap = false;
		} else {
			gap = true;
		}
		if (slug.size() >= 40)
			break;
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
	std::string content = body(rev, false);
	if (rev.down_revisions.size() > 1) {
		// Older engines refuse an upgrade section without SQL; then a merge gets a no-op SELECT.
		try {
			migrate::parse_migration(content, "merge.sql");
		} catch (const migrate::Error &) {
			content = body(rev, true);
		}
	}
	return content;
}

fs::path
write_revision(const fs::path &dir, const NewRevision &rev) {
	std::string content = render_revision(rev);
	fs::path path = dir / revision_filename(rev, std::time(nullptr));
	std::string shown = path.string();
	try {
		migrate::Revision parsed = migrate::parse_migration(content, shown);
		(void)parsed;
	} catch (const migrate::Error &e) {
		// The template only fails to parse when the parser wants SQL in the upgrade section:
		// the file is still the right start, so write it and let the user fill it in.
		std::string what = e.what();
		if (what.find("upgrade section is empty") == std::string::npos)
			throw from_engine(e);
	}
	std::error_code ec;
	fs::create_directories(dir, ec);
	if (fs::exists(path, ec))
		throw Failure(fmt::format("{} already exists", shown));
	std::ofstream f(path, std::ios::binary | std::ios::trunc);
	f << content;
	f.close();
	if (!f)
		throw Failure(fmt::format("cannot write {}", shown));
	return path;
}

} // namespace pgmigrate
