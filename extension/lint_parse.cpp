// Raw parse trees -> lint::Statement (see lint_parse.h). Only the fields the rules read; every
// other statement is Kind::other. Reading a node's fields cannot ereport; walking an expression
// (raw_expression_tree_walker) can, so that runs inside pg_call.
#include "migrate/sql_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "lint_parse.h"

extern "C" {
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "lib/stringinfo.h"
}

namespace migrate::pg {

namespace {

using lint::AlterCommand;
using lint::Column;
using lint::Constraint;
using lint::ConstraintKind;
using lint::Expr;
using lint::Statement;
using lint::TypeName;

std::string
str(const char *s) {
	return s != nullptr ? std::string(s) : std::string();
}

// A list of String nodes (a qualified name): "a.b".
std::string
dotted(List *names) {
	std::string out;
	ListCell *lc;
	foreach (lc, names) {
		Node *item = static_cast<Node *>(lfirst(lc));
		if (IsA(item, String))
			out += (out.empty() ? "" : ".") + str(strVal(item));
	}
	return out;
}

std::string
range_var(const RangeVar *rv) {
	if (rv == nullptr)
		return {};
	const std::string name = str(rv->relname);
	return rv->schemaname != nullptr ? str(rv->schemaname) + "." + name : name;
}

TypeName
type_name(const ::TypeName *tn) {
	TypeName t;
	if (tn == nullptr)
		return t;
	const int n = list_length(tn->names);
	if (n > 0) {
		Node *last = static_cast<Node *>(list_nth(tn->names, n - 1));
		t.name = IsA(last, String) ? str(strVal(last)) : std::string();
		if (n > 1) {
			Node *schema = static_cast<Node *>(list_nth(tn->names, n - 2));
			t.schema = IsA(schema, String) ? str(strVal(schema)) : std::string();
		}
	}
	ListCell *lc;
	foreach (lc, tn->typmods) {
		Node *mod = static_cast<Node *>(lfirst(lc));
		if (IsA(mod, A_Const)) {
			auto *c = reinterpret_cast<A_Const *>(mod);
#if PG_VERSION_NUM >= 150000
			t.typmods.push_back(!c->isnull && IsA(&c->val, Integer) ? static_cast<int>(intVal(&c->val)) : 0);
#else
			// PostgreSQL 14's A_Const holds a Value, whose tag is T_Null for NULL (no isnull field).
			t.typmods.push_back(IsA(&c->val, Integer) ? static_cast<int>(intVal(&c->val)) : 0);
#endif
		}
	}
	t.array = tn->arrayBounds != NIL;
	return t;
}

bool
collect_calls(Node *node, void *context) {
	if (node == nullptr)
		return false;
	if (IsA(node, FuncCall)) {
		ListCell *lc;
		bool first = true;
		foreach (lc, reinterpret_cast<FuncCall *>(node)->funcname) {
			Node *part = static_cast<Node *>(lfirst(lc));
			if (IsA(part, String)) {
				appendStringInfo(static_cast<StringInfo>(context), "%s%s", first ? "" : ".", strVal(part));
				first = false;
			}
		}
		appendStringInfoChar(static_cast<StringInfo>(context), '\n');
	}
#if PG_VERSION_NUM >= 160000
	return raw_expression_tree_walker(node, collect_calls, context);
#else
	// PostgreSQL 15 declares the walker without a prototype; void (*)() is the cast GCC allows.
	return raw_expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(collect_calls)),
	                                  context);
#endif
}

Expr
expression(Node *node) {
	Expr e;
	if (node == nullptr)
		return e;
	char *calls = pg_call([node] {
		StringInfoData found;
		initStringInfo(&found);
		collect_calls(node, &found);
		return found.data;
	});
	for (const char *line = calls; *line != '\0';) {
		const char *end = std::strchr(line, '\n');
		e.functions.emplace_back(line, end - line);
		line = end + 1;
	}
	pg_call([calls] { pfree(calls); });
	if (IsA(node, A_Const) || (IsA(node, TypeCast) && IsA(reinterpret_cast<TypeCast *>(node)->arg, A_Const)))
		e.kind = Expr::Kind::constant;
	else if (IsA(node, FuncCall))
		e.kind = Expr::Kind::function_call;
	return e;
}

Constraint
constraint(const ::Constraint *c) {
	Constraint k;
	switch (c->contype) {
	case CONSTR_PRIMARY:
		k.kind = ConstraintKind::primary_key;
		break;
	case CONSTR_UNIQUE:
		k.kind = ConstraintKind::unique;
		break;
	case CONSTR_FOREIGN:
		k.kind = ConstraintKind::foreign_key;
		break;
	case CONSTR_CHECK:
		k.kind = ConstraintKind::check;
		break;
	case CONSTR_EXCLUSION:
		k.kind = ConstraintKind::exclusion;
		break;
	case CONSTR_NOTNULL:
		k.kind = ConstraintKind::not_null;
		break;
	default:
		break;
	}
	k.name = str(c->conname);
	k.not_valid = c->skip_validation;
	k.using_index = c->indexname != nullptr && c->indexname[0] != '\0';
	if (k.kind == ConstraintKind::foreign_key)
		k.references = range_var(c->pktable);
	// CHECK (col IS NOT NULL)
	if (k.kind == ConstraintKind::check && c->raw_expr != nullptr && IsA(c->raw_expr, NullTest)) {
		auto *test = reinterpret_cast<NullTest *>(c->raw_expr);
		if (test->nulltesttype == IS_NOT_NULL && test->arg != nullptr && IsA(test->arg, ColumnRef)) {
			List *fields = reinterpret_cast<ColumnRef *>(test->arg)->fields;
			if (list_length(fields) == 1 && IsA(linitial(fields), String))
				k.not_null_column = str(strVal(linitial(fields)));
		}
	}
	return k;
}

Column
column(const ColumnDef *def, std::vector<std::string> &identifiers) {
	Column col;
	col.name = str(def->colname);
	identifiers.push_back(col.name);
	col.type = type_name(def->typeName);
	ListCell *lc;
	foreach (lc, def->constraints) {
		Node *item = static_cast<Node *>(lfirst(lc));
		if (!IsA(item, Constraint))
			continue;
		auto *c = reinterpret_cast<::Constraint *>(item);
		switch (c->contype) {
		case CONSTR_NOTNULL:
			col.not_null = true;
			break;
		case CONSTR_DEFAULT:
			col.default_ = expression(c->raw_expr);
			break;
		case CONSTR_IDENTITY:
			col.identity = true;
			break;
		case CONSTR_GENERATED:
			col.generated = true;
			break;
		case CONSTR_PRIMARY:
		case CONSTR_UNIQUE:
		case CONSTR_FOREIGN:
		case CONSTR_CHECK:
			col.not_null = col.not_null || c->contype == CONSTR_PRIMARY;
			col.constraints.push_back(constraint(c));
			if (!col.constraints.back().name.empty())
				identifiers.push_back(col.constraints.back().name);
			break;
		default:
			break;
		}
	}
	return col;
}

AlterCommand
alter_command(const AlterTableCmd *cmd, std::vector<std::string> &identifiers) {
	AlterCommand c;
	c.column = str(cmd->name);
	Node *def = cmd->def;
	switch (cmd->subtype) {
	case AT_AddColumn:
		c.kind = AlterCommand::Kind::add_column;
		if (def != nullptr && IsA(def, ColumnDef))
			c.definition = column(reinterpret_cast<ColumnDef *>(def), identifiers);
		c.column = c.definition.name;
		c.if_not_exists = cmd->missing_ok;
		break;
	case AT_DropColumn:
		c.kind = AlterCommand::Kind::drop_column;
		c.if_exists = cmd->missing_ok;
		break;
	case AT_AlterColumnType:
		c.kind = AlterCommand::Kind::alter_column_type;
		if (def != nullptr && IsA(def, ColumnDef)) {
			c.type = type_name(reinterpret_cast<ColumnDef *>(def)->typeName);
			c.has_using = reinterpret_cast<ColumnDef *>(def)->raw_default != nullptr;
		}
		break;
	case AT_SetNotNull:
		c.kind = AlterCommand::Kind::set_not_null;
		break;
	case AT_DropNotNull:
		c.kind = AlterCommand::Kind::drop_not_null;
		break;
	case AT_ColumnDefault:
		c.kind = def != nullptr ? AlterCommand::Kind::set_default : AlterCommand::Kind::drop_default;
		if (def != nullptr)
			c.expr = expression(def);
		break;
	case AT_AddConstraint:
		c.kind = AlterCommand::Kind::add_constraint;
		if (def != nullptr && IsA(def, Constraint))
			c.constraint = constraint(reinterpret_cast<::Constraint *>(def));
		if (!c.constraint.name.empty())
			identifiers.push_back(c.constraint.name);
		break;
	case AT_ValidateConstraint:
		c.kind = AlterCommand::Kind::validate_constraint;
		c.constraint.name = c.column;
		c.column.clear();
		break;
	case AT_DropConstraint:
		c.kind = AlterCommand::Kind::drop_constraint;
		c.constraint.name = c.column;
		c.column.clear();
		c.if_exists = cmd->missing_ok;
		break;
	default:
		break;
	}
	return c;
}

// "TRANS_STMT_ROLLBACK_TO" -> "rollback to", as the client's adapter names them.
const char *
transaction_kind(TransactionStmtKind kind) {
	switch (kind) {
	case TRANS_STMT_BEGIN:
		return "begin";
	case TRANS_STMT_START:
		return "start";
	case TRANS_STMT_COMMIT:
		return "commit";
	case TRANS_STMT_ROLLBACK:
		return "rollback";
	case TRANS_STMT_SAVEPOINT:
		return "savepoint";
	case TRANS_STMT_RELEASE:
		return "release";
	case TRANS_STMT_ROLLBACK_TO:
		return "rollback to";
	case TRANS_STMT_PREPARE:
		return "prepare";
	case TRANS_STMT_COMMIT_PREPARED:
		return "commit prepared";
	case TRANS_STMT_ROLLBACK_PREPARED:
		return "rollback prepared";
	}
	return "";
}

Statement
statement(Node *node) {
	Statement s;
	ListCell *lc;
	switch (nodeTag(node)) {
	case T_CreateStmt: {
		auto *n = reinterpret_cast<CreateStmt *>(node);
		s.kind = Statement::Kind::create_table;
		s.relation = range_var(n->relation);
		s.identifiers.push_back(n->relation != nullptr ? str(n->relation->relname) : std::string());
		s.if_not_exists = n->if_not_exists;
		foreach (lc, n->tableElts) {
			Node *elt = static_cast<Node *>(lfirst(lc));
			if (IsA(elt, ColumnDef)) {
				s.columns.push_back(column(reinterpret_cast<ColumnDef *>(elt), s.identifiers));
			} else if (IsA(elt, Constraint)) {
				s.constraints.push_back(constraint(reinterpret_cast<::Constraint *>(elt)));
				if (!s.constraints.back().name.empty())
					s.identifiers.push_back(s.constraints.back().name);
			}
		}
		break;
	}
	case T_AlterTableStmt: {
		auto *n = reinterpret_cast<AlterTableStmt *>(node);
		if (n->objtype != OBJECT_TABLE)
			break;
		s.kind = Statement::Kind::alter_table;
		s.relation = range_var(n->relation);
		s.if_exists = n->missing_ok;
		foreach (lc, n->cmds)
			s.commands.push_back(alter_command(static_cast<AlterTableCmd *>(lfirst(lc)), s.identifiers));
		break;
	}
	case T_IndexStmt: {
		auto *n = reinterpret_cast<IndexStmt *>(node);
		s.kind = Statement::Kind::create_index;
		s.relation = range_var(n->relation);
		s.new_name = str(n->idxname);
		if (!s.new_name.empty())
			s.identifiers.push_back(s.new_name);
		s.unique = n->unique;
		s.concurrently = n->concurrent;
		s.if_not_exists = n->if_not_exists;
		break;
	}
	case T_DropStmt: {
		auto *n = reinterpret_cast<DropStmt *>(node);
		if (n->removeType == OBJECT_TABLE)
			s.kind = Statement::Kind::drop_table;
		else if (n->removeType == OBJECT_INDEX)
			s.kind = Statement::Kind::drop_index;
		else
			break;
		foreach (lc, n->objects) {
			Node *item = static_cast<Node *>(lfirst(lc));
			if (IsA(item, List))
				s.objects.push_back(dotted(reinterpret_cast<List *>(item)));
		}
		s.relation = s.objects.empty() ? std::string() : s.objects.front();
		s.if_exists = n->missing_ok;
		s.concurrently = n->concurrent;
		s.cascade = n->behavior == DROP_CASCADE;
		break;
	}
	case T_DropdbStmt: {
		auto *n = reinterpret_cast<DropdbStmt *>(node);
		s.kind = Statement::Kind::drop_database;
		s.relation = str(n->dbname);
		s.if_exists = n->missing_ok;
		break;
	}
	case T_TruncateStmt: {
		auto *n = reinterpret_cast<TruncateStmt *>(node);
		s.kind = Statement::Kind::truncate;
		foreach (lc, n->relations)
			s.objects.push_back(range_var(static_cast<RangeVar *>(lfirst(lc))));
		s.relation = s.objects.empty() ? std::string() : s.objects.front();
		s.cascade = n->behavior == DROP_CASCADE;
		break;
	}
	case T_RenameStmt: {
		auto *n = reinterpret_cast<RenameStmt *>(node);
		s.new_name = str(n->newname);
		s.identifiers.push_back(s.new_name);
		s.relation = range_var(n->relation);
		s.if_exists = n->missing_ok;
		if (n->renameType == OBJECT_COLUMN) {
			s.kind = Statement::Kind::rename_column;
			s.objects.push_back(str(n->subname));
		} else if (n->renameType == OBJECT_TABLE) {
			s.kind = Statement::Kind::rename_table;
		}
		break;
	}
	case T_CreateDomainStmt: {
		auto *n = reinterpret_cast<CreateDomainStmt *>(node);
		s.kind = Statement::Kind::create_domain;
		s.relation = dotted(n->domainname);
		s.identifiers.push_back(s.relation.substr(s.relation.rfind('.') + 1)); // npos + 1: the whole name
		foreach (lc, n->constraints) {
			Node *item = static_cast<Node *>(lfirst(lc));
			if (IsA(item, Constraint)) {
				const ConstrType type = reinterpret_cast<::Constraint *>(item)->contype;
				s.has_constraint = s.has_constraint || type == CONSTR_CHECK || type == CONSTR_NOTNULL;
			}
		}
		break;
	}
	case T_AlterDomainStmt: {
		auto *n = reinterpret_cast<AlterDomainStmt *>(node);
		if (n->subtype == 'C') {
			s.kind = Statement::Kind::alter_domain_add_constraint;
			s.relation = dotted(n->typeName);
		}
		break;
	}
	case T_AlterEnumStmt: {
		auto *n = reinterpret_cast<AlterEnumStmt *>(node);
		if (n->newVal != nullptr && n->newVal[0] != '\0' && (n->oldVal == nullptr || n->oldVal[0] == '\0')) {
			s.kind = Statement::Kind::alter_enum_add_value;
			s.relation = dotted(n->typeName);
			s.positioned = n->newValNeighbor != nullptr && n->newValNeighbor[0] != '\0';
		}
		break;
	}
	case T_TransactionStmt:
		s.kind = Statement::Kind::transaction_control;
		s.transaction = transaction_kind(reinterpret_cast<TransactionStmt *>(node)->kind);
		break;
	default:
		break;
	}
	return s;
}

} // namespace

std::vector<lint::Statement>
lint_model(List *raw, const std::string &text) {
	std::vector<Statement> statements;
	ListCell *lc;
	foreach (lc, raw) {
		auto *stmt = static_cast<RawStmt *>(lfirst(lc));
		Statement s = statement(stmt->stmt);
		const std::size_t begin = std::min(static_cast<std::size_t>(std::max(stmt->stmt_location, 0)), text.size());
		const std::size_t end =
		    stmt->stmt_len > 0 ? std::min(begin + static_cast<std::size_t>(stmt->stmt_len), text.size()) : text.size();
		s.offset = skip_blank(text, begin, end); // the statement's first token: its line
		s.length = end - s.offset;
		statements.push_back(std::move(s));
	}
	return statements;
}

} // namespace migrate::pg
