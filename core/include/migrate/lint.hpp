// Lint: what a migration's statements will do to a live database (locks, rewrites, scans), under
// squawk's rule names. One rule engine for both hosts: each host's parser (libpg_query in the
// client, the backend's raw_parser in the extension) turns a statement into the neutral model
// below, and the rules see only the model, plus what the database says about the tables (sizes)
// when there is a database.
#pragma once

#include "migrate/migration_file.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace migrate {
class Database;
}

namespace migrate::lint {

// ---------------------------------------------------------------------------------------------
// The neutral statement model: only what the rules read. Names are as written, lowercased when
// unquoted (as PostgreSQL folds them), schema-qualified only when written so ("public.agents").

// A type as written: `name` is its last part as the parser gives it ("varchar", "int4", "int8",
// "timestamp", "timestamptz", "bpchar", "text", "serial", "bigserial"), `schema` its qualifier
// ("pg_catalog" for the grammar's built-in forms such as `int` or `timestamp with time zone`).
struct TypeName {
	std::string schema;
	std::string name;
	std::vector<int> typmods; // varchar(20): {20}; numeric(10, 2): {10, 2}
	bool array = false;
};

// An expression, as much as the rules need: a default or a USING clause.
struct Expr {
	enum class Kind { constant, function_call, other };
	Kind kind = Kind::other;
	// Every function the expression calls, as written and lowercased ("now", "pg_catalog.random",
	// "gen_random_uuid", "nextval"); a constant with a cast (`'x'::text`) calls none.
	std::vector<std::string> functions;
};

enum class ConstraintKind { primary_key, unique, foreign_key, check, exclusion, not_null, other };

struct Constraint {
	ConstraintKind kind = ConstraintKind::other;
	std::string name;         // empty: unnamed
	bool not_valid = false;   // ... NOT VALID
	bool using_index = false; // PRIMARY KEY / UNIQUE USING INDEX idx
	std::string references;   // foreign key: the referenced table
	// CHECK (col IS NOT NULL): the column (PostgreSQL 12+ sets NOT NULL without a scan when such a
	// check is validated); empty for any other check.
	std::string not_null_column;
};

struct Column {
	std::string name;
	TypeName type;
	bool not_null = false;               // NOT NULL (inline), or PRIMARY KEY
	std::optional<Expr> default_;        // DEFAULT ...
	bool identity = false;               // GENERATED ... AS IDENTITY
	bool generated = false;              // GENERATED ALWAYS AS (...) STORED
	std::vector<Constraint> constraints; // inline PRIMARY KEY, UNIQUE, REFERENCES, CHECK
};

// One subcommand of ALTER TABLE.
struct AlterCommand {
	enum class Kind {
		add_column,
		drop_column,
		alter_column_type,
		set_not_null,
		drop_not_null,
		set_default,
		drop_default,
		add_constraint,
		validate_constraint,
		drop_constraint,
		other
	};
	Kind kind = Kind::other;
	std::string column;         // the column it names (add: the new column's name)
	Column definition;          // add_column
	TypeName type;              // alter_column_type
	bool has_using = false;     // alter_column_type ... USING
	std::optional<Expr> expr;   // set_default
	Constraint constraint;      // add_constraint (validate/drop_constraint: its name in constraint.name)
	bool if_exists = false;     // DROP COLUMN IF EXISTS, DROP CONSTRAINT IF EXISTS
	bool if_not_exists = false; // ADD COLUMN IF NOT EXISTS
};

struct Statement {
	enum class Kind {
		create_table,
		alter_table,
		create_index,
		drop_index,
		drop_table,
		drop_database,
		truncate,
		rename_column,
		rename_table,
		create_domain,
		alter_domain_add_constraint,
		alter_enum_add_value,
		transaction_control, // BEGIN, COMMIT, ROLLBACK, SAVEPOINT...: `transaction` says which
		other
	};
	Kind kind = Kind::other;
	std::size_t offset = 0; // byte offset in the section (for its line)
	std::size_t length = 0;
	// The table (create/alter/index target/truncate/rename), index (create/drop index), domain or
	// enum type the statement is about; drop_table, drop_index and truncate list every object.
	std::string relation;
	std::vector<std::string> objects;
	std::string new_name;    // renames: the new name; create_index: the index's name
	std::string transaction; // transaction_control: "begin", "commit", "rollback", "savepoint"...
	bool concurrently = false;
	bool if_exists = false;
	bool if_not_exists = false;
	bool cascade = false;
	bool unique = false;                 // CREATE UNIQUE INDEX
	bool positioned = false;             // ALTER TYPE ... ADD VALUE ... BEFORE/AFTER
	bool has_constraint = false;         // CREATE DOMAIN ... CHECK/NOT NULL
	std::vector<Column> columns;         // create_table
	std::vector<Constraint> constraints; // create_table: table constraints
	std::vector<AlterCommand> commands;  // alter_table
	// Every name the statement gives to something it creates or renames (tables, columns,
	// indexes, constraints, types): identifier-too-long looks at these.
	std::vector<std::string> identifiers;
};

// ---------------------------------------------------------------------------------------------
// Findings and the engine.

enum class Level {
	info,    // the rule matched, but the database says it is harmless here (a table created
	         // earlier in the same plan, or one under the size threshold)
	warning, // the rule matched: under `migrate.lint = error` this refuses the revision
};

struct Finding {
	std::string rule; // squawk's name: "require-concurrent-index-creation"
	Level level = Level::warning;
	std::string revision;
	int line = 0;        // the statement's first line in the file (0: not tied to a statement)
	std::string message; // what the statement does and why it hurts: one sentence
	std::string help;    // the safe way to do it
	// What the database said, or why nothing: "public.agents: about 1,000,000 rows (8,334 pages)",
	// "created earlier in this plan", "offline: no catalog, text-only verdict".
	std::string catalog;
	std::string waived; // the reason of the `-- migrate:allow RULE: reason` that silences it
};

// What the rules may ask the database about (none offline).
struct TableSize {
	double rows = 0;  // pg_class.reltuples (-1: never analyzed)
	double pages = 0; // pg_class.relpages
};
class Catalog {
public:
	virtual ~Catalog() = default;
	// The size of an existing table (name as written, resolved with the search_path); nullopt
	// when no such table exists.
	virtual std::optional<TableSize> table(std::string_view name) = 0;
	// The type of an existing column as the catalog has it (name "varchar", typmods {20}), for the
	// type changes PostgreSQL makes without a rewrite; nullopt when unknown.
	virtual std::optional<TypeName> column_type(std::string_view table, std::string_view column) {
		(void)table;
		(void)column;
		return std::nullopt;
	}
};
// A Catalog over Database::query: the same SQL in both hosts.
std::unique_ptr<Catalog> database_catalog(Database &db);

// The `migrate.lint` setting: what applying a revision does with its warnings.
enum class Policy { off, warn, error };
inline constexpr const char *lint_setting = "migrate.lint";
// "off", "warn", "error" (case-insensitive, as a GUC enum); nullopt for anything else.
std::optional<Policy> parse_policy(std::string_view text);
const char *policy_name(Policy policy);

// The rules, for waivers (an unknown name is an error) and documentation.
struct RuleInfo {
	std::string_view name;    // squawk's name
	std::string_view summary; // what it catches, one line
};
const std::vector<RuleInfo> &rules();
bool is_rule(std::string_view name);
// The finding about a waiver that silenced nothing (it cannot itself be waived).
inline constexpr const char *unused_waiver_rule = "unused-waiver";

// Thresholds under which a table counts as small: locking and rewriting findings on it are info.
inline constexpr double small_table_rows = 10'000;
inline constexpr double small_table_pages = 1'000; // 8 MB of 8 kB pages

// Whether a finding counts against the policy (a warning that no waiver silenced).
inline bool
counts(const Finding &f) {
	return f.level == Level::warning && f.waived.empty();
}
// "FILE:LINE: warning[rule] message" (the file name, else "revision REV"), as compilers write it.
std::string headline(const Finding &finding, std::string_view filename);
// The hint of the error that refuses a revision under `migrate.lint = error`: how to waive.
inline constexpr const char *waiver_hint =
    "Make the migration safe, or waive a rule for this revision with a line '-- migrate:allow RULE: reason' "
    "in its file.";

// Lints the revisions of one plan in order. Tables created by an earlier revision of the plan
// are remembered, so their findings are informational.
class Linter {
public:
	explicit Linter(Catalog *catalog); // nullptr: offline
	// The findings for one section of `revision` (the one a step would run), its statements
	// parsed by the host (Database::lint_statements). Waivers in the revision's file mark
	// findings waived; a waiver that silenced nothing is itself a finding ("unused-waiver").
	std::vector<Finding> section(const Revision &revision, const Section &section,
	                             const std::vector<Statement> &statements);

	// Whether `table` (as written) was created by a section linted earlier in this plan.
	bool created_in_plan(std::string_view table) const;

private:
	Catalog *catalog_;
	std::vector<std::string> created_; // tables created earlier in this plan
	// Column types known from this plan's own CREATE TABLE / ADD COLUMN / ALTER TYPE: "table.column".
	std::vector<std::pair<std::string, TypeName>> planned_columns_;
	friend class SectionLint;
};

} // namespace migrate::lint
