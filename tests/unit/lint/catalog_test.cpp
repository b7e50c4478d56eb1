// Findings graded with what the database says: table sizes (a fake catalog of 0 and 1,000,000
// rows), tables created earlier in the plan, and the type changes PostgreSQL makes without a
// rewrite.
#include "lint_fixture.hpp"

#include <gtest/gtest.h>

namespace {

using namespace lint_test;
using migrate::lint::TableSize;
using migrate::lint::TypeName;

FakeCatalog
sized_catalog() {
	FakeCatalog catalog;
	catalog.sizes["empty"] = TableSize{0, 0};
	catalog.sizes["big"] = TableSize{1'000'000, 8'334};
	catalog.sizes["unanalyzed"] = TableSize{-1, 5'000};
	return catalog;
}

TEST(LintCatalog, LockingFindingOnAnEmptyTableIsInfo) {
	FakeCatalog catalog = sized_catalog();
	const auto findings = lint_sql("CREATE INDEX i ON empty (a);", &catalog);
	const auto f = find(findings, "require-concurrent-index-creation");
	ASSERT_TRUE(f);
	EXPECT_EQ(f->level, Level::info);
	EXPECT_EQ(f->catalog, "empty: about 0 rows (0 pages), under the size threshold");
}

TEST(LintCatalog, LockingFindingOnABigTableIsAWarningWithItsSize) {
	FakeCatalog catalog = sized_catalog();
	const auto findings = lint_sql("CREATE INDEX i ON big (a);", &catalog);
	const auto f = find(findings, "require-concurrent-index-creation");
	ASSERT_TRUE(f);
	EXPECT_EQ(f->level, Level::warning);
	EXPECT_EQ(f->catalog, "big: about 1,000,000 rows (8,334 pages)");
}

TEST(LintCatalog, NeverAnalyzedTableIsJudgedByItsPages) {
	FakeCatalog catalog = sized_catalog();
	const auto f =
	    find(lint_sql("ALTER TABLE unanalyzed ALTER COLUMN a SET NOT NULL;", &catalog), "adding-not-nullable-field");
	ASSERT_TRUE(f);
	EXPECT_EQ(f->level, Level::warning);
	EXPECT_EQ(f->catalog, "unanalyzed: never analyzed, 5,000 pages");
}

TEST(LintCatalog, ThresholdIsRowsAndPages) {
	FakeCatalog catalog;
	catalog.sizes["t"] = TableSize{9'999, 999};
	EXPECT_FALSE(warns(lint_sql("ALTER TABLE t ADD PRIMARY KEY (id);", &catalog), "adding-serial-primary-key-field"));
	catalog.sizes["t"] = TableSize{10'000, 10};
	EXPECT_TRUE(warns(lint_sql("ALTER TABLE t ADD PRIMARY KEY (id);", &catalog), "adding-serial-primary-key-field"));
	catalog.sizes["t"] = TableSize{10, 1'000};
	EXPECT_TRUE(warns(lint_sql("ALTER TABLE t ADD PRIMARY KEY (id);", &catalog), "adding-serial-primary-key-field"));
}

TEST(LintCatalog, AdviceAboutTypesIsNotGraded) {
	FakeCatalog catalog = sized_catalog();
	EXPECT_TRUE(warns(lint_sql("ALTER TABLE empty ADD COLUMN n int;", &catalog), "prefer-bigint-over-int"));
	EXPECT_TRUE(warns(lint_sql("ALTER TABLE empty DROP COLUMN n;", &catalog), "ban-drop-column"));
}

TEST(LintCatalog, RequiredFieldIsInfoOnlyOnAnEmptyTable) {
	FakeCatalog catalog = sized_catalog();
	catalog.sizes["few"] = TableSize{3, 1};
	const auto empty =
	    find(lint_sql("ALTER TABLE empty ADD COLUMN a text NOT NULL;", &catalog), "adding-required-field");
	ASSERT_TRUE(empty);
	EXPECT_EQ(empty->level, Level::info);
	// Small but not empty: adding it fails, so it stays a warning.
	EXPECT_TRUE(warns(lint_sql("ALTER TABLE few ADD COLUMN a text NOT NULL;", &catalog), "adding-required-field"));
}

TEST(LintCatalog, UnknownTableStaysAWarning) {
	FakeCatalog catalog;
	const auto f = find(lint_sql("CREATE INDEX i ON missing (a);", &catalog), "require-concurrent-index-creation");
	ASSERT_TRUE(f);
	EXPECT_EQ(f->level, Level::warning);
	EXPECT_EQ(f->catalog, "missing: not in the database");
}

TEST(LintCatalog, ForeignKeyNamesBothTablesRowCounts) {
	FakeCatalog catalog = sized_catalog();
	const auto findings =
	    lint_sql("ALTER TABLE big ADD CONSTRAINT big_e FOREIGN KEY (e_id) REFERENCES empty (id);", &catalog);
	const auto f = find(findings, "adding-foreign-key-constraint");
	ASSERT_TRUE(f);
	EXPECT_EQ(f->level, Level::warning);
	EXPECT_EQ(f->catalog, "big: about 1,000,000 rows (8,334 pages); empty: about 0 rows (0 pages), under the size "
	                      "threshold");
	// The scan is of the referencing table: an empty one makes it harmless.
	const auto g =
	    find(lint_sql("ALTER TABLE empty ADD CONSTRAINT e_b FOREIGN KEY (b_id) REFERENCES big (id);", &catalog),
	         "adding-foreign-key-constraint");
	ASSERT_TRUE(g);
	EXPECT_EQ(g->level, Level::info);
	EXPECT_NE(g->catalog.find("big: about 1,000,000 rows"), std::string::npos);
}

TEST(LintCatalog, TableCreatedEarlierInThePlanIsInfo) {
	FakeCatalog catalog = sized_catalog();
	migrate::lint::Linter linter(&catalog);
	lint_revision(linter, migrate::parse_migration(file_text("CREATE TABLE fresh (id bigint);"), "001_a.sql"));
	const auto later = lint_revision(
	    linter, migrate::parse_migration(
	                file_text("CREATE INDEX fresh_id ON fresh (id);\nALTER TABLE public.fresh ADD PRIMARY KEY (id);",
	                          "", "002"),
	                "002_b.sql"));
	for (const char *rule : {"require-concurrent-index-creation", "adding-serial-primary-key-field"}) {
		const auto f = find(later, rule);
		ASSERT_TRUE(f) << rule;
		EXPECT_EQ(f->level, Level::info) << rule;
		EXPECT_NE(f->catalog.find("created earlier in this plan"), std::string::npos);
	}
	// A table of the same name in another plan is judged by its size again.
	migrate::lint::Linter other(&catalog);
	catalog.sizes["fresh"] = TableSize{1'000'000, 9'000};
	EXPECT_TRUE(
	    warns(lint_revision(other, migrate::parse_migration(file_text("CREATE INDEX x ON fresh (id);"), "x.sql")),
	          "require-concurrent-index-creation"));
}

TEST(LintCatalog, TypeChangesWithoutRewriteAreNotFlagged) {
	FakeCatalog catalog = sized_catalog();
	catalog.columns["big.name"] = TypeName{"pg_catalog", "varchar", {10}, false};
	catalog.columns["big.free"] = TypeName{"pg_catalog", "varchar", {}, false};
	catalog.columns["big.amount"] = TypeName{"pg_catalog", "numeric", {10, 2}, false};
	catalog.columns["big.n"] = TypeName{"pg_catalog", "int4", {}, false};
	const struct {
		const char *sql;
		bool flagged;
	} cases[] = {
	    {"ALTER TABLE big ALTER COLUMN name TYPE varchar(20);", false},
	    {"ALTER TABLE big ALTER COLUMN name TYPE varchar(10);", false},
	    {"ALTER TABLE big ALTER COLUMN name TYPE varchar;", false},
	    {"ALTER TABLE big ALTER COLUMN name TYPE text;", false},
	    {"ALTER TABLE big ALTER COLUMN free TYPE text;", false},
	    {"ALTER TABLE big ALTER COLUMN amount TYPE numeric(12, 2);", false},
	    {"ALTER TABLE big ALTER COLUMN amount TYPE numeric;", false},
	    {"ALTER TABLE big ALTER COLUMN name TYPE varchar(5);", true},
	    {"ALTER TABLE big ALTER COLUMN amount TYPE numeric(12, 3);", true},
	    {"ALTER TABLE big ALTER COLUMN n TYPE bigint;", true},
	    {"ALTER TABLE big ALTER COLUMN name TYPE text USING upper(name);", true},
	    {"ALTER TABLE big ALTER COLUMN unknown TYPE text;", true},
	};
	for (const auto &c : cases)
		EXPECT_EQ(warns(lint_sql(c.sql, &catalog), "changing-column-type"), c.flagged) << c.sql;
	const auto f = find(lint_sql("ALTER TABLE big ALTER COLUMN n TYPE bigint;", &catalog), "changing-column-type");
	ASSERT_TRUE(f);
	EXPECT_EQ(f->catalog, "big: about 1,000,000 rows (8,334 pages); big.n is int4 now");
}

TEST(LintCatalog, TypeChangeOfAColumnTheSamePlanCreated) {
	// Offline, but the plan itself says what the type was.
	const auto findings =
	    lint_sql("CREATE TABLE t (name varchar(10));\nALTER TABLE t ALTER COLUMN name TYPE varchar(40);");
	EXPECT_FALSE(find(findings, "changing-column-type"));
	EXPECT_TRUE(warns(findings, "prefer-text-field")); // the CREATE TABLE's varchar(10)
}

TEST(LintCatalog, OfflineSaysSo) {
	const auto f = find(lint_sql("ALTER TABLE big ALTER COLUMN n TYPE bigint;"), "changing-column-type");
	ASSERT_TRUE(f);
	EXPECT_EQ(f->level, Level::warning);
	EXPECT_EQ(f->catalog, "offline: no catalog, text-only verdict");
}

} // namespace
