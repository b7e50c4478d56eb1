// The lint rule engine: the findings for one section of a revision, from the neutral statement
// model (lint.hpp) and, when there is a database, what its catalog says about the tables.
//
// Grading (beyond squawk): a finding about a lock held while a table is scanned, rewritten or
// indexed is only `info` when the table was created earlier in the plan (no one uses it yet) or
// is small: under small_table_rows estimated rows and small_table_pages pages (8 MB), which
// PostgreSQL scans or rewrites in well under a second. Advice about types and destructive
// statements is not graded: it holds whatever the size.
#include "migrate/lint.hpp"

#include "sql_lexer.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

namespace migrate::lint {

namespace {

// NAMEDATALEN - 1: PostgreSQL cuts longer names, with only a NOTICE.
constexpr std::size_t max_identifier_bytes = 63;

std::string_view
last_part(std::string_view name) {
	const std::size_t dot = name.rfind('.');
	return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

// Whether two names as written mean the same table: equal, or equal in their last part when one
// of them is not schema-qualified (the search_path decides; we assume the usual case).
bool
same_table(std::string_view a, std::string_view b) {
	if (a == b)
		return true;
	const bool qa = a.find('.') != std::string_view::npos;
	const bool qb = b.find('.') != std::string_view::npos;
	return qa != qb && last_part(a) == last_part(b);
}

// 1234567 -> "1,234,567".
std::string
grouped(double value) {
	const auto n = static_cast<long long>(std::llround(std::max(value, 0.0)));
	std::string digits = std::to_string(n);
	std::string out;
	for (std::size_t i = 0; i < digits.size(); ++i) {
		if (i > 0 && (digits.size() - i) % 3 == 0)
			out += ',';
		out += digits[i];
	}
	return out;
}

std::string
describe_size(std::string_view table, const TableSize &size) {
	const std::string pages = fmt::format("{} page{}", grouped(size.pages), size.pages == 1 ? "" : "s");
	if (size.rows < 0)
		return fmt::format("{}: never analyzed, {}", table, pages);
	return fmt::format("{}: about {} rows ({})", table, grouped(size.rows), pages);
}

bool
is_small(const TableSize &size) {
	return size.rows < small_table_rows && size.pages < small_table_pages;
}

constexpr std::string_view offline_note = "offline: no catalog, text-only verdict";

bool
one_of(std::string_view name, std::initializer_list<std::string_view> names) {
	return std::find(names.begin(), names.end(), name) != names.end();
}

bool
is_serial(const TypeName &t) {
	return t.schema.empty() && !t.array &&
	       one_of(t.name, {"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"});
}

// Functions a default may call without making it volatile (PostgreSQL evaluates a non-volatile
// default once and stores it in the catalog: no rewrite since PostgreSQL 11). Anything else is
// treated as volatile, as squawk does: better a waiver than a surprise rewrite.
bool
non_volatile_function(std::string_view name) {
	std::string_view f = name;
	if (f.starts_with("pg_catalog."))
		f.remove_prefix(11);
	return one_of(f, {"now",
	                  "current_timestamp",
	                  "current_date",
	                  "current_time",
	                  "localtimestamp",
	                  "localtime",
	                  "transaction_timestamp",
	                  "statement_timestamp",
	                  "current_user",
	                  "current_setting",
	                  "lower",
	                  "upper",
	                  "concat",
	                  "coalesce",
	                  "jsonb_build_object",
	                  "json_build_object",
	                  "jsonb_build_array",
	                  "json_build_array",
	                  "array_fill",
	                  "make_interval",
	                  "to_jsonb",
	                  "to_json",
	                  "timezone",
	                  "date_trunc",
	                  "make_date",
	                  "make_timestamptz",
	                  "length",
	                  "abs"});
}

bool
volatile_default(const Expr &e) {
	return std::any_of(e.functions.begin(), e.functions.end(),
	                   [](const std::string &f) { return !non_volatile_function(f); });
}

// A type as SQL would write it, for messages.
std::string
type_text(const TypeName &t) {
	std::string s = t.name;
	if (!t.typmods.empty()) {
		s += '(';
		for (std::size_t i = 0; i < t.typmods.size(); ++i)
			s += (i ? ", " : "") + std::to_string(t.typmods[i]);
		s += ')';
	}
	return t.array ? s + "[]" : s;
}

// Whether PostgreSQL changes a column from `from` to `to` without rewriting the table (a
// binary-compatible change whose new constraint the old values already meet).
bool
change_without_rewrite(const TypeName &from, const TypeName &to) {
	if (from.array != to.array)
		return false;
	if (from.name == to.name && from.typmods == to.typmods)
		return true;
	if (from.array)
		return false;
	const auto widened = [&](std::size_t i) {
		return to.typmods.empty() ||
		       (from.typmods.size() > i && to.typmods.size() > i && to.typmods[i] >= from.typmods[i]);
	};
	if (from.name == "varchar" && to.name == "varchar")
		return !from.typmods.empty() && widened(0);
	if (from.name == "varchar" && to.name == "text")
		return true;
	if (from.name == "text" && to.name == "varchar")
		return to.typmods.empty();
	if (from.name == "numeric" && to.name == "numeric") {
		if (from.typmods.empty())
			return false;
		if (to.typmods.empty())
			return true;
		const int from_scale = from.typmods.size() > 1 ? from.typmods[1] : 0;
		const int to_scale = to.typmods.size() > 1 ? to.typmods[1] : 0;
		return from_scale == to_scale && to.typmods[0] >= from.typmods[0];
	}
	if (from.name == "varbit" && to.name == "varbit")
		return !from.typmods.empty() && widened(0);
	if (from.name == "cidr" && to.name == "inet")
		return true;
	return false;
}

// Names longer than PostgreSQL keeps. Its lexer cuts them (with only a NOTICE) before any parse
// tree sees them, so they are looked for in the statement's text, with the engine's lexer: every
// unquoted word and every quoted identifier longer than the limit.
std::vector<std::string>
long_identifiers(std::string_view text) {
	std::vector<std::string> out;
	detail::SqlLexer lexer;
	std::vector<detail::Token> tokens;
	std::vector<detail::LexState> classes;
	int line_no = 1;
	for (std::size_t pos = 0; pos <= text.size(); ++line_no) {
		const std::size_t eol = std::min(text.find('\n', pos), text.size());
		const std::string_view line = text.substr(pos, eol - pos);
		tokens.clear();
		classes.assign(line.size(), detail::LexState::normal);
		lexer.scan_line(line, line_no, tokens, classes.data());
		for (const detail::Token &t : tokens)
			if (t.kind == detail::TokenKind::word && t.text.size() > max_identifier_bytes)
				out.emplace_back(t.text);
		for (std::size_t i = 0; i < line.size();) {
			if (classes[i] != detail::LexState::double_quote) {
				++i;
				continue;
			}
			const std::size_t start = i;
			while (i < line.size() && classes[i] == detail::LexState::double_quote)
				++i;
			// Without its quotes (the closing one when it is on this line); "" inside is one ".
			std::string_view inner = line.substr(start + 1, i - start - 1);
			if (!inner.empty() && inner.back() == '"')
				inner.remove_suffix(1);
			std::string name;
			for (std::size_t k = 0; k < inner.size(); ++k) {
				name += inner[k];
				if (inner[k] == '"' && k + 1 < inner.size() && inner[k + 1] == '"')
					++k;
			}
			if (name.size() > max_identifier_bytes)
				out.push_back(std::move(name));
		}
		pos = eol + 1;
	}
	return out;
}

} // namespace

// What the database (or the plan) says about a table a lock is taken on.
struct Grade {
	Level level = Level::warning;
	std::string catalog;
};

// The work of one Linter::section call.
class SectionLint {
public:
	SectionLint(Linter &linter, const Revision &revision, const Section &section)
	    : linter_(linter), revision_(revision), section_(section) {}

	std::vector<Finding> run(const std::vector<Statement> &statements);

private:
	void statement(const Statement &s);
	void create_table(const Statement &s);
	void alter_table(const Statement &s);
	void add_column(const Statement &s, const AlterCommand &c);
	void alter_type(const Statement &s, const AlterCommand &c);
	void add_constraint(const Statement &s, const AlterCommand &c);
	void create_index(const Statement &s);
	void drop_index(const Statement &s);
	void transaction_control(const Statement &s);
	void column_types(const Column &column, bool altered = false);
	void foreign_key(const std::string &table, const std::string &references, const std::string &what);

	Grade grade(std::string_view table);
	void add(std::string_view rule, std::string message, std::string help, Grade grade = {});
	void robust(std::string message, std::string help);
	std::optional<TypeName> known_type(const std::string &table, const std::string &column);
	void remember_column(const std::string &table, const std::string &column, const TypeName &type);
	void waivers();

	Linter &linter_;
	const Revision &revision_;
	const Section &section_;
	std::vector<Finding> findings_;
	int line_ = 0;                                             // of the statement being linted
	std::vector<std::string> not_valid_;                       // constraints added NOT VALID in this section
	std::vector<std::string> dropped_if_exists_;               // DROP CONSTRAINT IF EXISTS names
	std::vector<std::pair<std::string, std::string>> checked_; // (table, column) with a validated IS NOT NULL check
	std::vector<std::pair<std::string, std::string>> pending_; // (constraint, column) of NOT VALID IS NOT NULL checks
	int transaction_depth_ = 0;                                // BEGINs of a transactional: false revision
};

std::vector<Finding>
SectionLint::run(const std::vector<Statement> &statements) {
	std::size_t counted = 0;
	line_ = section_.first_line;
	for (const Statement &s : statements) {
		const std::size_t offset = std::min(s.offset, section_.sql.size());
		if (offset >= counted) { // statements come in order; count each byte once
			line_ += static_cast<int>(std::count(section_.sql.begin() + static_cast<std::ptrdiff_t>(counted),
			                                     section_.sql.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
			counted = offset;
		}
		statement(s);
		std::vector<std::string> names = long_identifiers(
		    std::string_view(section_.sql).substr(offset, std::min(s.length, section_.sql.size() - offset)));
		for (const std::string &name : s.identifiers)
			if (name.size() > max_identifier_bytes && std::find(names.begin(), names.end(), name) == names.end())
				names.push_back(name);
		for (const std::string &name : names)
			add("identifier-too-long",
			    fmt::format("the name \"{}\" is {} bytes long: PostgreSQL keeps only its first {}", name, name.size(),
			                max_identifier_bytes),
			    "Use a name of at most 63 bytes; two names that share their first 63 bytes would collide.");
	}
	waivers();
	return std::move(findings_);
}

void
SectionLint::statement(const Statement &s) {
	switch (s.kind) {
	case Statement::Kind::create_table:
		return create_table(s);
	case Statement::Kind::alter_table:
		return alter_table(s);
	case Statement::Kind::create_index:
		return create_index(s);
	case Statement::Kind::drop_index:
		return drop_index(s);
	case Statement::Kind::drop_table:
		for (const std::string &table : s.objects)
			add("ban-drop-table", fmt::format("DROP TABLE {} deletes the table and its data", table),
			    "Stop using the table in the code first; drop it in a later release, once nothing reads it.");
		if (!s.if_exists)
			robust("DROP TABLE without IF EXISTS fails when run again", "Write DROP TABLE IF EXISTS.");
		return;
	case Statement::Kind::drop_database:
		return add("ban-drop-database", fmt::format("DROP DATABASE {} deletes a whole database", s.relation),
		           "Drop databases by hand, not in a migration.");
	case Statement::Kind::truncate:
		if (s.cascade)
			add("ban-truncate-cascade",
			    fmt::format("TRUNCATE {} CASCADE also empties every table with a foreign key to it, recursively",
			                fmt::join(s.objects, ", ")),
			    "Name every table to empty in the TRUNCATE, without CASCADE.");
		return;
	case Statement::Kind::rename_column:
		return add("renaming-column",
		           fmt::format("renaming column {}.{} to {} breaks the code that still uses the old name", s.relation,
		                       s.objects.empty() ? std::string("?") : s.objects.front(), s.new_name),
		           "Add the new column, write to both, move the readers, then drop the old one.");
	case Statement::Kind::rename_table:
		for (std::string &created : linter_.created_)
			if (same_table(created, s.relation))
				created = s.new_name;
		return add(
		    "renaming-table",
		    fmt::format("renaming table {} to {} breaks the code that still uses the old name", s.relation, s.new_name),
		    "Rename in steps the code follows (e.g. a view with the old name meanwhile).");
	case Statement::Kind::create_domain:
		if (s.has_constraint)
			add("ban-create-domain-with-constraint",
			    fmt::format("domain {} has a constraint: changing it later checks every column of the type under lock",
			                s.relation),
			    "Put the CHECK on the table's columns instead (ADD CONSTRAINT ... NOT VALID, then VALIDATE).");
		return;
	case Statement::Kind::alter_domain_add_constraint:
		return add(
		    "ban-alter-domain-with-add-constraint",
		    fmt::format("adding a constraint to domain {} checks every column of that type under lock", s.relation),
		    "Put the CHECK on the table's columns instead (ADD CONSTRAINT ... NOT VALID, then VALIDATE).");
	case Statement::Kind::alter_enum_add_value:
		if (!s.positioned)
			add("require-enum-value-ordering",
			    fmt::format("the value added to enum {} goes last: enum values sort in declaration order", s.relation),
			    "Say where it sorts: ALTER TYPE ... ADD VALUE '...' BEFORE '...' (or AFTER '...').");
		return;
	case Statement::Kind::transaction_control:
		return transaction_control(s);
	case Statement::Kind::other:
		return;
	}
}

void
SectionLint::create_table(const Statement &s) {
	if (!linter_.created_in_plan(s.relation))
		linter_.created_.push_back(s.relation);
	for (const Column &column : s.columns) {
		column_types(column);
		remember_column(s.relation, column.name, column.type);
	}
	if (!s.if_not_exists)
		robust(fmt::format("CREATE TABLE {} without IF NOT EXISTS fails when run again", s.relation),
		       "Write CREATE TABLE IF NOT EXISTS.");
}

void
SectionLint::alter_table(const Statement &s) {
	for (const AlterCommand &c : s.commands) {
		switch (c.kind) {
		case AlterCommand::Kind::add_column:
			add_column(s, c);
			break;
		case AlterCommand::Kind::drop_column:
			add("ban-drop-column", fmt::format("dropping column {}.{} deletes its data", s.relation, c.column),
			    "Stop using the column in the code first; drop it in a later release, once nothing reads it.");
			if (!c.if_exists)
				robust("DROP COLUMN without IF EXISTS fails when run again", "Write DROP COLUMN IF EXISTS.");
			break;
		case AlterCommand::Kind::alter_column_type:
			alter_type(s, c);
			break;
		case AlterCommand::Kind::set_not_null: {
			const bool checked = std::any_of(checked_.begin(), checked_.end(), [&](const auto &tc) {
				return same_table(tc.first, s.relation) && tc.second == c.column;
			});
			if (!checked)
				add("adding-not-nullable-field",
				    fmt::format("SET NOT NULL on {}.{} scans the whole table under an ACCESS EXCLUSIVE lock",
				                s.relation, c.column),
				    "Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it (no such lock), then SET NOT NULL: "
				    "PostgreSQL 12+ uses the check instead of scanning.",
				    grade(s.relation));
			break;
		}
		case AlterCommand::Kind::drop_not_null:
			add("ban-drop-not-null",
			    fmt::format("DROP NOT NULL on {}.{} lets NULLs into a column the code may expect to be set", s.relation,
			                c.column),
			    "Make sure every reader handles NULL before dropping the constraint.");
			break;
		case AlterCommand::Kind::add_constraint:
			add_constraint(s, c);
			break;
		case AlterCommand::Kind::validate_constraint: {
			const auto pending = std::find_if(pending_.begin(), pending_.end(),
			                                  [&](const auto &p) { return p.first == c.constraint.name; });
			if (pending != pending_.end())
				checked_.emplace_back(s.relation, pending->second);
			if (revision_.transactional &&
			    std::find(not_valid_.begin(), not_valid_.end(), c.constraint.name) != not_valid_.end())
				add("constraint-missing-not-valid",
				    fmt::format("constraint {} is validated in the transaction that added it NOT VALID, so the "
				                "scan runs under the lock ADD CONSTRAINT took",
				                c.constraint.name),
				    "Validate it in a later revision (or run this one per revision), after the ADD has committed.",
				    grade(s.relation));
			break;
		}
		case AlterCommand::Kind::drop_constraint:
			if (c.if_exists)
				dropped_if_exists_.push_back(c.constraint.name);
			else
				robust("DROP CONSTRAINT without IF EXISTS fails when run again", "Write DROP CONSTRAINT IF EXISTS.");
			break;
		case AlterCommand::Kind::set_default:
		case AlterCommand::Kind::drop_default:
		case AlterCommand::Kind::other:
			break;
		}
	}
}

void
SectionLint::add_column(const Statement &s, const AlterCommand &c) {
	const Column &col = c.definition;
	const std::string name = fmt::format("{}.{}", s.relation, col.name);
	column_types(col);
	remember_column(s.relation, col.name, col.type);
	if (col.not_null && !col.default_ && !col.generated && !col.identity && !is_serial(col.type)) {
		// Fails outright on a table with rows: only a table known to be empty is harmless.
		Grade g = grade(s.relation);
		if (g.level == Level::info && !linter_.created_in_plan(s.relation)) {
			const auto size = linter_.catalog_ ? linter_.catalog_->table(s.relation) : std::nullopt;
			if (!size || size->rows > 0 || size->pages > 0)
				g.level = Level::warning;
		}
		add("adding-required-field",
		    fmt::format("column {} is NOT NULL without a default: adding it fails if the table has rows", name),
		    "Give it a non-volatile DEFAULT, or add it nullable, backfill, then SET NOT NULL.", std::move(g));
	}
	std::string rewrite;
	if (col.default_ && volatile_default(*col.default_))
		rewrite = fmt::format("its default calls {}, which may be volatile", fmt::join(col.default_->functions, ", "));
	else if (col.generated)
		rewrite = "it is a stored generated column";
	else if (is_serial(col.type))
		rewrite = fmt::format("a {} takes its values from a sequence", col.type.name);
	else if (col.identity)
		rewrite = "an identity column takes its values from a sequence";
	if (!rewrite.empty())
		add("adding-field-with-default",
		    fmt::format("adding column {} rewrites the table under an ACCESS EXCLUSIVE lock: {}", name, rewrite),
		    "Add the column without a default (or with a constant one), then fill it in batches.", grade(s.relation));
	for (const Constraint &k : col.constraints) {
		if (k.kind == ConstraintKind::primary_key)
			add("adding-serial-primary-key-field",
			    fmt::format("column {} is a PRIMARY KEY: its index is built under an ACCESS EXCLUSIVE lock", name),
			    "Add the column, CREATE UNIQUE INDEX CONCURRENTLY on it, then ADD PRIMARY KEY USING INDEX.",
			    grade(s.relation));
		else if (k.kind == ConstraintKind::unique)
			add("disallowed-unique-constraint",
			    fmt::format("column {} is UNIQUE: its index is built under an ACCESS EXCLUSIVE lock", name),
			    "Add the column, CREATE UNIQUE INDEX CONCURRENTLY on it, then ADD CONSTRAINT ... UNIQUE USING INDEX.",
			    grade(s.relation));
		else if (k.kind == ConstraintKind::foreign_key)
			foreign_key(s.relation, k.references, fmt::format("column {} references {}", name, k.references));
	}
	if (!c.if_not_exists)
		robust(fmt::format("ADD COLUMN {} without IF NOT EXISTS fails when run again", col.name),
		       "Write ADD COLUMN IF NOT EXISTS.");
}

void
SectionLint::alter_type(const Statement &s, const AlterCommand &c) {
	const std::string name = fmt::format("{}.{}", s.relation, c.column);
	const std::optional<TypeName> from = known_type(s.relation, c.column);
	remember_column(s.relation, c.column, c.type);
	Column altered;
	altered.name = c.column;
	altered.type = c.type;
	column_types(altered, true);
	Grade g = grade(s.relation);
	if (from && !c.has_using && change_without_rewrite(*from, c.type))
		return; // PostgreSQL changes only the catalog
	if (from)
		g.catalog = fmt::format("{}; {} is {} now", g.catalog, name, type_text(*from));
	add("changing-column-type",
	    fmt::format("changing the type of {} to {} rewrites the table and its indexes under an ACCESS EXCLUSIVE lock",
	                name, type_text(c.type)),
	    "Add a column of the new type, fill it in batches, and switch the code over to it.", std::move(g));
}

void
SectionLint::add_constraint(const Statement &s, const AlterCommand &c) {
	const Constraint &k = c.constraint;
	const std::string name = k.name.empty() ? std::string("a constraint") : fmt::format("constraint {}", k.name);
	switch (k.kind) {
	case ConstraintKind::check:
	case ConstraintKind::foreign_key:
		if (k.not_valid) {
			not_valid_.push_back(k.name);
			if (!k.not_null_column.empty())
				pending_.emplace_back(k.name, k.not_null_column);
			break;
		}
		if (!k.not_null_column.empty())
			checked_.emplace_back(s.relation, k.not_null_column);
		add("constraint-missing-not-valid",
		    fmt::format("adding {} to {} without NOT VALID checks every row while holding its lock", name, s.relation),
		    "Add it NOT VALID, then VALIDATE CONSTRAINT in a later revision (it takes a lock that lets reads and "
		    "writes through).",
		    grade(s.relation));
		if (k.kind == ConstraintKind::foreign_key)
			foreign_key(s.relation, k.references,
			            fmt::format("{} on {} references {}", name, s.relation, k.references));
		break;
	case ConstraintKind::unique:
		if (!k.using_index)
			add("disallowed-unique-constraint",
			    fmt::format("adding UNIQUE {} to {} builds its index under an ACCESS EXCLUSIVE lock", name, s.relation),
			    "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE USING INDEX.",
			    grade(s.relation));
		break;
	case ConstraintKind::primary_key:
		if (!k.using_index)
			add("adding-serial-primary-key-field",
			    fmt::format("adding a PRIMARY KEY to {} builds its index under an ACCESS EXCLUSIVE lock", s.relation),
			    "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD PRIMARY KEY USING INDEX.", grade(s.relation));
		break;
	case ConstraintKind::exclusion:
	case ConstraintKind::not_null:
	case ConstraintKind::other:
		break;
	}
	if (!k.name.empty() &&
	    std::find(dropped_if_exists_.begin(), dropped_if_exists_.end(), k.name) == dropped_if_exists_.end())
		robust(fmt::format("ADD CONSTRAINT {} fails when run again", k.name),
		       "DROP CONSTRAINT IF EXISTS it first, in the same revision.");
}

void
SectionLint::foreign_key(const std::string &table, const std::string &references, const std::string &what) {
	// The check scans `table` and looks each row up in `references`, which meanwhile takes no writes.
	Grade g = grade(table);
	if (!same_table(table, references) && (linter_.catalog_ || linter_.created_in_plan(references))) {
		const Grade other = grade(references);
		g.catalog += "; " + other.catalog;
	}
	add("adding-foreign-key-constraint",
	    fmt::format("{}: checking it scans {} and blocks writes to both tables meanwhile", what, table),
	    "Add the foreign key NOT VALID, then VALIDATE CONSTRAINT in a later revision.", std::move(g));
}

void
SectionLint::create_index(const Statement &s) {
	if (!s.new_name.empty())
		linter_.created_.push_back(s.new_name); // dropping it again later in the plan is harmless
	if (!s.concurrently)
		add("require-concurrent-index-creation",
		    fmt::format("CREATE {}INDEX{} on {} blocks writes to the table while the index builds",
		                s.unique ? "UNIQUE " : "", s.new_name.empty() ? "" : " " + s.new_name, s.relation),
		    "Use CREATE INDEX CONCURRENTLY, in a revision marked transactional: false.", grade(s.relation));
	else if (revision_.transactional)
		add("ban-concurrent-index-creation-in-transaction",
		    "CREATE INDEX CONCURRENTLY cannot run inside a transaction, and this revision runs in one",
		    "Mark the revision '-- transactional: false' (pgmigrate runs it statement by statement).");
	if (!s.if_not_exists)
		robust("CREATE INDEX without IF NOT EXISTS fails when run again",
		       "Write CREATE INDEX CONCURRENTLY IF NOT EXISTS name ...: a failed concurrent build leaves an invalid "
		       "index behind, which a rerun must not trip over.");
}

void
SectionLint::drop_index(const Statement &s) {
	if (!s.concurrently)
		for (const std::string &index : s.objects)
			add("require-concurrent-index-deletion",
			    fmt::format("DROP INDEX {} takes an ACCESS EXCLUSIVE lock on its table", index),
			    "Use DROP INDEX CONCURRENTLY, in a revision marked transactional: false.", grade(index));
	if (!s.if_exists)
		robust("DROP INDEX without IF EXISTS fails when run again", "Write DROP INDEX CONCURRENTLY IF EXISTS.");
}

void
SectionLint::transaction_control(const Statement &s) {
	const bool opens = s.transaction == "begin" || s.transaction == "start";
	if (revision_.transactional) {
		add("transaction-nesting",
		    fmt::format("{} inside a revision that migrate already runs in a transaction", s.transaction),
		    "Remove it: migrate applies a revision all or nothing. For statements that cannot run in a "
		    "transaction, mark the revision transactional: false.");
		return;
	}
	if (opens) {
		if (transaction_depth_ > 0)
			add("transaction-nesting", "BEGIN inside a transaction this revision already opened",
			    "Close the first transaction before opening another one.");
		++transaction_depth_;
	} else if (s.transaction == "commit" || s.transaction == "rollback" || s.transaction == "end") {
		transaction_depth_ = std::max(0, transaction_depth_ - 1);
	}
}

// The advice about a column's type; `altered`: the new type of ALTER COLUMN TYPE, where widening a
// varchar(n) is the remedy rather than the problem, so prefer-text-field stays silent.
void
SectionLint::column_types(const Column &column, bool altered) {
	const TypeName &t = column.type;
	const std::string name = column.name;
	if (t.name == "bpchar")
		add("ban-char-field", fmt::format("column {} is char(n), which pads values with blanks", name),
		    "Use text (or varchar), with a CHECK on the length if it matters.");
	if (one_of(t.name, {"int4", "serial", "serial4"}))
		add("prefer-bigint-over-int",
		    fmt::format("column {} is a 32-bit integer, which runs out after about 2 billion values", name),
		    "Use bigint (bigserial, or bigint GENERATED ... AS IDENTITY).");
	if (one_of(t.name, {"int2", "smallserial", "serial2"}))
		add("prefer-bigint-over-smallint",
		    fmt::format("column {} is a 16-bit integer, which runs out after 32,767 values", name),
		    "Use bigint (or bigint GENERATED ... AS IDENTITY).");
	if (is_serial(t))
		add("prefer-identity",
		    fmt::format("column {} is {}: its sequence's ownership and grants are managed separately", name, t.name),
		    "Use bigint GENERATED BY DEFAULT AS IDENTITY.");
	if (t.name == "varchar" && !t.typmods.empty() && !altered)
		add("prefer-text-field",
		    fmt::format("column {} is {}: changing the limit later takes an ACCESS EXCLUSIVE lock", name, type_text(t)),
		    "Use text with a CHECK (length(col) <= n) constraint, which can be changed NOT VALID.");
	if (t.name == "timestamp")
		add("prefer-timestamp-tz",
		    fmt::format("column {} is timestamp without time zone: its values mean a different instant in each "
		                "time zone",
		                name),
		    "Use timestamptz.");
}

Grade
SectionLint::grade(std::string_view table) {
	if (linter_.created_in_plan(table))
		return {Level::info, fmt::format("{}: created earlier in this plan", table)};
	if (!linter_.catalog_)
		return {Level::warning, std::string(offline_note)};
	const std::optional<TableSize> size = linter_.catalog_->table(table);
	if (!size)
		return {Level::warning, fmt::format("{}: not in the database", table)};
	if (is_small(*size))
		return {Level::info, describe_size(table, *size) + ", under the size threshold"};
	return {Level::warning, describe_size(table, *size)};
}

void
SectionLint::add(std::string_view rule, std::string message, std::string help, Grade grade) {
	Finding f;
	f.rule = rule;
	f.level = grade.level;
	f.revision = revision_.id;
	f.line = line_;
	f.message = std::move(message);
	f.help = std::move(help);
	f.catalog = std::move(grade.catalog);
	findings_.push_back(std::move(f));
}

// prefer-robust-stmts: only where a failed run leaves work behind, i.e. a revision that runs
// outside a transaction (squawk skips it for migrations run in a transaction, too).
void
SectionLint::robust(std::string message, std::string help) {
	if (!revision_.transactional)
		add("prefer-robust-stmts", std::move(message), std::move(help));
}

std::optional<TypeName>
SectionLint::known_type(const std::string &table, const std::string &column) {
	for (auto it = linter_.planned_columns_.rbegin(); it != linter_.planned_columns_.rend(); ++it) {
		const std::size_t dot = it->first.rfind('.');
		if (it->first.substr(dot + 1) == column && same_table(it->first.substr(0, dot), table))
			return it->second;
	}
	if (linter_.catalog_ && !linter_.created_in_plan(table))
		return linter_.catalog_->column_type(table, column);
	return std::nullopt;
}

void
SectionLint::remember_column(const std::string &table, const std::string &column, const TypeName &type) {
	linter_.planned_columns_.emplace_back(table + "." + column, type);
}

// Marks the findings that the revision's waivers silence; a waiver that silenced nothing is
// itself a finding, reported with the upgrade section (the one lint reads).
void
SectionLint::waivers() {
	std::vector<bool> used(revision_.waivers.size(), false);
	for (Finding &f : findings_)
		for (std::size_t i = 0; i < revision_.waivers.size(); ++i)
			if (revision_.waivers[i].rule == f.rule) {
				f.waived = revision_.waivers[i].reason;
				used[i] = true;
				break;
			}
	if (section_.first_line != revision_.upgrade.first_line)
		return;
	for (std::size_t i = 0; i < revision_.waivers.size(); ++i) {
		if (used[i])
			continue;
		const Waiver &w = revision_.waivers[i];
		Finding f;
		f.rule = unused_waiver_rule;
		f.revision = revision_.id;
		f.line = w.line;
		f.message = fmt::format("the waiver for {} silences nothing in this revision", w.rule);
		f.help = "Remove the '-- migrate:allow' line, so that it does not hide a future finding.";
		findings_.push_back(std::move(f));
	}
}

Linter::Linter(Catalog *catalog) : catalog_(catalog) {}

std::vector<Finding>
Linter::section(const Revision &revision, const Section &section, const std::vector<Statement> &statements) {
	return SectionLint(*this, revision, section).run(statements);
}

bool
Linter::created_in_plan(std::string_view table) const {
	return std::any_of(created_.begin(), created_.end(), [&](const std::string &t) { return same_table(t, table); });
}

} // namespace migrate::lint
