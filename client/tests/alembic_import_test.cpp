// pgmigrate import alembic, its pure parts: Alembic's offline output cut to one revision's step,
// its bookkeeping stripped with libpg_query, unrenderable SQL found, and the graph mapped to files.
#include "alembic_import.hpp"
#include "errors.hpp"
#include "migrate/migration_file.hpp"
#include "revision_file.hpp"

#include <gtest/gtest.h>

using namespace pgmigrate;
using namespace pgmigrate::alembic_import;

namespace {

// What `alembic upgrade a002:c001 --sql` prints when c001 depends on b001 (a branch beside it).
constexpr const char *depends_on_output = R"(BEGIN;

-- Running upgrade a002 -> b001

CREATE TABLE audit_log (
    id BIGSERIAL NOT NULL, 
    PRIMARY KEY (id)
);

UPDATE alembic_version SET version_num='b001' WHERE alembic_version.version_num = 'a002';

-- Running upgrade a002 -> c001

ALTER TABLE accounts ADD COLUMN status TEXT DEFAULT 'active' NOT NULL;

UPDATE alembic_version SET version_num='c001' WHERE alembic_version.version_num = 'b001';

COMMIT;

)";

// `alembic upgrade base:a001 --sql` (a root) and `alembic downgrade a001:base --sql`.
constexpr const char *root_upgrade = R"(BEGIN;

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> a001

CREATE TABLE accounts (id SERIAL NOT NULL, name TEXT NOT NULL, PRIMARY KEY (id));

INSERT INTO alembic_version (version_num) VALUES ('a001') RETURNING alembic_version.version_num;

COMMIT;
)";

constexpr const char *root_downgrade = "BEGIN;\n\n-- Running downgrade a001 -> \n\nDROP TABLE accounts;\n\n"
                                       "DELETE FROM alembic_version WHERE alembic_version.version_num = 'a001';\n\n"
                                       "DROP TABLE alembic_version;\n\nCOMMIT;\n";

Rendered
render(const char *output, bool upgrade, const char *revision) {
	auto segment = step_segment(output, upgrade, revision);
	EXPECT_TRUE(segment.has_value()) << revision;
	return strip_bookkeeping(segment.value_or(""));
}

} // namespace

TEST(AlembicImport, StepOfARevisionWithADependency) {
	// The range renders b001's step too; c001's file holds only its own.
	Rendered r = render(depends_on_output, true, "c001");
	EXPECT_EQ(r.problem, "");
	EXPECT_EQ(r.sql, "ALTER TABLE accounts ADD COLUMN status TEXT DEFAULT 'active' NOT NULL;\n");
	Rendered b = render(depends_on_output, true, "b001");
	EXPECT_EQ(b.sql, "CREATE TABLE audit_log (\n    id BIGSERIAL NOT NULL, \n    PRIMARY KEY (id)\n);\n");
	EXPECT_FALSE(step_segment(depends_on_output, true, "a002").has_value());
	EXPECT_FALSE(step_segment(depends_on_output, false, "c001").has_value()) << "no downgrade step";
}

TEST(AlembicImport, RootStepsWithoutTheVersionTable) {
	Rendered up = render(root_upgrade, true, "a001");
	EXPECT_EQ(up.problem, "");
	EXPECT_EQ(up.sql, "CREATE TABLE accounts (id SERIAL NOT NULL, name TEXT NOT NULL, PRIMARY KEY (id));\n");
	Rendered down = render(root_downgrade, false, "a001");
	EXPECT_EQ(down.problem, "");
	EXPECT_EQ(down.sql, "DROP TABLE accounts;\n");
}

TEST(AlembicImport, MergeSteps) {
	// `upgrade b001:m001 --sql` from one parent also runs the other branch first.
	const char *up = "BEGIN;\n\n-- Running upgrade a002 -> c001\n\nALTER TABLE t ADD COLUMN s text;\n\n"
	                 "-- Running upgrade b001, c001 -> m001\n\n"
	                 "UPDATE alembic_version SET version_num='m001' WHERE alembic_version.version_num = 'c001';\n\n"
	                 "COMMIT;\n";
	Rendered m = render(up, true, "m001");
	EXPECT_EQ(m.problem, "");
	EXPECT_EQ(m.sql, "") << "a merge with nothing to run";
	const char *down = "BEGIN;\n\n-- Running downgrade m001 -> b001, c001\n\n"
	                   "INSERT INTO alembic_version (version_num) VALUES ('b001') RETURNING "
	                   "alembic_version.version_num;\n\nCOMMIT;\n";
	EXPECT_EQ(render(down, false, "m001").sql, "");
	auto all = step_segments(up, true, true);
	ASSERT_EQ(all.size(), 2u);
	EXPECT_TRUE(all.contains("c001"));
	EXPECT_TRUE(all.contains("m001"));
}

TEST(AlembicImport, AnUnfinishedRunKeepsOnlyWholeSteps) {
	// Alembic failed inside x001: the steps before it are whole, x001's is cut short.
	const char *out = "BEGIN;\n\n-- Running upgrade a001 -> a002\n\nALTER TABLE t ADD COLUMN e text;\n\n"
	                  "-- Running upgrade a002 -> x001\n\nALTER TABLE t ADD COLUMN slug text;\n\n"
	                  "SELECT id, name FROM t;\n\n";
	auto steps = step_segments(out, true, false);
	EXPECT_EQ(steps.size(), 1u);
	EXPECT_TRUE(steps.contains("a002"));
	EXPECT_EQ(step_segments(out, true, true).size(), 2u);
}

TEST(AlembicImport, OnlyAlembicsBookkeepingIsDropped) {
	Rendered r = strip_bookkeeping("BEGIN;\nCREATE TABLE app.alembic_version (version_num varchar(32));\n"
	                               "INSERT INTO accounts (name) VALUES ('BEGIN; COMMIT;');\n"
	                               "UPDATE alembic_version SET version_num='b' WHERE version_num = 'a';\n"
	                               "UPDATE other SET version_num = 'x';\n"
	                               "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\n"
	                               "DROP TABLE alembic_version, accounts;\n"
	                               "DELETE FROM alembic_version;\nCOMMIT;\n");
	EXPECT_EQ(r.problem, "");
	EXPECT_EQ(r.sql, "INSERT INTO accounts (name) VALUES ('BEGIN; COMMIT;');\n\n"
	                 "UPDATE other SET version_num = 'x';\n\n"
	                 "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\n\n"
	                 "DROP TABLE alembic_version, accounts;\n")
	    << "a DROP of more than the version table is the user's";
	// A configured version table
	EXPECT_EQ(strip_bookkeeping("INSERT INTO my_versions VALUES ('a');\nSELECT 1;\n", "my_versions").sql,
	          "SELECT 1;\n");
}

TEST(AlembicImport, BindParametersAreProblemsNotGuesses) {
	Rendered colon = strip_bookkeeping("UPDATE accounts SET slug = :slug WHERE id = :id;\n");
	EXPECT_NE(colon.problem.find("bind parameter"), std::string::npos) << colon.problem;
	EXPECT_EQ(colon.sql, "");
	Rendered pyformat = strip_bookkeeping("SELECT 1;\nUPDATE accounts SET slug = %(slug)s;\n");
	EXPECT_NE(pyformat.problem.find("bind parameter"), std::string::npos) << pyformat.problem;
	EXPECT_NE(pyformat.problem.find("line 2"), std::string::npos) << pyformat.problem;
	Rendered dollar = strip_bookkeeping("UPDATE accounts SET slug = $1;\n");
	EXPECT_NE(dollar.problem.find("bind parameter ($n)"), std::string::npos) << dollar.problem;
	// Casts, slices and strings with colons are SQL.
	Rendered fine = strip_bookkeeping("SELECT '10:30'::time, (ARRAY[1,2,3])[1:2], $$ :x $$;\n");
	EXPECT_EQ(fine.problem, "");
}

TEST(AlembicImport, GraphMapsToFiles) {
	auto revisions = parse_graph(R"({"pgmigrate_alembic_graph": 1, "revisions": [
		{"revision": "a001", "down_revisions": [], "branch_labels": [], "depends_on": [],
		 "message": "create\n  accounts", "path": "/p/versions/a001.py"},
		{"revision": "b001", "down_revisions": ["a001"], "branch_labels": ["audit"], "depends_on": [],
		 "message": "audit", "path": "/p/versions/b001.py"},
		{"revision": "c001", "down_revisions": ["a001"], "branch_labels": [], "depends_on": ["b001"],
		 "message": "status", "path": "/p/versions/c001.py"},
		{"revision": "m001", "down_revisions": ["b001", "c001"], "branch_labels": [], "depends_on": [],
		 "message": "merge", "path": "/p/versions/m001.py"}]})");
	ASSERT_EQ(revisions.size(), 4u);
	EXPECT_EQ(revisions[0].message, "create accounts") << "one header line";
	EXPECT_EQ(range_start(revisions[0]), "base");
	EXPECT_EQ(range_start(revisions[3]), "b001") << "a merge's range starts at its first parent";

	NewRevision merge = to_new_revision(revisions[3], {}, {}, "versions/m001.py");
	migrate::Revision m = migrate::parse_migration(render_revision(merge), "m.sql");
	EXPECT_EQ(m.down_revisions, (std::vector<std::string>{"b001", "c001"}));
	NewRevision c = to_new_revision(revisions[2], {"ALTER TABLE t ADD COLUMN s text;\n", ""},
	                                {"ALTER TABLE t DROP COLUMN s;\n", ""}, "versions/c001.py");
	migrate::Revision parsed = migrate::parse_migration(render_revision(c), "c.sql");
	EXPECT_EQ(parsed.id, "c001");
	EXPECT_EQ(parsed.depends_on, (std::vector<std::string>{"b001"}));
	EXPECT_EQ(parsed.upgrade.sql, "ALTER TABLE t ADD COLUMN s text;\n\n");
	EXPECT_EQ(parsed.downgrade.sql, "ALTER TABLE t DROP COLUMN s;\n");
	NewRevision b = to_new_revision(revisions[1], {"SELECT 1;\n", ""}, {"SELECT 1;\n", ""}, "versions/b001.py");
	EXPECT_EQ(migrate::parse_migration(render_revision(b), "b.sql").branch_labels, (std::vector<std::string>{"audit"}));
}

TEST(AlembicImport, UnrenderableSectionsRefuseToRun) {
	ScriptRevision x{"x001", {"a002"}, {}, {}, "backfill", "/p/versions/x001.py"};
	// The upgrade: comments only, the unfilled section the parser reports as a draft.
	NewRevision up_failed =
	    to_new_revision(x, {"", "TypeError: 'NoneType'\nobject is not iterable\n-- migrate:downgrade"},
	                    {"ALTER TABLE t DROP COLUMN slug;\n", ""}, "versions/x001.py");
	EXPECT_THROW(migrate::parse_migration(render_revision(up_failed), "x.sql"), migrate::Error);
	migrate::Revision draft = migrate::parse_migration(render_revision(up_failed), "x.sql", {.allow_draft = true});
	EXPECT_NE(draft.draft.find(migrate::empty_upgrade_message), std::string::npos);
	EXPECT_EQ(draft.downgrade.sql, "ALTER TABLE t DROP COLUMN slug;\n") << "the failure text cannot add a marker";
	// The downgrade: no section, so the revision is irreversible.
	NewRevision down_failed = to_new_revision(x, {"ALTER TABLE t ADD COLUMN slug text;\n", ""},
	                                          {"", "NotImplementedError"}, "versions/x001.py");
	migrate::Revision irreversible = migrate::parse_migration(render_revision(down_failed), "x.sql");
	EXPECT_FALSE(irreversible.downgrade.present);
	// A merge may be empty, so comments would be a no-op: its upgrade fails instead.
	ScriptRevision m{"m001", {"a001", "b001"}, {}, {}, "merge", "/p/versions/m001.py"};
	migrate::Revision merge =
	    migrate::parse_migration(render_revision(to_new_revision(m, {"", "TypeError"}, {"", ""}, "m.py")), "m.sql");
	EXPECT_NE(merge.upgrade.sql.find("RAISE EXCEPTION 'revision m001 is not filled in"), std::string::npos)
	    << merge.upgrade.sql;
	// A revision whose upgrade renders no SQL stays applicable (an explicit no-op).
	NewRevision empty = to_new_revision(x, {"", ""}, {"", ""}, "versions/x001.py");
	EXPECT_EQ(migrate::parse_migration(render_revision(empty), "x.sql").draft, "");
}

TEST(AlembicImport, GraphRefusesWhatMigrateCannotHold) {
	EXPECT_THROW(parse_graph("not json"), Failure);
	EXPECT_THROW(parse_graph(R"({"revisions": []})"), Failure) << "not the snippet's output";
	try {
		parse_graph(R"({"pgmigrate_alembic_graph": 1, "revisions": [
			{"revision": "ab-12", "down_revisions": [], "path": "/p/versions/ab.py"}]})");
		FAIL() << "an id with '-'";
	} catch (const Failure &f) {
		EXPECT_NE(std::string(f.what()).find("'ab-12'"), std::string::npos) << f.what();
		EXPECT_NE(std::string(f.what()).find("/p/versions/ab.py"), std::string::npos) << f.what();
	}
	EXPECT_THROW(parse_graph(R"({"pgmigrate_alembic_graph": 1, "revisions": [
		{"revision": "a1", "down_revisions": [], "branch_labels": ["head"]}]})"),
	             Failure);
}

TEST(AlembicImport, OutputLinesAreTheNonEmptyOnes) {
	EXPECT_EQ(output_lines("Traceback\n\n  File x\nValueError: bad"),
	          (std::vector<std::string_view>{"Traceback", "  File x", "ValueError: bad"}));
	EXPECT_EQ(output_lines("one\r\n"), (std::vector<std::string_view>{"one\r"}));
	EXPECT_TRUE(output_lines("\n\n").empty());
}
