// A database schema as plain data, for `revision --autogenerate` and `check --schema`: what
// introspection reads from the catalogs and what the diff compares. Names are SQL-ready
// (schema-qualified, quoted where PostgreSQL needs it), so emitting DDL is string work.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace migrate::schema {

// Object kinds, in the order their creation runs (drops run in reverse). Sub-objects of a
// relation (column ... policy) name it in Object::table.
enum class Kind {
	schema,
	extension,
	enum_type,
	sequence,
	function, // functions and procedures; LANGUAGE sql ones mostly after views (see schema_diff.cpp)
	table,
	column,
	sequence_owner, // ALTER SEQUENCE ... OWNED BY (serial columns)
	constraint,     // primary key, unique, check, exclusion
	index,
	foreign_key,
	view, // views and materialized views
	trigger,
	rls, // ENABLE / FORCE ROW LEVEL SECURITY
	policy,
	comment,
	grant,
};

// "table", "column", "foreign key"...: for summaries and comments in the draft.
std::string_view kind_name(Kind kind);

struct Column {
	std::string type;      // format_type(), e.g. "character varying(40)", "public.mood"
	std::string collation; // only when it differs from the type's default
	std::string default_expr;
	bool not_null = false;
	char identity = 0;     // 'a' (ALWAYS), 'd' (BY DEFAULT) or 0
	std::string generated; // the expression of a STORED generated column

	bool operator==(const Column &) const = default;
};

struct Object {
	Kind kind = Kind::table;
	// The name within its kind: "public.agents" for relations, types, sequences, schemas-level
	// objects; the bare (quoted) name for sub-objects of `table`; "public.f(integer)" for
	// functions; for comments and grants, what they are on (see catalog_reader.cpp).
	std::string name;
	std::string table;      // the relation a sub-object belongs to
	std::string definition; // compared; per kind: the DDL (index, trigger, function, policy), the
	                        // constraint or view body, a sequence's options, a comment's text...
	std::string detail;     // per kind: "VIEW"/"MATERIALIZED VIEW", "FUNCTION"/"PROCEDURE",
	                        // the comment's or grant's target ("TABLE public.t")
	std::string result;     // function: result type (a change needs DROP + CREATE); grant: grantee
	Column column;
	std::vector<std::string> labels;     // enum values, in order
	std::vector<std::string> depends_on; // ids (see id()): the views and tables a view reads; the key
	                                     // (constraint or unique index) a foreign key references and
	                                     // the columns on both its sides
	std::string parent;                  // id of the object whose DROP takes this one with it
	bool needed_by_tables = false;       // function: a column default, constraint or index calls it

	// Everything but the derived fields (parent, depends_on) is the definition.
	bool same_definition(const Object &other) const;
};

// "table public.agents", "column public.agents.name": unique within a schema.
std::string id(const Object &object);

struct Schema {
	std::vector<Object> objects;
};

// Helpers for building models by hand (tests) and in introspection: they fill `parent`.
Object make_table(std::string name);
Object make_column(std::string table, std::string name, Column column);
Object make_sub(Kind kind, std::string table, std::string name, std::string definition);

} // namespace migrate::schema
