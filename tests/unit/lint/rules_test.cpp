// Each rule on a bad and a good case, offline (the text-only verdict); squawk's documentation
// examples among them (rewritten here, same verdicts).
#include "lint_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace {

using namespace lint_test;

struct Case {
	const char *rule;
	const char *sql;
	bool flagged;
	bool transactional = true;
};

class Rule : public ::testing::TestWithParam<Case> {};

TEST_P(Rule, Verdict) {
	const Case &c = GetParam();
	const auto findings = lint_sql(c.sql, nullptr, c.transactional);
	EXPECT_EQ(warns(findings, c.rule), c.flagged) << c.rule << " on: " << c.sql;
}

const Case cases[] = {
    {"require-concurrent-index-creation", R"(CREATE INDEX "field_name_idx" ON "table_name" ("field_name");)", true},
    {"require-concurrent-index-creation",
     R"(CREATE INDEX CONCURRENTLY IF NOT EXISTS "field_name_idx" ON "table_name" ("field_name");)", false, false},
    {"require-concurrent-index-creation", "CREATE TABLE t (a bigint); CREATE INDEX t_a ON t (a);", false},
    {"require-concurrent-index-deletion", R"(DROP INDEX IF EXISTS "field_name_idx";)", true},
    {"require-concurrent-index-deletion", R"(DROP INDEX CONCURRENTLY IF EXISTS "field_name_idx";)", false, false},
    {"constraint-missing-not-valid",
     R"(ALTER TABLE "accounts" ADD CONSTRAINT "positive_balance" CHECK ("balance" >= 0);)", true},
    {"constraint-missing-not-valid",
     R"(ALTER TABLE "accounts" ADD CONSTRAINT "positive_balance" CHECK ("balance" >= 0) NOT VALID;)", false},
    {"constraint-missing-not-valid",
     "ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0) NOT VALID;\n"
     "ALTER TABLE accounts VALIDATE CONSTRAINT positive_balance;",
     true},
    {"constraint-missing-not-valid", "ALTER TABLE accounts VALIDATE CONSTRAINT positive_balance;", false},
    {"adding-foreign-key-constraint",
     R"(ALTER TABLE "email" ADD CONSTRAINT "fk_user" FOREIGN KEY ("user_id") REFERENCES "user" ("id");)", true},
    {"adding-foreign-key-constraint", R"(ALTER TABLE "emails" ADD COLUMN "user_id" INT REFERENCES "user" ("id");)",
     true},
    {"adding-foreign-key-constraint",
     R"(ALTER TABLE "email" ADD CONSTRAINT "fk_user" FOREIGN KEY ("user_id") REFERENCES "user" ("id") NOT VALID;)",
     false},
    {"adding-foreign-key-constraint",
     "CREATE TABLE email (id bigint PRIMARY KEY, user_id bigint REFERENCES app_user (id));", false},
    {"adding-field-with-default", R"(ALTER TABLE "core_recipe" ADD COLUMN "foo" uuid DEFAULT gen_random_uuid();)",
     true},
    {"adding-field-with-default", "ALTER TABLE core_recipe ADD COLUMN foo double precision DEFAULT random();", true},
    {"adding-field-with-default", "ALTER TABLE core_recipe ADD COLUMN total bigint GENERATED ALWAYS AS (a + b) STORED;",
     true},
    {"adding-field-with-default", R"(ALTER TABLE "core_recipe" ADD COLUMN "foo" integer DEFAULT 10;)", false},
    {"adding-field-with-default", "ALTER TABLE core_recipe ADD COLUMN seen timestamptz DEFAULT now();", false},
    {"adding-field-with-default", "ALTER TABLE core_recipe ADD COLUMN tags text[] NOT NULL DEFAULT '{}';", false},
    {"adding-not-nullable-field", R"(ALTER TABLE "recipe" ALTER COLUMN "view_count" SET NOT NULL;)", true},
    {"adding-not-nullable-field",
     "ALTER TABLE recipe ADD CONSTRAINT view_count_not_null CHECK (view_count IS NOT NULL) NOT VALID;\n"
     "ALTER TABLE recipe VALIDATE CONSTRAINT view_count_not_null;\n"
     "ALTER TABLE recipe ALTER COLUMN view_count SET NOT NULL;",
     false},
    {"adding-required-field", R"(ALTER TABLE "recipe" ADD COLUMN "public" boolean NOT NULL;)", true},
    {"adding-required-field", R"(ALTER TABLE "recipe" ADD COLUMN "public" boolean NOT NULL DEFAULT true;)", false},
    {"adding-required-field", R"(ALTER TABLE "recipe" ADD COLUMN "public" boolean;)", false},
    {"adding-required-field", "ALTER TABLE recipe ADD COLUMN c bigint NOT NULL GENERATED ALWAYS AS (a * 2) STORED;",
     false},
    {"adding-serial-primary-key-field", "ALTER TABLE a ADD COLUMN b SERIAL PRIMARY KEY;", true},
    {"adding-serial-primary-key-field", "ALTER TABLE items ADD PRIMARY KEY (id);", true},
    {"adding-serial-primary-key-field", "ALTER TABLE items ADD CONSTRAINT items_pk PRIMARY KEY USING INDEX items_pk;",
     false},
    {"changing-column-type", R"(ALTER TABLE "core_recipe" ALTER COLUMN "edits" TYPE text USING "edits"::text;)", true},
    {"changing-column-type", "ALTER TABLE core_recipe ALTER COLUMN foo TYPE varchar(20);", true},
    {"disallowed-unique-constraint", "ALTER TABLE table_name ADD CONSTRAINT field_name_constraint UNIQUE (field_name);",
     true},
    {"disallowed-unique-constraint", "ALTER TABLE foo ADD COLUMN bar text UNIQUE;", true},
    {"disallowed-unique-constraint",
     "ALTER TABLE distributors ADD CONSTRAINT dist_id_zipcode_key UNIQUE USING INDEX dist_id_zipcode_idx;", false},
    {"disallowed-unique-constraint", "CREATE TABLE t (a text UNIQUE);", false},
    {"ban-drop-column", R"(ALTER TABLE "bar_tbl" DROP COLUMN "foo_col" CASCADE;)", true},
    {"ban-drop-column", R"(ALTER TABLE "bar_tbl" ADD COLUMN "foo_col" text;)", false},
    {"ban-drop-table", R"(DROP TABLE "table_name";)", true},
    {"ban-drop-table", R"(DROP TABLE IF EXISTS "table_name";)", true},
    {"ban-drop-table", "DROP INDEX CONCURRENTLY IF EXISTS x;", false, false},
    {"ban-drop-database", R"(DROP DATABASE "table_name";)", true},
    {"ban-drop-database", R"(DROP DATABASE IF EXISTS "table_name";)", true},
    {"ban-drop-database", "DROP SCHEMA IF EXISTS old_stuff;", false},
    {"changing-column-type", "ALTER TABLE core_recipe ALTER COLUMN foo SET DEFAULT 0;", false},
    {"changing-column-type", "CREATE TABLE t (name varchar(10));\nALTER TABLE t ALTER COLUMN name TYPE varchar(40);",
     false},
    {"ban-drop-not-null", R"(ALTER TABLE "bar_tbl" ALTER COLUMN "foo_col" DROP NOT NULL;)", true},
    {"ban-drop-not-null", R"(ALTER TABLE "bar_tbl" ALTER COLUMN "foo_col" DROP DEFAULT;)", false},
    {"ban-truncate-cascade", "truncate a, b, c cascade;", true},
    {"ban-truncate-cascade", "truncate a, b, c;", false},
    {"renaming-column", R"(ALTER TABLE "table_name" RENAME COLUMN "column_name" TO "new_column_name";)", true},
    {"renaming-column", R"(ALTER TABLE "table_name" RENAME CONSTRAINT "a" TO "b";)", false},
    {"renaming-table", R"(ALTER TABLE "table_name" RENAME TO "new_table_name";)", true},
    {"renaming-table", R"(ALTER TABLE "table_name" RENAME COLUMN "a" TO "b";)", false},
    {"ban-char-field",
     R"(CREATE TABLE "app_user" ("id" bigint NOT NULL PRIMARY KEY, "name" char(100) NOT NULL, "email" character NOT NULL);)",
     true},
    {"ban-char-field", R"(CREATE TABLE "app_user" ("id" bigint PRIMARY KEY, "name" varchar(100), "email" TEXT);)",
     false},
    {"ban-char-field", "CREATE TABLE t (flag \"char\");", false},
    {"prefer-bigint-over-int", "create table users (id int);", true},
    {"prefer-bigint-over-int", "create table users (id integer);", true},
    {"prefer-bigint-over-int", "alter table users add column n serial;", true},
    {"prefer-bigint-over-int", "create table users (id bigint);", false},
    {"prefer-bigint-over-smallint", "create table users (id smallint);", true},
    {"prefer-bigint-over-smallint", "create table users (id smallserial);", true},
    {"prefer-bigint-over-smallint", "create table users (id bigint);", false},
    {"prefer-identity", "create table users (id serial);", true},
    {"prefer-identity", "create table users (id bigserial);", true},
    {"prefer-identity", "create table users (id bigint generated by default as identity primary key);", false},
    {"prefer-text-field",
     R"(CREATE TABLE "core_bar" ("id" bigint NOT NULL PRIMARY KEY, "alpha" varchar(100) NOT NULL);)", true},
    {"prefer-text-field",
     R"(CREATE TABLE "core_bar" ("id" bigint PRIMARY KEY, "bravo" text NOT NULL CHECK (length(bravo) <= 100));)",
     false},
    {"prefer-text-field", "CREATE TABLE t (a varchar);", false},
    {"prefer-timestamp-tz", "create table app.users (created_ts timestamp);", true},
    {"prefer-timestamp-tz", "create table app.users (created_ts timestamp without time zone);", true},
    {"prefer-timestamp-tz", "alter table app.users alter column created_ts type timestamp;", true},
    {"prefer-timestamp-tz", "create table app.users (created_ts timestamptz);", false},
    {"prefer-timestamp-tz", "create table app.users (created_ts timestamp with time zone);", false},
    {"prefer-robust-stmts", R"(ALTER TABLE "accounts" ADD COLUMN "foo" integer;)", true, false},
    {"prefer-robust-stmts", R"(CREATE INDEX CONCURRENTLY "email_idx" ON "app_user" ("email");)", true, false},
    {"prefer-robust-stmts", "ALTER TABLE accounts ADD CONSTRAINT c CHECK (a > 0) NOT VALID;", true, false},
    {"prefer-robust-stmts", R"(ALTER TABLE "accounts" ADD COLUMN IF NOT EXISTS "foo" integer;)", false, false},
    {"prefer-robust-stmts", R"(CREATE INDEX CONCURRENTLY IF NOT EXISTS "email_idx" ON "app_user" ("email");)", false,
     false},
    {"prefer-robust-stmts",
     "ALTER TABLE accounts DROP CONSTRAINT IF EXISTS c;\nALTER TABLE accounts ADD CONSTRAINT c CHECK (a > 0) NOT "
     "VALID;",
     false, false},
    {"prefer-robust-stmts", R"(ALTER TABLE "accounts" ADD COLUMN "foo" integer;)", false, true},
    {"transaction-nesting", "BEGIN;\nALTER TABLE t ADD COLUMN a text;\nCOMMIT;", true},
    {"transaction-nesting", "ALTER TABLE t ADD COLUMN a text;", false},
    {"transaction-nesting", "BEGIN;\nSELECT 1;\nCOMMIT;", false, false},
    {"transaction-nesting", "BEGIN;\nBEGIN;\nSELECT 1;\nCOMMIT;", true, false},
    {"ban-concurrent-index-creation-in-transaction",
     R"(CREATE INDEX CONCURRENTLY "field_name_idx" ON "table_name" ("field_name");)", true},
    {"ban-concurrent-index-creation-in-transaction",
     R"(CREATE INDEX CONCURRENTLY IF NOT EXISTS "field_name_idx" ON "table_name" ("field_name");)", false, false},
    {"ban-create-domain-with-constraint", "CREATE DOMAIN domain_name_3 AS NUMERIC(15,5) CHECK (value > 0);", true},
    {"ban-create-domain-with-constraint", "CREATE DOMAIN domain_name_1 AS TEXT;", false},
    {"ban-alter-domain-with-add-constraint",
     "ALTER DOMAIN domain_name ADD CONSTRAINT constraint_name CHECK (value > 0);", true},
    {"ban-alter-domain-with-add-constraint", "ALTER DOMAIN domain_name_1 SET DEFAULT 1;", false},
    {"require-enum-value-ordering", "ALTER TYPE mood ADD VALUE 'meh';", true},
    {"require-enum-value-ordering", "ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok';", false},
    {"require-enum-value-ordering", "ALTER TYPE mood RENAME VALUE 'meh' TO 'fine';", false},
    {"identifier-too-long",
     "CREATE TABLE t (a_column_name_that_goes_on_and_on_and_on_well_past_sixty_three_bytes text);", true},
    {"identifier-too-long",
     "CREATE INDEX \"An index name that is quoted and that goes on well past sixty-three bytes\" ON t (a);", true},
    {"identifier-too-long", "CREATE TABLE t (a_short_name text);", false},
    {"identifier-too-long",
     "DO $$ BEGIN RAISE NOTICE 'a_string_that_goes_on_and_on_and_on_well_past_sixty_three_bytes_long'; END $$;", false},
};

// Named after the rule, its verdict and its place: "require_concurrent_index_creation_bad_0".
INSTANTIATE_TEST_SUITE_P(Squawk, Rule, ::testing::ValuesIn(cases), [](const ::testing::TestParamInfo<Case> &info) {
	std::string name = info.param.rule;
	std::replace(name.begin(), name.end(), '-', '_');
	return name + (info.param.flagged ? "_bad_" : "_good_") + std::to_string(info.index);
});

TEST(Lint, EveryRuleHasACase) {
	for (const auto &rule : migrate::lint::rules()) {
		bool bad = false, good = false;
		for (const Case &c : cases)
			if (c.rule == rule.name)
				(c.flagged ? bad : good) = true;
		EXPECT_TRUE(bad && good) << rule.name;
	}
}

TEST(Lint, FindingNamesTheStatementLine) {
	const auto findings = lint_sql("SELECT 1;\n\n-- why\nCREATE INDEX i ON t (a);");
	const auto f = find(findings, "require-concurrent-index-creation");
	ASSERT_TRUE(f);
	EXPECT_EQ(f->line, 7); // the marker is on line 3: the section starts on 4
	EXPECT_EQ(f->revision, "001");
	EXPECT_EQ(f->catalog, "offline: no catalog, text-only verdict");
	EXPECT_FALSE(f->help.empty());
	EXPECT_EQ(
	    migrate::lint::headline(*f, "001_x.sql").rfind("001_x.sql:7: warning[require-concurrent-index-creation]", 0),
	    0u);
}

TEST(Lint, CleanMigrationHasNoWarnings) {
	const auto findings =
	    lint_sql("CREATE TABLE agents (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, "
	             "created_at timestamptz NOT NULL DEFAULT now());\n"
	             "CREATE INDEX agents_name ON agents (name);\n"
	             "ALTER TABLE agents ADD COLUMN note text;");
	EXPECT_TRUE(std::none_of(findings.begin(), findings.end(), migrate::lint::counts));
	const auto index = find(findings, "require-concurrent-index-creation");
	ASSERT_TRUE(index);
	EXPECT_EQ(index->level, Level::info);
	EXPECT_EQ(index->catalog, "agents: created earlier in this plan");
}

} // namespace
