// pgmigrate init [DIR]: the migrations directory with a README on the file format.
#include "commands/commands.hpp"
#include "output.hpp"

#include <fmt/format.h>

#include <fstream>

namespace pgmigrate::commands {

namespace fs = std::filesystem;

namespace {

constexpr const char *readme = R"(# Migrations

Each `.sql` file here is one revision, applied by `pgmigrate` (and stored in the database by the
`migrate` extension). Files are named `YYYYMMDD_HHMM_<rev>_<slug>.sql`; the name is for people,
the header inside is the truth. Other files (this README, dot-files) are ignored.

    -- revision: 002
    -- down_revision: 001
    -- message: add agent capabilities
    -- branch_labels: memory          (optional, comma-separated)
    -- depends_on: 0a1b2c              (optional, comma-separated)
    -- transactional: true             (optional; false runs it outside a transaction block,
    --                                  for CREATE INDEX CONCURRENTLY and the like)
    -- lock_timeout: 5s                (optional: SET LOCAL lock_timeout for its steps)

    -- migrate:upgrade
    ALTER TABLE agents ADD COLUMN capabilities text[] NOT NULL DEFAULT '{}';

    -- migrate:downgrade
    ALTER TABLE agents DROP COLUMN capabilities;

- `down_revision`: `none` for the first revision, one id, or a comma-separated list for a
  merge revision (`pgmigrate merge heads -m "..."` writes one).
- `-- migrate:downgrade` is optional: without it the revision cannot be downgraded.
- `-- migrate:verify` (optional) holds read-only SQL run after the upgrade; an error or a
  `false` result fails the upgrade.
- A revision's content must not change once it is applied (its SHA-256 checksum is kept):
  put changes in a new revision.

Everyday commands:

    pgmigrate revision -m "add agent capabilities"   # new file from the template
    pgmigrate upgrade head                           # apply everything
    pgmigrate downgrade -1                           # undo the last revision
    pgmigrate current                                # what is applied
    pgmigrate history --verbose                      # the revision graph
    pgmigrate upgrade head --sql                     # the SQL, without running it
    pgmigrate test                                   # upgrade/downgrade round trip on a scratch database
)";

} // namespace

int
init(Context &ctx, const InitOptions &opt) {
	fs::path dir = opt.dir.empty() ? ctx.project_dir() : fs::path(opt.dir);
	std::error_code ec;
	if (fs::exists(dir, ec)) {
		if (!fs::is_directory(dir, ec))
			throw Failure(fmt::format("{} exists and is not a directory", dir.string()));
		if (!fs::is_empty(dir, ec))
			throw Failure(fmt::format("Directory {} already exists and is not empty", dir.string()));
	} else {
		fs::create_directories(dir, ec);
		if (ec)
			throw Failure(fmt::format("cannot create directory {}: {}", dir.string(), ec.message()));
		out().progress(fmt::format("Creating directory {} ...  done", dir.string()));
	}
	fs::path readme_path = dir / "README.md";
	std::ofstream f(readme_path, std::ios::binary);
	f << readme;
	f.close();
	if (!f)
		throw Failure(fmt::format("cannot write {}", readme_path.string()));
	out().progress(fmt::format("Generating {} ...  done", readme_path.string()));
	out().progress(fmt::format("Add the first revision with: pgmigrate{} revision -m \"initial schema\"",
	                           opt.dir.empty() || opt.dir == "migrations" ? "" : " --dir " + dir.string()));
	out().doc()["directory"] = dir.string();
	out().doc()["files"] = {readme_path.string()};
	return 0;
}

} // namespace pgmigrate::commands
