// The schema diff on in-memory models: what it emits, in which order, with which warnings.
#include "migrate/catalog_reader.hpp"
#include "migrate/schema_diff.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

using namespace migrate;
using namespace migrate::schema;

namespace {

Column
col(std::string type, bool not_null = false, std::string default_expr = {}) {
	Column c;
	c.type = std::move(type);
	c.not_null = not_null;
	c.default_expr = std::move(default_expr);
	return c;
}

// All statements of the steps, in order.
std::vector<std::string>
statements(const std::vector<schema::Step> &steps) {
	std::vector<std::string> out;
	for (const auto &s : steps)
		out.insert(out.end(), s.sql.begin(), s.sql.end());
	return out;
}

// Position of the first statement starting with `prefix` (fails the test when there is none).
std::size_t
at(const std::vector<std::string> &sql, const std::string &prefix) {
	for (std::size_t i = 0; i < sql.size(); ++i)
		if (sql[i].rfind(prefix, 0) == 0)
			return i;
	ADD_FAILURE() << "no statement starts with: " << prefix;
	return sql.size();
}

Schema
two_tables_with_fk() {
	Schema s;
	s.objects.push_back(make_table("public.parent"));
	s.objects.push_back(make_column("public.parent", "id", col("integer", true)));
	s.objects.push_back(make_sub(Kind::constraint, "public.parent", "parent_pkey", "PRIMARY KEY (id)"));
	s.objects.push_back(make_table("public.child"));
	s.objects.push_back(make_column("public.child", "id", col("integer", true)));
	s.objects.push_back(make_column("public.child", "parent_id", col("integer")));
	s.objects.push_back(make_sub(Kind::foreign_key, "public.child", "child_parent_fk",
	                             "FOREIGN KEY (parent_id) REFERENCES public.parent(id) ON DELETE CASCADE"));
	return s;
}

// parent(id, code UNIQUE) and child(id, parent_code) with a foreign key on code: the model
// introspection reads, the foreign key depending on its key and columns.
Schema
keyed_parent_and_child() {
	Schema s;
	s.objects.push_back(make_table("public.parent"));
	s.objects.push_back(make_column("public.parent", "id", col("integer", true)));
	s.objects.push_back(make_column("public.parent", "code", col("integer", true)));
	s.objects.push_back(make_sub(Kind::constraint, "public.parent", "parent_code_key", "UNIQUE (code)"));
	s.objects.push_back(make_table("public.child"));
	s.objects.push_back(make_column("public.child", "id", col("integer", true)));
	s.objects.push_back(make_column("public.child", "parent_code", col("integer")));
	Object fk = make_sub(Kind::foreign_key, "public.child", "child_parent_code_fk",
	                     "FOREIGN KEY (parent_code) REFERENCES public.parent(code)");
	fk.depends_on = {"constraint public.parent.parent_code_key", "column public.child.parent_code",
	                 "column public.parent.code"};
	s.objects.push_back(fk);
	return s;
}

Object &
find(Schema &s, const std::string &object_id) {
	for (auto &o : s.objects)
		if (id(o) == object_id)
			return o;
	throw std::runtime_error("no object " + object_id);
}

Object
view(std::string name, std::string body, std::vector<std::string> deps) {
	Object v;
	v.kind = Kind::view;
	v.name = std::move(name);
	v.detail = "VIEW";
	v.definition = std::move(body);
	v.depends_on = std::move(deps);
	return v;
}

} // namespace

TEST(SchemaDiff, EqualSchemasGiveNothing) {
	EXPECT_TRUE(diff(two_tables_with_fk(), two_tables_with_fk()).empty());
	EXPECT_TRUE(diff(Schema{}, Schema{}).empty());
}

TEST(SchemaDiff, NewTablesInlineColumnsAndAddForeignKeysAfterBothExist) {
	auto sql = statements(diff(Schema{}, two_tables_with_fk()));
	std::size_t parent = at(sql, "CREATE TABLE public.parent"), child = at(sql, "CREATE TABLE public.child"),
	            fk = at(sql, "ALTER TABLE public.child ADD CONSTRAINT child_parent_fk");
	EXPECT_LT(parent, fk);
	EXPECT_LT(child, fk);
	EXPECT_EQ(sql[parent], "CREATE TABLE public.parent (\n    id integer NOT NULL,\n    CONSTRAINT parent_pkey PRIMARY "
	                       "KEY (id)\n);");
	EXPECT_EQ(sql.size(), 3u); // columns and the primary key went inside CREATE TABLE
}

TEST(SchemaDiff, DroppingTablesDropsForeignKeysBetweenThemFirstAndWarns) {
	auto steps = diff(two_tables_with_fk(), Schema{});
	auto sql = statements(steps);
	EXPECT_LT(at(sql, "ALTER TABLE public.child DROP CONSTRAINT child_parent_fk"), at(sql, "DROP TABLE public.parent"));
	EXPECT_EQ(sql.size(), 3u); // columns and the primary key go with their tables
	for (const auto &s : steps)
		if (s.sql.front().rfind("DROP TABLE", 0) == 0) {
			EXPECT_TRUE(s.data_loss);
			ASSERT_FALSE(s.notes.empty());
			EXPECT_EQ(s.notes.front().rfind("WARNING: data loss: drops table", 0), 0u);
		}
}

TEST(SchemaDiff, DropAndAddOfTheSameTypeIsFlaggedAsAPossibleRename) {
	Schema a, b;
	a.objects = {make_table("public.agents"), make_column("public.agents", "model", col("text"))};
	b.objects = {make_table("public.agents"), make_column("public.agents", "model_name", col("text"))};
	auto steps = diff(a, b);
	ASSERT_EQ(steps.size(), 2u);
	EXPECT_EQ(steps[0].sql.front(), "ALTER TABLE public.agents DROP COLUMN model;");
	ASSERT_EQ(steps[0].notes.size(), 2u);
	EXPECT_EQ(steps[0].notes[0], "WARNING: data loss: drops column model of public.agents and its values");
	EXPECT_NE(steps[0].notes[1].find("a rename cannot be told from a drop and an add"), std::string::npos);
	EXPECT_NE(steps[0].notes[1].find("RENAME COLUMN model TO model_name"), std::string::npos);
	EXPECT_EQ(steps[1].sql.front(), "ALTER TABLE public.agents ADD COLUMN model_name text;");

	// Another type: no hint.
	b.objects[1] = make_column("public.agents", "model_name", col("integer"));
	steps = diff(a, b);
	EXPECT_EQ(steps[0].notes.size(), 1u);
}

TEST(SchemaDiff, NarrowingWarnsAndWideningDoesNot) {
	Schema narrow, wide;
	narrow.objects = {make_table("public.t"), make_column("public.t", "n", col("integer")),
	                  make_column("public.t", "s", col("character varying(10)"))};
	wide.objects = {make_table("public.t"), make_column("public.t", "n", col("bigint")),
	                make_column("public.t", "s", col("text"))};
	auto up = diff(narrow, wide);
	ASSERT_EQ(up.size(), 2u);
	for (const auto &s : up)
		EXPECT_FALSE(s.data_loss) << s.sql.front();
	EXPECT_EQ(statements(up)[0], "ALTER TABLE public.t ALTER COLUMN n TYPE bigint USING n::bigint;");
	auto down = diff(wide, narrow);
	ASSERT_EQ(down.size(), 2u);
	for (const auto &s : down) {
		EXPECT_TRUE(s.data_loss);
		EXPECT_EQ(s.notes.at(0).rfind("WARNING: data loss: column", 0), 0u);
	}
}

TEST(SchemaDiff, ColumnChangesDropTheOldDefaultBeforeRetyping) {
	Schema a, b;
	a.objects = {make_table("public.t"), make_column("public.t", "c", col("text", false, "'1'::text"))};
	b.objects = {make_table("public.t"), make_column("public.t", "c", col("integer", true, "1"))};
	auto sql = statements(diff(a, b));
	ASSERT_EQ(sql.size(), 4u);
	EXPECT_EQ(sql[0], "ALTER TABLE public.t ALTER COLUMN c DROP DEFAULT;");
	EXPECT_EQ(sql[1], "ALTER TABLE public.t ALTER COLUMN c TYPE integer USING c::integer;");
	EXPECT_EQ(sql[2], "ALTER TABLE public.t ALTER COLUMN c SET DEFAULT 1;");
	EXPECT_EQ(sql[3], "ALTER TABLE public.t ALTER COLUMN c SET NOT NULL;");
}

TEST(SchemaDiff, EnumValuesAreAddedInPlaceAndRemovedByRebuild) {
	Object e1;
	e1.kind = Kind::enum_type;
	e1.name = "public.status";
	e1.labels = {"open", "closed"};
	Object e2 = e1;
	e2.labels = {"draft", "open", "pending", "closed"};
	Schema a, b;
	a.objects = {e1, make_table("public.t"),
	             make_column("public.t", "s", col("public.status", true, "'open'::public.status"))};
	b.objects = a.objects;
	b.objects[0] = e2;
	auto sql = statements(diff(a, b));
	ASSERT_EQ(sql.size(), 2u);
	EXPECT_EQ(sql[0], "ALTER TYPE public.status ADD VALUE 'draft' BEFORE 'open';");
	EXPECT_EQ(sql[1], "ALTER TYPE public.status ADD VALUE 'pending' AFTER 'open';");

	auto down = diff(b, a);
	ASSERT_EQ(down.size(), 1u);
	EXPECT_TRUE(down[0].data_loss);
	EXPECT_NE(down[0].notes.at(0).find("loses value(s) 'draft', 'pending'"), std::string::npos);
	const auto &rebuild = down[0].sql;
	EXPECT_EQ(rebuild.front(), "ALTER TYPE public.status RENAME TO status__old;");
	EXPECT_EQ(rebuild.back(), "DROP TYPE public.status__old;");
	EXPECT_NE(std::find(rebuild.begin(), rebuild.end(),
	                    "ALTER TABLE public.t ALTER COLUMN s TYPE public.status USING s::text::public.status;"),
	          rebuild.end());
	EXPECT_NE(std::find(rebuild.begin(), rebuild.end(),
	                    "ALTER TABLE public.t ALTER COLUMN s SET DEFAULT 'open'::public.status;"),
	          rebuild.end());
}

TEST(SchemaDiff, ViewsOnARetypedColumnAreDroppedFirstAndCreatedAfter) {
	Schema a, b;
	a.objects = {make_table("public.t"), make_column("public.t", "n", col("integer")),
	             view("public.v1", "SELECT n FROM public.t", {"table public.t"}),
	             view("public.v2", "SELECT n FROM public.v1", {"view public.v1"})};
	b.objects = a.objects;
	b.objects[1] = make_column("public.t", "n", col("bigint"));
	auto sql = statements(diff(a, b));
	std::size_t drop1 = at(sql, "DROP VIEW public.v1"), drop2 = at(sql, "DROP VIEW public.v2"),
	            alter = at(sql, "ALTER TABLE public.t ALTER COLUMN n TYPE bigint"),
	            create1 = at(sql, "CREATE VIEW public.v1"), create2 = at(sql, "CREATE VIEW public.v2");
	EXPECT_LT(drop2, drop1); // dependents first
	EXPECT_LT(drop1, alter);
	EXPECT_LT(alter, create1);
	EXPECT_LT(create1, create2);
	// Both sides of a drop-and-create say so, for a reviewer reading only one of them.
	for (const auto &step : diff(a, b)) {
		if (step.sql.front().find("VIEW public.v1") != std::string::npos) {
			ASSERT_FALSE(step.notes.empty()) << step.sql.front();
			EXPECT_NE(step.notes[0].find("view public.v1: "), std::string::npos) << step.sql.front();
		}
	}
}

TEST(SchemaDiff, ForeignKeysOnAChangedKeyAreDroppedFirstAndCreatedAfter) {
	Schema a = keyed_parent_and_child(), b = a;
	find(b, "constraint public.parent.parent_code_key").definition = "UNIQUE NULLS NOT DISTINCT (code)";
	for (const auto &[from, to] : {std::pair(a, b), std::pair(b, a)}) { // the upgrade and the downgrade
		auto steps = diff(from, to);
		auto sql = statements(steps);
		ASSERT_EQ(sql.size(), 4u);
		EXPECT_EQ(sql[0], "ALTER TABLE public.child DROP CONSTRAINT child_parent_code_fk;");
		EXPECT_EQ(sql[1], "ALTER TABLE public.parent DROP CONSTRAINT parent_code_key;");
		EXPECT_EQ(sql[2].rfind("ALTER TABLE public.parent ADD CONSTRAINT parent_code_key UNIQUE ", 0), 0u);
		EXPECT_EQ(sql[3], "ALTER TABLE public.child ADD CONSTRAINT child_parent_code_fk FOREIGN KEY (parent_code) "
		                  "REFERENCES public.parent(code);");
		// The foreign key's own definition is unchanged: its notes say why it is dropped.
		EXPECT_NE(steps[0].notes.at(0).find("depends on constraint public.parent.parent_code_key"), std::string::npos);
		EXPECT_EQ(steps[0].phase, Phase::drop_dependents);
		EXPECT_EQ(steps[3].phase, Phase::create_and_alter);
		// Each object dropped and created again is one change in the list a reviewer reads.
		EXPECT_EQ(changes(steps), (std::vector<std::string>{"change constraint public.parent.parent_code_key",
		                                                    "change foreign key public.child.child_parent_code_fk"}));
	}
}

TEST(SchemaDiff, ForeignKeysOnAReplacedUniqueIndexAreDroppedBeforeIt) {
	// The key moves from a unique index to a unique constraint of another name.
	Schema a = keyed_parent_and_child(), b = a;
	Object index;
	index.kind = Kind::index;
	index.name = "public.parent_code_idx";
	index.detail = "public.parent";
	index.parent = "table public.parent";
	index.definition = "CREATE UNIQUE INDEX parent_code_idx ON public.parent USING btree (code)";
	std::erase_if(a.objects, [](const Object &o) { return o.kind == Kind::constraint; });
	a.objects.push_back(index);
	find(a, "foreign key public.child.child_parent_code_fk").depends_on[0] = "index public.parent_code_idx";
	auto sql = statements(diff(a, b));
	ASSERT_EQ(sql.size(), 4u);
	EXPECT_EQ(sql[0], "ALTER TABLE public.child DROP CONSTRAINT child_parent_code_fk;");
	EXPECT_EQ(sql[1], "DROP INDEX public.parent_code_idx;");
	EXPECT_EQ(sql[2], "ALTER TABLE public.parent ADD CONSTRAINT parent_code_key UNIQUE (code);");
	EXPECT_EQ(sql[3].rfind("ALTER TABLE public.child ADD CONSTRAINT child_parent_code_fk ", 0), 0u);
	sql = statements(diff(b, a));
	ASSERT_EQ(sql.size(), 4u);
	EXPECT_EQ(sql[0], "ALTER TABLE public.child DROP CONSTRAINT child_parent_code_fk;");
	EXPECT_EQ(sql[1], "ALTER TABLE public.parent DROP CONSTRAINT parent_code_key;");
	EXPECT_EQ(sql[2].rfind("CREATE UNIQUE INDEX parent_code_idx ", 0), 0u);
	EXPECT_EQ(sql[3].rfind("ALTER TABLE public.child ADD CONSTRAINT child_parent_code_fk ", 0), 0u);
}

TEST(SchemaDiff, ForeignKeysOnARetypedColumnAreDroppedFirstAndCreatedAfter) {
	// Either side's column: PostgreSQL checks the key again after each ALTER COLUMN ... TYPE.
	for (const auto &[column, alter_sql] :
	     {std::pair("column public.parent.code", "ALTER TABLE public.parent ALTER COLUMN code TYPE text"),
	      std::pair("column public.child.parent_code",
	                "ALTER TABLE public.child ALTER COLUMN parent_code TYPE text")}) {
		Schema a = keyed_parent_and_child(), b = a;
		find(b, column).column.type = "text";
		auto sql = statements(diff(a, b));
		std::size_t drop = at(sql, "ALTER TABLE public.child DROP CONSTRAINT child_parent_code_fk"),
		            alter = at(sql, alter_sql),
		            add = at(sql, "ALTER TABLE public.child ADD CONSTRAINT child_parent_code_fk");
		EXPECT_LT(drop, alter) << column;
		EXPECT_LT(alter, add) << column;
		EXPECT_EQ(sql.size(), 3u) << column; // the unique key is rebuilt by PostgreSQL itself
	}
	// A column the foreign key does not use leaves it alone.
	Schema a = keyed_parent_and_child(), b = a;
	find(b, "column public.parent.id").column.type = "bigint";
	auto sql = statements(diff(a, b));
	ASSERT_EQ(sql.size(), 1u);
	EXPECT_EQ(sql[0], "ALTER TABLE public.parent ALTER COLUMN id TYPE bigint USING id::bigint;");
}

TEST(SchemaDiff, ForeignKeysOnColumnsOfARebuiltEnumAreDroppedAroundTheRebuild) {
	Object e1;
	e1.kind = Kind::enum_type;
	e1.name = "public.tier";
	e1.labels = {"free", "pro"};
	Schema a = keyed_parent_and_child();
	a.objects.insert(a.objects.begin(), e1);
	find(a, "column public.parent.code").column.type = "public.tier";
	find(a, "column public.child.parent_code").column.type = "public.tier";
	Schema b = a;
	find(b, "type public.tier").labels = {"pro", "free"};
	auto sql = statements(diff(a, b));
	std::size_t drop = at(sql, "ALTER TABLE public.child DROP CONSTRAINT child_parent_code_fk"),
	            rebuild = at(sql, "ALTER TYPE public.tier RENAME TO tier__old"),
	            add = at(sql, "ALTER TABLE public.child ADD CONSTRAINT child_parent_code_fk");
	EXPECT_LT(drop, rebuild);
	EXPECT_LT(rebuild, add);
}

TEST(SchemaDiff, BaseObjectsAreDroppedLastAndCreatedFirst) {
	Object fn;
	fn.kind = Kind::function;
	fn.name = "public.touch()";
	fn.detail = "FUNCTION";
	fn.result = "trigger";
	fn.definition =
	    "CREATE OR REPLACE FUNCTION public.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $$ BEGIN RETURN "
	    "NEW; END $$\n";
	Schema a, b;
	a.objects = {make_table("public.t"), make_column("public.t", "id", col("integer"))};
	b.objects = a.objects;
	b.objects.push_back(fn);
	b.objects.push_back(make_sub(Kind::trigger, "public.t", "t_touch",
	                             "CREATE TRIGGER t_touch BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION "
	                             "public.touch()"));
	auto up = diff(a, b);
	auto sql = statements(up);
	EXPECT_LT(at(sql, "CREATE OR REPLACE FUNCTION public.touch()"), at(sql, "CREATE TRIGGER t_touch"));
	EXPECT_EQ(sql.back(),
	          "CREATE TRIGGER t_touch BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION public.touch();");
	auto down = diff(b, a);
	sql = statements(down);
	ASSERT_EQ(sql.size(), 2u);
	EXPECT_EQ(sql[0], "DROP TRIGGER t_touch ON public.t;");
	EXPECT_EQ(sql[1], "DROP FUNCTION public.touch();");
	EXPECT_EQ(down[0].phase, Phase::drop_dependents);
	EXPECT_EQ(down[1].phase, Phase::drop_bases);

	// A new body replaces in place; a new result type must drop first.
	Object fn2 = fn;
	fn2.definition += " ";
	Schema c = b;
	c.objects[2] = fn2;
	auto replace = diff(b, c);
	ASSERT_EQ(replace.size(), 1u);
	EXPECT_EQ(replace[0].sql.size(), 1u);
	fn2.result = "integer";
	c.objects[2] = fn2;
	replace = diff(b, c);
	ASSERT_EQ(replace.size(), 1u);
	EXPECT_EQ(replace[0].sql.at(0), "DROP FUNCTION public.touch();");
}

TEST(SchemaDiff, SerialSequenceOwnershipIsReleasedBeforeTheTableGoes) {
	Object seq;
	seq.kind = Kind::sequence;
	seq.name = "public.t_id_seq";
	seq.definition = "AS integer INCREMENT BY 1";
	Object own;
	own.kind = Kind::sequence_owner;
	own.name = "public.t_id_seq";
	own.definition = "public.t.id";
	Schema b;
	b.objects = {seq, make_table("public.t"),
	             make_column("public.t", "id", col("integer", true, "nextval('public.t_id_seq'::regclass)")), own};
	auto sql = statements(diff(b, Schema{}));
	ASSERT_EQ(sql.size(), 3u);
	EXPECT_EQ(sql[0], "ALTER SEQUENCE public.t_id_seq OWNED BY NONE;");
	EXPECT_EQ(sql[1], "DROP TABLE public.t;");
	EXPECT_EQ(sql[2], "DROP SEQUENCE public.t_id_seq;");
	sql = statements(diff(Schema{}, b));
	ASSERT_EQ(sql.size(), 3u);
	EXPECT_EQ(sql[0], "CREATE SEQUENCE public.t_id_seq AS integer INCREMENT BY 1;");
	EXPECT_EQ(sql[2], "ALTER SEQUENCE public.t_id_seq OWNED BY public.t.id;");
}

TEST(SchemaDiff, RenderGroupsByPhaseWithNotesAsComments) {
	Schema a, b;
	a.objects = {make_table("public.t"), make_column("public.t", "old", col("text"))};
	b.objects = {make_table("public.t"), make_column("public.t", "fresh", col("integer"))};
	std::string text = render(diff(a, b));
	EXPECT_EQ(text, "-- Drop what goes away or must be created again (dependent objects first)\n"
	                "\n"
	                "-- WARNING: data loss: drops column old of public.t and its values\n"
	                "ALTER TABLE public.t DROP COLUMN old;\n"
	                "\n"
	                "-- Create and alter, in dependency order\n"
	                "\n"
	                "ALTER TABLE public.t ADD COLUMN fresh integer;\n");
}

namespace {

// Answers every catalog query with no rows and records the calls.
class EmptyCatalog : public Database {
public:
	std::vector<std::string> calls;
	std::vector<Row> query(std::string_view sql, const std::vector<Value> &params) override {
		calls.push_back(std::string(sql) + (params.empty() ? "" : " <- " + params.at(0).value_or("NULL")));
		if (sql.find("current_setting('search_path')") != std::string_view::npos)
			return {{Value("\"$user\", public"), Value("")}};
		return {};
	}
	std::vector<StatementSpan> split(std::string_view, const StatementContext &) override { return {}; }
	std::optional<Value> run_statement(std::string_view, const StatementContext &) override { return std::nullopt; }
	void begin_revision(const Revision &) override {}
	void end_revision() override {}
	void notice(std::string_view, std::size_t, std::size_t) override {}
	bool can_run_non_transactional() const override { return true; }
};

} // namespace

TEST(Introspect, QueriesUnderAnEmptySearchPathAndRestoresIt) {
	EmptyCatalog db;
	Schema s = introspect(db);
	EXPECT_TRUE(s.objects.empty());
	ASSERT_GT(db.calls.size(), 5u);
	EXPECT_NE(db.calls.front().find("set_config('search_path', '', false)"), std::string::npos);
	EXPECT_EQ(db.calls.back(), "SELECT pg_catalog.set_config('search_path', $1, false) <- \"$user\", public");
	for (const auto &q : db.calls) // catalog names are qualified: no user object can shadow them
		EXPECT_EQ(q.find(" pg_class "), std::string::npos) << q;
}
