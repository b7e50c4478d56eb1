// libpg_query's JSON parse tree (PostgreSQL 15's node names) -> lint::Statement. Only the fields
// the rules read; every other statement is Kind::other. Protobuf's JSON leaves out fields at their
// default (false, 0, empty), so every read has a default.
#include "lint_parse.hpp"

#include "libpq_database.hpp"

#include "migrate/sql_text.hpp"

#include <nlohmann/json.hpp>
#include <pg_query.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace pgmigrate {

namespace {

using migrate::lint::AlterCommand;
using migrate::lint::Column;
using migrate::lint::Constraint;
using migrate::lint::ConstraintKind;
using migrate::lint::Expr;
using migrate::lint::Statement;
using migrate::lint::TypeName;
using nlohmann::json;

const json &
field(const json &node, const char *name) {
	static const json none;
	if (!node.is_object())
		return none;
	const auto it = node.find(name);
	return it == node.end() ? none : *it;
}

std::string
text(const json &node, const char *name) {
	const json &v = field(node, name);
	return v.is_string() ? v.get<std::string>() : std::string();
}

bool
flag(const json &node, const char *name) {
	const json &v = field(node, name);
	return v.is_boolean() && v.get<bool>();
}

// A Node wrapper {"Type": {...}}: the inner object when it is of `type`, else null.
const json &
node_of(const json &node, const char *type) {
	return field(node, type);
}

// A list of String nodes ("names", "funcname"): "a.b".
std::string
dotted(const json &list) {
	std::string out;
	if (!list.is_array())
		return out;
	for (const json &item : list) {
		const std::string part = text(node_of(item, "String"), "sval");
		out += (out.empty() ? "" : ".") + part;
	}
	return out;
}

// A RangeVar (or a field holding one): "schema.table" as written.
std::string
range_var(const json &rv) {
	const json &inner = field(rv, "RangeVar").is_object() ? field(rv, "RangeVar") : rv;
	const std::string schema = text(inner, "schemaname");
	const std::string name = text(inner, "relname");
	return schema.empty() ? name : schema + "." + name;
}

TypeName
type_name(const json &tn) {
	TypeName t;
	const json &names = field(tn, "names");
	if (names.is_array() && !names.empty()) {
		t.name = text(node_of(names.back(), "String"), "sval");
		if (names.size() > 1)
			t.schema = text(node_of(names[names.size() - 2], "String"), "sval");
	}
	for (const json &mod : field(tn, "typmods").is_array() ? field(tn, "typmods") : json::array()) {
		const json &ival = field(node_of(mod, "A_Const"), "ival");
		if (ival.is_object())
			t.typmods.push_back(field(ival, "ival").is_number() ? field(ival, "ival").get<int>() : 0);
	}
	t.array = field(tn, "arrayBounds").is_array();
	return t;
}

void
collect_functions(const json &node, std::vector<std::string> &out) {
	if (node.is_array()) {
		for (const json &item : node)
			collect_functions(item, out);
		return;
	}
	if (!node.is_object())
		return;
	if (const json &call = node_of(node, "FuncCall"); call.is_object())
		out.push_back(dotted(field(call, "funcname")));
	for (const auto &[key, value] : node.items())
		collect_functions(value, out);
}

Expr
expression(const json &node) {
	Expr e;
	collect_functions(node, e.functions);
	if (node_of(node, "A_Const").is_object() || node_of(node_of(node, "TypeCast"), "arg").contains("A_Const"))
		e.kind = Expr::Kind::constant;
	else if (node_of(node, "FuncCall").is_object())
		e.kind = Expr::Kind::function_call;
	return e;
}

Constraint
constraint(const json &c) {
	Constraint k;
	const std::string type = text(c, "contype");
	if (type == "CONSTR_PRIMARY")
		k.kind = ConstraintKind::primary_key;
	else if (type == "CONSTR_UNIQUE")
		k.kind = ConstraintKind::unique;
	else if (type == "CONSTR_FOREIGN")
		k.kind = ConstraintKind::foreign_key;
	else if (type == "CONSTR_CHECK")
		k.kind = ConstraintKind::check;
	else if (type == "CONSTR_EXCLUSION")
		k.kind = ConstraintKind::exclusion;
	else if (type == "CONSTR_NOTNULL")
		k.kind = ConstraintKind::not_null;
	k.name = text(c, "conname");
	k.not_valid = flag(c, "skip_validation");
	k.using_index = !text(c, "indexname").empty();
	if (k.kind == ConstraintKind::foreign_key)
		k.references = range_var(field(c, "pktable"));
	// CHECK (col IS NOT NULL)
	const json &test = node_of(field(c, "raw_expr"), "NullTest");
	if (k.kind == ConstraintKind::check && text(test, "nulltesttype") == "IS_NOT_NULL") {
		const json &fields = field(node_of(field(test, "arg"), "ColumnRef"), "fields");
		if (fields.is_array() && fields.size() == 1)
			k.not_null_column = text(node_of(fields[0], "String"), "sval");
	}
	return k;
}

Column
column(const json &def, std::vector<std::string> &identifiers) {
	Column col;
	col.name = text(def, "colname");
	identifiers.push_back(col.name);
	col.type = type_name(field(def, "typeName"));
	for (const json &item : field(def, "constraints").is_array() ? field(def, "constraints") : json::array()) {
		const json &c = node_of(item, "Constraint");
		const std::string type = text(c, "contype");
		if (type == "CONSTR_NOTNULL")
			col.not_null = true;
		else if (type == "CONSTR_DEFAULT")
			col.default_ = expression(field(c, "raw_expr"));
		else if (type == "CONSTR_IDENTITY")
			col.identity = true;
		else if (type == "CONSTR_GENERATED")
			col.generated = true;
		else if (type == "CONSTR_PRIMARY" || type == "CONSTR_UNIQUE" || type == "CONSTR_FOREIGN" ||
		         type == "CONSTR_CHECK") {
			col.not_null = col.not_null || type == "CONSTR_PRIMARY";
			col.constraints.push_back(constraint(c));
			if (!col.constraints.back().name.empty())
				identifiers.push_back(col.constraints.back().name);
		}
	}
	return col;
}

AlterCommand
alter_command(const json &cmd, std::vector<std::string> &identifiers) {
	AlterCommand c;
	const std::string subtype = text(cmd, "subtype");
	c.column = text(cmd, "name");
	const json &def = field(cmd, "def");
	if (subtype == "AT_AddColumn") {
		c.kind = AlterCommand::Kind::add_column;
		c.definition = column(node_of(def, "ColumnDef"), identifiers);
		c.column = c.definition.name;
		c.if_not_exists = flag(cmd, "missing_ok");
	} else if (subtype == "AT_DropColumn") {
		c.kind = AlterCommand::Kind::drop_column;
		c.if_exists = flag(cmd, "missing_ok");
	} else if (subtype == "AT_AlterColumnType") {
		c.kind = AlterCommand::Kind::alter_column_type;
		const json &cd = node_of(def, "ColumnDef");
		c.type = type_name(field(cd, "typeName"));
		c.has_using = field(cd, "raw_default").is_object();
	} else if (subtype == "AT_SetNotNull") {
		c.kind = AlterCommand::Kind::set_not_null;
	} else if (subtype == "AT_DropNotNull") {
		c.kind = AlterCommand::Kind::drop_not_null;
	} else if (subtype == "AT_ColumnDefault") {
		c.kind = def.is_object() ? AlterCommand::Kind::set_default : AlterCommand::Kind::drop_default;
		if (def.is_object())
			c.expr = expression(def);
	} else if (subtype == "AT_AddConstraint") {
		c.kind = AlterCommand::Kind::add_constraint;
		c.constraint = constraint(node_of(def, "Constraint"));
		if (!c.constraint.name.empty())
			identifiers.push_back(c.constraint.name);
	} else if (subtype == "AT_ValidateConstraint") {
		c.kind = AlterCommand::Kind::validate_constraint;
		c.constraint.name = c.column;
		c.column.clear();
	} else if (subtype == "AT_DropConstraint") {
		c.kind = AlterCommand::Kind::drop_constraint;
		c.constraint.name = c.column;
		c.column.clear();
		c.if_exists = flag(cmd, "missing_ok");
	}
	return c;
}

// DROP's objects: lists of names ("s.j"), or TypeNames for types and domains.
std::vector<std::string>
drop_objects(const json &objects) {
	std::vector<std::string> out;
	if (!objects.is_array())
		return out;
	for (const json &item : objects) {
		if (const json &list = node_of(item, "List"); list.is_object())
			out.push_back(dotted(field(list, "items")));
		else if (const json &tn = node_of(item, "TypeName"); tn.is_object())
			out.push_back(dotted(field(tn, "names")));
	}
	return out;
}

Statement
statement(const json &stmt) {
	Statement s;
	if (const json &n = node_of(stmt, "CreateStmt"); n.is_object()) {
		s.kind = Statement::Kind::create_table;
		s.relation = range_var(field(n, "relation"));
		s.identifiers.push_back(text(field(n, "relation"), "relname"));
		s.if_not_exists = flag(n, "if_not_exists");
		for (const json &elt : field(n, "tableElts").is_array() ? field(n, "tableElts") : json::array()) {
			if (const json &cd = node_of(elt, "ColumnDef"); cd.is_object())
				s.columns.push_back(column(cd, s.identifiers));
			else if (const json &c = node_of(elt, "Constraint"); c.is_object()) {
				s.constraints.push_back(constraint(c));
				if (!s.constraints.back().name.empty())
					s.identifiers.push_back(s.constraints.back().name);
			}
		}
	} else if (const json &n = node_of(stmt, "AlterTableStmt"); n.is_object()) {
		if (text(n, "objtype") != "OBJECT_TABLE")
			return s;
		s.kind = Statement::Kind::alter_table;
		s.relation = range_var(field(n, "relation"));
		s.if_exists = flag(n, "missing_ok");
		for (const json &cmd : field(n, "cmds").is_array() ? field(n, "cmds") : json::array())
			s.commands.push_back(alter_command(node_of(cmd, "AlterTableCmd"), s.identifiers));
	} else if (const json &n = node_of(stmt, "IndexStmt"); n.is_object()) {
		s.kind = Statement::Kind::create_index;
		s.relation = range_var(field(n, "relation"));
		s.new_name = text(n, "idxname");
		if (!s.new_name.empty())
			s.identifiers.push_back(s.new_name);
		s.unique = flag(n, "unique");
		s.concurrently = flag(n, "concurrent");
		s.if_not_exists = flag(n, "if_not_exists");
	} else if (const json &n = node_of(stmt, "DropStmt"); n.is_object()) {
		const std::string type = text(n, "removeType");
		if (type == "OBJECT_TABLE")
			s.kind = Statement::Kind::drop_table;
		else if (type == "OBJECT_INDEX")
			s.kind = Statement::Kind::drop_index;
		else
			return s;
		s.objects = drop_objects(field(n, "objects"));
		s.relation = s.objects.empty() ? std::string() : s.objects.front();
		s.if_exists = flag(n, "missing_ok");
		s.concurrently = flag(n, "concurrent");
		s.cascade = text(n, "behavior") == "DROP_CASCADE";
	} else if (const json &n = node_of(stmt, "DropdbStmt"); n.is_object()) {
		s.kind = Statement::Kind::drop_database;
		s.relation = text(n, "dbname");
		s.if_exists = flag(n, "missing_ok");
	} else if (const json &n = node_of(stmt, "TruncateStmt"); n.is_object()) {
		s.kind = Statement::Kind::truncate;
		for (const json &rv : field(n, "relations").is_array() ? field(n, "relations") : json::array())
			s.objects.push_back(range_var(rv));
		s.relation = s.objects.empty() ? std::string() : s.objects.front();
		s.cascade = text(n, "behavior") == "DROP_CASCADE";
	} else if (const json &n = node_of(stmt, "RenameStmt"); n.is_object()) {
		const std::string type = text(n, "renameType");
		s.new_name = text(n, "newname");
		s.identifiers.push_back(s.new_name);
		s.relation = range_var(field(n, "relation"));
		s.if_exists = flag(n, "missing_ok");
		if (type == "OBJECT_COLUMN") {
			s.kind = Statement::Kind::rename_column;
			s.objects.push_back(text(n, "subname"));
		} else if (type == "OBJECT_TABLE") {
			s.kind = Statement::Kind::rename_table;
		}
	} else if (const json &n = node_of(stmt, "CreateDomainStmt"); n.is_object()) {
		s.kind = Statement::Kind::create_domain;
		s.relation = dotted(field(n, "domainname"));
		s.identifiers.push_back(s.relation.substr(s.relation.rfind('.') + 1)); // npos + 1: the whole name
		for (const json &item : field(n, "constraints").is_array() ? field(n, "constraints") : json::array()) {
			const std::string type = text(node_of(item, "Constraint"), "contype");
			s.has_constraint = s.has_constraint || type == "CONSTR_CHECK" || type == "CONSTR_NOTNULL";
		}
	} else if (const json &n = node_of(stmt, "AlterDomainStmt"); n.is_object()) {
		if (text(n, "subtype") == "C") {
			s.kind = Statement::Kind::alter_domain_add_constraint;
			s.relation = dotted(field(n, "typeName"));
		}
	} else if (const json &n = node_of(stmt, "AlterEnumStmt"); n.is_object()) {
		if (!text(n, "newVal").empty() && text(n, "oldVal").empty()) {
			s.kind = Statement::Kind::alter_enum_add_value;
			s.relation = dotted(field(n, "typeName"));
			s.positioned = !text(n, "newValNeighbor").empty();
		}
	} else if (const json &n = node_of(stmt, "TransactionStmt"); n.is_object()) {
		s.kind = Statement::Kind::transaction_control;
		std::string kind = text(n, "kind"); // TRANS_STMT_BEGIN -> "begin"
		if (kind.starts_with("TRANS_STMT_"))
			kind.erase(0, 11);
		for (char &ch : kind)
			ch = ch == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
		s.transaction = kind;
	}
	return s;
}

} // namespace

std::vector<migrate::lint::Statement>
lint_statements(std::string_view sql, const migrate::StatementContext &where) {
	// The split parses the whole section once (a syntax error throws there, naming its line); then
	// only the statements that can change a schema object are parsed again for their trees, one
	// at a time, so memory stays that of one statement's tree.
	std::vector<Statement> statements;
	const std::vector<migrate::StatementSpan> spans = split_statements(sql, where);
	statements.reserve(spans.size());
	for (const migrate::StatementSpan &span : spans) {
		const std::string text(sql.substr(span.offset, span.length));
		Statement s;
		if (!migrate::is_row_statement(text)) {
			// It parsed within the section, so it parses alone; if not, lint has no tree for it
			// (kind other), and the server still runs and judges it.
			PgQueryParseResult result = pg_query_parse(text.c_str());
			if (!result.error && result.parse_tree) {
				const json tree = json::parse(result.parse_tree, nullptr, false);
				const json &stmts = field(tree, "stmts");
				if (stmts.is_array() && !stmts.empty())
					s = statement(field(stmts.front(), "stmt"));
			}
			pg_query_free_parse_result(result);
		}
		s.offset = span.offset;
		s.length = span.length;
		statements.push_back(std::move(s));
	}
	return statements;
}

} // namespace pgmigrate
