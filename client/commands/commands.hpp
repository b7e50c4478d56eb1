// One function per pgmigrate command; each returns the exit status (failures throw Failure).
#pragma once

#include "context.hpp"
#include "shadow.hpp"

#include <string>
#include <vector>

namespace pgmigrate::commands {

struct InitOptions {
	std::string dir; // positional; empty: --dir / PGMIGRATE_DIR / ./migrations
};
int init(Context &ctx, const InitOptions &opt);

struct RevisionOptions {
	std::string message;
	std::string rev_id;
	std::string head;
	bool splice = false;
	std::vector<std::string> branch_labels;
	std::vector<std::string> depends_on;
	bool autogenerate = false;
	ShadowOptions shadow; // --schema, --shadow-url (with --autogenerate)
	bool sql = false;
};
int revision(Context &ctx, const RevisionOptions &opt);

struct MergeOptions {
	std::vector<std::string> revisions;
	std::string message;
	std::string rev_id;
	std::vector<std::string> branch_labels;
};
int merge(Context &ctx, const MergeOptions &opt);

struct MigrateOptions {
	std::string target;
	bool sql = false;
	bool per_revision = false;
};
int upgrade(Context &ctx, const MigrateOptions &opt);
int downgrade(Context &ctx, const MigrateOptions &opt);

struct CurrentOptions {
	bool verbose = false;
};
int current(Context &ctx, const CurrentOptions &opt);

struct HistoryOptions {
	bool verbose = false;
	std::string range;
	bool indicate_current = false;
};
int history(Context &ctx, const HistoryOptions &opt);

struct HeadsOptions {
	bool verbose = false;
	bool resolve_dependencies = false;
};
int heads(Context &ctx, const HeadsOptions &opt);

struct BranchesOptions {
	bool verbose = false;
};
int branches(Context &ctx, const BranchesOptions &opt);

struct ShowOptions {
	std::vector<std::string> revisions;
};
int show(Context &ctx, const ShowOptions &opt);

struct RemoveOptions {
	std::vector<std::string> revisions;
};
int remove(Context &ctx, const RemoveOptions &opt);

struct StampOptions {
	std::vector<std::string> targets;
	bool purge = false;
	bool sql = false;
	bool from_alembic = false; // adopt
};
int stamp(Context &ctx, const StampOptions &opt);

// import alembic: an Alembic project's revisions as migration files in the migrations directory.
struct ImportOptions {
	std::string from;    // the Alembic project's directory (default: the current one)
	std::string config;  // -c/--config: its alembic.ini (default: DIR/alembic.ini)
	std::string alembic; // the command that runs Alembic (default: alembic on PATH)
	std::string python;  // the interpreter that has the alembic module (default: from --alembic)
	std::string version_table = "alembic_version";
	double timeout = 120; // seconds, for each run of Alembic
	bool force = false;   // overwrite files that hold an imported revision with other content
};
int import_alembic(Context &ctx, const ImportOptions &opt);

// adopt (and stamp --from-alembic): a database that Alembic migrated gets migrate's version rows
// from its alembic_version, after checking that every row names an imported revision.
int adopt(Context &ctx);

struct CheckOptions {
	bool schema = false; // --schema given: also compare the migrations' head with the schema files
	ShadowOptions shadow;
};
int check(Context &ctx, const CheckOptions &opt);

// Moving a database between the two modes, its history, version and log intact, in one
// transaction: client mode -> the extension, and back.
struct InstallExtensionOptions {
	std::string schema; // CREATE EXTENSION ... SCHEMA (default: the first schema on search_path)
	// Grants on the client-mode state that the extension does not define (TRIGGER, TRUNCATE, rights
	// given to PUBLIC...): without this the move refuses them; with it they are left behind.
	bool drop_other_grants = false;
};
int install_extension(Context &ctx, const InstallExtensionOptions &opt);
int uninstall_extension(Context &ctx);

// The DDL that turns one live database's schema into another's (the engine's introspection and
// diff, as --autogenerate uses them): for drift between environments.
struct DiffOptions {
	std::string from_url;
	std::string to_url;
};
int diff(Context &ctx, const DiffOptions &opt);

// Lints the project's files (all, or `revisions` and what they name), with the database's catalog
// when a database is given (unless `offline`); exit 1 when a warning is not waived.
struct LintOptions {
	std::vector<std::string> revisions;
	bool offline = false;
};
int lint(Context &ctx, const LintOptions &opt);

struct TestOptions {
	std::string scratch_url;
	bool keep = false;
};
int test(Context &ctx, const TestOptions &opt);

} // namespace pgmigrate::commands
