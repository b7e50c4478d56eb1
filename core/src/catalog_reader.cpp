// Catalog queries that read a schema into the model. Every name is formatted by PostgreSQL
// itself (format('%I'), pg_get_*def) under an empty search_path, so it comes back qualified
// and quoted exactly as DDL needs it.
#include "migrate/catalog_reader.hpp"

#include <fmt/format.h>

namespace migrate::schema {

namespace {

// User schemas: not PostgreSQL's, not migrate's state.
constexpr const char *user_ns = R"SQL(
    n.nspname NOT IN ('pg_catalog', 'information_schema', 'migrate') AND n.nspname !~ '^pg_')SQL";

// Not created by an extension (CREATE EXTENSION brings those back).
std::string
not_extension_member(const char *catalog, const char *oid) {
	return fmt::format("NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = '{}'::pg_catalog.regclass "
	                   "AND e.objid = {} AND e.deptype = 'e')",
	                   catalog, oid);
}

// User relations: FROM rel_from ... WHERE rel_where('r', 'v').
constexpr const char *rel_from = "pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace";

std::string
rel_where(const char *kinds) {
	return fmt::format("{} AND c.relkind IN ({}) AND {}", user_ns, kinds,
	                   not_extension_member("pg_catalog.pg_class", "c.oid"));
}

// The id of the relation `c` in the model: "table public.t", "view public.v"...
constexpr const char *relation_id = "CASE WHEN c.relkind IN ('v', 'm') THEN 'view ' WHEN c.relkind = 'S' THEN "
                                    "'sequence ' ELSE 'table ' END || pg_catalog.format('%I.%I', n.nspname, c.relname)";

// What a foreign key `co` depends on, one id a line: the key it references (the unique or primary key
// constraint behind its index, conindid, or else that unique index) and the columns on both sides.
// Changing any of them needs the foreign key dropped first and created again after.
constexpr const char *foreign_key_depends_on = R"SQL(pg_catalog.concat_ws(E'\n',
    COALESCE((SELECT 'constraint ' || pg_catalog.format('%I.%I.%I', kn.nspname, kr.relname, kc.conname)
              FROM pg_catalog.pg_constraint kc JOIN pg_catalog.pg_class kr ON kr.oid = kc.conrelid
              JOIN pg_catalog.pg_namespace kn ON kn.oid = kr.relnamespace
              WHERE kc.conindid = co.conindid AND kc.conrelid = co.confrelid AND kc.contype IN ('p', 'u')),
             (SELECT 'index ' || pg_catalog.format('%I.%I', kn.nspname, ki.relname)
              FROM pg_catalog.pg_class ki JOIN pg_catalog.pg_namespace kn ON kn.oid = ki.relnamespace
              WHERE ki.oid = co.conindid)),
    (SELECT pg_catalog.string_agg('column ' || pg_catalog.format('%I.%I.%I', an.nspname, ar.relname, a.attname),
                                  E'\n' ORDER BY k.rel, k.num)
     FROM (SELECT co.conrelid AS rel, pg_catalog.unnest(co.conkey) AS num
           UNION ALL SELECT co.confrelid, pg_catalog.unnest(co.confkey)) k
     JOIN pg_catalog.pg_attribute a ON a.attrelid = k.rel AND a.attnum = k.num
     JOIN pg_catalog.pg_class ar ON ar.oid = k.rel JOIN pg_catalog.pg_namespace an ON an.oid = ar.relnamespace)))SQL";

// "a\nb" -> {"a", "b"}; "" -> {}.
std::vector<std::string>
lines(const std::string &text) {
	std::vector<std::string> out;
	for (std::size_t pos = 0; pos < text.size();) {
		std::size_t nl = text.find('\n', pos);
		out.push_back(text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
		pos = nl == std::string::npos ? text.size() : nl + 1;
	}
	return out;
}

// Column i of a row as text; "" for NULL (or a column the query did not return).
const std::string &
text(const Row &row, std::size_t i) {
	static const std::string empty;
	return i < row.size() && row[i] ? *row[i] : empty;
}

class Reader {
public:
	explicit Reader(Database &db) : db_(db) {}

	Schema read() {
		schemas();
		extensions();
		enums();
		sequences();
		functions();
		tables();
		constraints();
		indexes();
		views();
		triggers();
		policies();
		comments();
		grants();
		return std::move(schema_);
	}

private:
	std::vector<Row> q(const std::string &sql) { return db_.query(sql); }

	// One object per row of `sql`, its columns stored in `fields` in order (name first).
	void read_rows(Kind kind, const std::string &sql, std::initializer_list<std::string Object::*> fields) {
		for (const auto &r : q(sql)) {
			Object &o = add(kind, {});
			std::size_t i = 0;
			for (auto field : fields)
				o.*field = text(r, i++);
		}
	}

	Object &add(Kind kind, std::string name) {
		Object &o = schema_.objects.emplace_back();
		o.kind = kind;
		o.name = std::move(name);
		return o;
	}

	void schemas() {
		for (const auto &r : q(fmt::format("SELECT pg_catalog.quote_ident(n.nspname) FROM pg_catalog.pg_namespace n "
		                                   "WHERE {} AND n.nspname <> 'public' AND {} ORDER BY 1",
		                                   user_ns, not_extension_member("pg_catalog.pg_namespace", "n.oid"))))
			add(Kind::schema, text(r, 0));
	}

	void extensions() {
		read_rows(Kind::extension,
		          "SELECT pg_catalog.quote_ident(x.extname), pg_catalog.quote_ident(n.nspname) FROM "
		          "pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace "
		          "WHERE x.extname NOT IN ('plpgsql', 'migrate') ORDER BY 1",
		          {&Object::name, &Object::definition});
	}

	void enums() {
		Object *current = nullptr;
		for (const auto &r : q(fmt::format(
		         "SELECT pg_catalog.format('%I.%I', n.nspname, t.typname), e.enumlabel FROM pg_catalog.pg_type t "
		         "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace JOIN pg_catalog.pg_enum e ON e.enumtypid = "
		         "t.oid WHERE {} AND {} ORDER BY 1, e.enumsortorder",
		         user_ns, not_extension_member("pg_catalog.pg_type", "t.oid")))) {
			if (!current || current->name != text(r, 0))
				current = &add(Kind::enum_type, text(r, 0));
			current->labels.push_back(text(r, 1));
		}
	}

	void sequences() {
		// Identity columns own their sequences internally ('i'): those come with the column. A
		// serial column's sequence is owned automatically ('a'): that ownership is an object too.
		for (const auto &r : q(fmt::format(
		         "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), pg_catalog.format('AS %s INCREMENT BY %s "
		         "MINVALUE %s MAXVALUE %s START WITH %s CACHE %s %s', pg_catalog.format_type(s.seqtypid, NULL), "
		         "s.seqincrement, s.seqmin, s.seqmax, s.seqstart, s.seqcache, CASE WHEN s.seqcycle THEN 'CYCLE' ELSE "
		         "'NO CYCLE' END), (SELECT pg_catalog.format('%I.%I.%I', tn.nspname, t.relname, a.attname) FROM "
		         "pg_catalog.pg_depend d JOIN pg_catalog.pg_class t ON t.oid = d.refobjid JOIN pg_catalog.pg_namespace "
		         "tn ON tn.oid = t.relnamespace JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = "
		         "d.refobjsubid WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND "
		         "d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'a' AND d.refobjsubid > 0) "
		         "FROM {} JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid WHERE {} AND NOT EXISTS (SELECT 1 FROM "
		         "pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = "
		         "c.oid AND d.deptype = 'i') ORDER BY 1",
		         rel_from, rel_where("'S'")))) {
			Object &o = add(Kind::sequence, text(r, 0));
			o.definition = text(r, 1);
			if (r[2]) {
				Object &own = add(Kind::sequence_owner, text(r, 0));
				own.definition = text(r, 2);
			}
		}
	}

	void functions() {
		// The last column: whether a column default, constraint or index calls it (pg_depend records
		// those calls, not those in function bodies), so it must exist before the tables.
		for (const auto &r : q(fmt::format(
		         "SELECT pg_catalog.format('%I.%I(%s)', n.nspname, p.proname, "
		         "pg_catalog.pg_get_function_identity_arguments(p.oid)), pg_catalog.pg_get_functiondef(p.oid), CASE "
		         "p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, pg_catalog.pg_get_function_result(p.oid), "
		         "EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.refclassid = "
		         "'pg_catalog.pg_proc'::pg_catalog.regclass AND d.refobjid = p.oid AND d.classid IN "
		         "('pg_catalog.pg_attrdef'::pg_catalog.regclass, 'pg_catalog.pg_constraint'::pg_catalog.regclass, "
		         "'pg_catalog.pg_class'::pg_catalog.regclass)) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace "
		         "n ON n.oid = p.pronamespace WHERE {} AND p.prokind IN ('f', 'p') AND {} ORDER BY 1",
		         user_ns, not_extension_member("pg_catalog.pg_proc", "p.oid")))) {
			Object &o = add(Kind::function, text(r, 0));
			o.definition = text(r, 1);
			o.detail = text(r, 2);
			o.result = text(r, 3);
			o.needed_by_tables = text(r, 4) == "t";
		}
	}

	void tables() {
		for (const auto &r : q(fmt::format("SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), c.relpersistence, "
		                                   "c.relrowsecurity, c.relforcerowsecurity FROM {} WHERE {} ORDER BY 1",
		                                   rel_from, rel_where("'r'")))) {
			const std::string name = text(r, 0); // add_sub() may move the objects: no reference held
			add(Kind::table, name).definition = text(r, 1) == "u" ? "UNLOGGED" : "";
			if (text(r, 2) == "t")
				add_sub(Kind::rls, name, "enable", "");
			if (text(r, 3) == "t")
				add_sub(Kind::rls, name, "force", "");
		}
		for (const auto &r : q(fmt::format(
		         "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), pg_catalog.quote_ident(a.attname), "
		         "pg_catalog.format_type(a.atttypid, a.atttypmod), CASE WHEN a.attcollation <> ty.typcollation THEN "
		         "(SELECT pg_catalog.format('%I.%I', cn.nspname, co.collname) FROM pg_catalog.pg_collation co JOIN "
		         "pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END, "
		         "pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attnotnull, a.attidentity, a.attgenerated "
		         "FROM {} JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT "
		         "a.attisdropped JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid LEFT JOIN pg_catalog.pg_attrdef d "
		         "ON "
		         "d.adrelid = c.oid AND d.adnum = a.attnum WHERE {} ORDER BY 1, a.attnum",
		         rel_from, rel_where("'r'")))) {
			Column col;
			col.type = text(r, 2);
			col.collation = text(r, 3);
			const bool generated = text(r, 7) == "s";
			(generated ? col.generated : col.default_expr) = text(r, 4);
			col.not_null = text(r, 5) == "t";
			col.identity = text(r, 6).empty() ? 0 : text(r, 6)[0];
			schema_.objects.push_back(make_column(text(r, 0), text(r, 1), std::move(col)));
		}
	}

	void add_sub(Kind kind, const std::string &table, std::string name, std::string definition) {
		schema_.objects.push_back(make_sub(kind, table, std::move(name), std::move(definition)));
	}

	void constraints() {
		for (const auto &r : q(fmt::format(
		         "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), pg_catalog.quote_ident(co.conname), "
		         "co.contype, pg_catalog.pg_get_constraintdef(co.oid), CASE WHEN co.contype = 'f' THEN {} END FROM {} "
		         "JOIN pg_catalog.pg_constraint co ON co.conrelid = c.oid WHERE {} AND co.contype IN ('p', 'u', 'c', "
		         "'f', 'x') ORDER BY 1, 2",
		         foreign_key_depends_on, rel_from, rel_where("'r'")))) {
			add_sub(text(r, 2) == "f" ? Kind::foreign_key : Kind::constraint, text(r, 0), text(r, 1), text(r, 3));
			schema_.objects.back().depends_on = lines(text(r, 4));
		}
	}

	void indexes() {
		// Indexes of their own; those behind a primary key, unique or exclusion constraint come with it.
		read_rows(
		    Kind::index,
		    fmt::format(
		        "SELECT pg_catalog.format('%I.%I', n.nspname, ic.relname), pg_catalog.format('%I.%I', n.nspname, "
		        "c.relname), pg_catalog.pg_get_indexdef(i.indexrelid), {} FROM {} JOIN pg_catalog.pg_index i ON "
		        "i.indrelid = c.oid JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid WHERE {} AND NOT EXISTS "
		        "(SELECT 1 FROM pg_catalog.pg_constraint co WHERE co.conindid = i.indexrelid AND co.conrelid = c.oid "
		        "AND co.contype IN ('p', 'u', 'x')) ORDER BY 1",
		        relation_id, rel_from, rel_where("'r', 'm'")),
		    {&Object::name, &Object::detail, &Object::definition, &Object::parent});
	}

	void views() {
		for (const auto &r : q(fmt::format(
		         "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), CASE c.relkind WHEN 'm' THEN 'MATERIALIZED "
		         "VIEW' ELSE 'VIEW' END, pg_catalog.pg_get_viewdef(c.oid), (SELECT pg_catalog.string_agg(DISTINCT CASE "
		         "WHEN r.relkind IN ('v', 'm') THEN 'view ' ELSE 'table ' END || pg_catalog.format('%I.%I', "
		         "rn.nspname, "
		         "r.relname), E'\\n') FROM pg_catalog.pg_rewrite rw JOIN pg_catalog.pg_depend d ON d.classid = "
		         "'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = rw.oid AND d.refclassid = "
		         "'pg_catalog.pg_class'::pg_catalog.regclass JOIN pg_catalog.pg_class r ON r.oid = d.refobjid JOIN "
		         "pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace WHERE rw.ev_class = c.oid AND r.oid <> c.oid) "
		         "FROM {} WHERE {} ORDER BY 1",
		         rel_from, rel_where("'v', 'm'")))) {
			Object &o = add(Kind::view, text(r, 0));
			o.detail = text(r, 1);
			o.definition = text(r, 2);
			o.depends_on = lines(text(r, 3));
		}
	}

	void triggers() {
		for (const auto &r : q(fmt::format(
		         "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), pg_catalog.quote_ident(tg.tgname), "
		         "pg_catalog.pg_get_triggerdef(tg.oid), {} FROM {} JOIN pg_catalog.pg_trigger tg ON tg.tgrelid = "
		         "c.oid WHERE {} AND NOT tg.tgisinternal ORDER BY 1, 2",
		         relation_id, rel_from, rel_where("'r', 'v'")))) {
			add_sub(Kind::trigger, text(r, 0), text(r, 1), text(r, 2));
			schema_.objects.back().parent = text(r, 3);
		}
	}

	void policies() {
		for (const auto &r : q(fmt::format(
		         "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), pg_catalog.quote_ident(p.polname), "
		         "pg_catalog.format('CREATE POLICY %I ON %I.%I AS %s FOR %s TO %s', p.polname, n.nspname, c.relname, "
		         "CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END, CASE p.polcmd WHEN 'r' THEN "
		         "'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END, "
		         "(SELECT pg_catalog.string_agg(CASE WHEN x = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(rl.rolname) "
		         "END, ', ' ORDER BY 1) FROM pg_catalog.unnest(p.polroles) x LEFT JOIN pg_catalog.pg_roles rl ON "
		         "rl.oid = x)) || COALESCE(' USING (' || pg_catalog.pg_get_expr(p.polqual, p.polrelid) || ')', '') || "
		         "COALESCE(' WITH CHECK (' || pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) || ')', '') FROM {} "
		         "JOIN pg_catalog.pg_policy p ON p.polrelid = c.oid WHERE {} ORDER BY 1, 2",
		         rel_from, rel_where("'r'"))))
			add_sub(Kind::policy, text(r, 0), text(r, 1), text(r, 2));
	}

	void comments() {
		// (target for COMMENT ON, id of the object it is on, text)
		const std::string sql = fmt::format(R"SQL(
SELECT CASE c.relkind WHEN 'r' THEN 'TABLE ' WHEN 'v' THEN 'VIEW ' WHEN 'm' THEN 'MATERIALIZED VIEW '
           WHEN 'S' THEN 'SEQUENCE ' ELSE 'INDEX ' END || pg_catalog.format('%I.%I', n.nspname, c.relname),
       CASE c.relkind WHEN 'i' THEN 'index ' || pg_catalog.format('%I.%I', n.nspname, c.relname) ELSE {0} END,
       d.description
FROM {1} JOIN pg_catalog.pg_description d ON d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
     AND d.objoid = c.oid AND d.objsubid = 0
WHERE {2}
UNION ALL
SELECT pg_catalog.format('COLUMN %I.%I.%I', n.nspname, c.relname, a.attname),
       CASE WHEN c.relkind IN ('v', 'm') THEN {0}
            ELSE pg_catalog.format('column %I.%I.%I', n.nspname, c.relname, a.attname) END, d.description
FROM {1} JOIN pg_catalog.pg_description d ON d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
     AND d.objoid = c.oid AND d.objsubid > 0
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
WHERE {2}
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END || x.name, 'function ' || x.name, d.description
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
CROSS JOIN LATERAL (SELECT pg_catalog.format('%I.%I(%s)', n.nspname, p.proname,
                           pg_catalog.pg_get_function_identity_arguments(p.oid)) AS name) x
JOIN pg_catalog.pg_description d ON d.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objoid = p.oid
WHERE {3} AND {4}
UNION ALL
SELECT 'TYPE ' || pg_catalog.format('%I.%I', n.nspname, t.typname), 'type ' || pg_catalog.format('%I.%I', n.nspname, t.typname),
       d.description
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_description d ON d.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objoid = t.oid
WHERE {3} AND t.typtype = 'e'
UNION ALL
SELECT 'SCHEMA ' || pg_catalog.quote_ident(n.nspname), 'schema ' || pg_catalog.quote_ident(n.nspname), d.description
FROM pg_catalog.pg_namespace n
JOIN pg_catalog.pg_description d ON d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.objoid = n.oid
WHERE {3} AND n.nspname <> 'public'
ORDER BY 1)SQL",
		                                    relation_id, rel_from, rel_where("'r', 'v', 'm', 'S', 'i'"), user_ns,
		                                    not_extension_member("pg_catalog.pg_proc", "p.oid"));
		read_rows(Kind::comment, sql, {&Object::name, &Object::parent, &Object::definition});
	}

	void grants() {
		// Privileges the owner granted to others (the owner's own are implicit).
		for (const auto &r : q(fmt::format(
		         "SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END || pg_catalog.format('%I.%I', "
		         "n.nspname, c.relname), g.privilege_type, CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE "
		         "pg_catalog.quote_ident(rl.rolname) END, g.is_grantable, {} FROM {} CROSS JOIN LATERAL "
		         "pg_catalog.aclexplode(c.relacl) g LEFT JOIN pg_catalog.pg_roles rl ON rl.oid = g.grantee WHERE {} "
		         "AND g.grantee <> c.relowner ORDER BY 1, 2, 3",
		         relation_id, rel_from, rel_where("'r', 'v', 'm', 'S'")))) {
			Object &o = add(Kind::grant, fmt::format("{} ON {} TO {}{}", text(r, 1), text(r, 0), text(r, 2),
			                                         text(r, 3) == "t" ? " WITH GRANT OPTION" : ""));
			o.definition = text(r, 1);
			o.detail = text(r, 0);
			o.result = text(r, 2);
			o.parent = text(r, 4);
		}
	}

	Database &db_;
	Schema schema_;
};

} // namespace

Schema
introspect(Database &db) {
	auto saved = db.query("SELECT pg_catalog.current_setting('search_path'), pg_catalog.set_config('search_path', '', "
	                      "false)");
	Schema s;
	try {
		s = Reader(db).read();
	} catch (...) {
		db.query("SELECT pg_catalog.set_config('search_path', $1, false)", {saved.at(0).at(0)});
		throw;
	}
	db.query("SELECT pg_catalog.set_config('search_path', $1, false)", {saved.at(0).at(0)});
	return s;
}

} // namespace migrate::schema
