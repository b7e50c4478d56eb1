// Identity and equality of schema objects.
#include "migrate/schema_model.hpp"

namespace migrate::schema {

std::string_view
kind_name(Kind kind) {
	switch (kind) {
	case Kind::schema:
		return "schema";
	case Kind::extension:
		return "extension";
	case Kind::enum_type:
		return "type";
	case Kind::sequence:
		return "sequence";
	case Kind::function:
		return "function";
	case Kind::table:
		return "table";
	case Kind::column:
		return "column";
	case Kind::sequence_owner:
		return "sequence ownership";
	case Kind::constraint:
		return "constraint";
	case Kind::index:
		return "index";
	case Kind::foreign_key:
		return "foreign key";
	case Kind::view:
		return "view";
	case Kind::trigger:
		return "trigger";
	case Kind::rls:
		return "row level security";
	case Kind::policy:
		return "policy";
	case Kind::comment:
		return "comment";
	case Kind::grant:
		return "grant";
	}
	return "object";
}

std::string
id(const Object &o) {
	std::string out(kind_name(o.kind));
	out += ' ';
	if (!o.table.empty())
		out += o.table + ".";
	return out + o.name;
}

bool
Object::same_definition(const Object &other) const {
	return kind == other.kind && name == other.name && table == other.table && definition == other.definition &&
	       detail == other.detail && result == other.result && column == other.column && labels == other.labels;
}

Object
make_table(std::string name) {
	Object o;
	o.kind = Kind::table;
	o.name = std::move(name);
	return o;
}

Object
make_column(std::string table, std::string name, Column column) {
	Object o = make_sub(Kind::column, std::move(table), std::move(name), {});
	o.column = std::move(column);
	return o;
}

Object
make_sub(Kind kind, std::string table, std::string name, std::string definition) {
	Object o;
	o.kind = kind;
	o.parent = "table " + table;
	o.table = std::move(table);
	o.name = std::move(name);
	o.definition = std::move(definition);
	return o;
}

} // namespace migrate::schema
