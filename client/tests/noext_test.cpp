// Client mode's pure parts: which statements are transaction control (refused in a migration, as
// the extension refuses them), and state.sql cut into its CREATE SCHEMA and the rest.
#include "libpq_database.hpp"
#include "state_sql.hpp"
#include "sync.hpp"

#include <gtest/gtest.h>

using pgmigrate::is_transaction_control;

TEST(TransactionControl, FirstKeywordDecides) {
	for (const char *s :
	     {"BEGIN", "begin transaction isolation level serializable", "COMMIT", "commit prepared 'x'", "END", "ROLLBACK",
	      "rollback to savepoint a", "ABORT", "SAVEPOINT a", "RELEASE a", "RELEASE SAVEPOINT a", "START TRANSACTION",
	      "PREPARE TRANSACTION 'x'", "prepare\n  transaction 'x'"})
		EXPECT_TRUE(is_transaction_control(s)) << s;
	for (const char *s :
	     {"SELECT 1", "PREPARE q AS SELECT 1", "CREATE TABLE commit_log (id int)", "ENDPOINT",
	      "DO $$ BEGIN COMMIT; END $$", "COMMENT ON TABLE t IS 'x'", "BEGINNING", "", "UPDATE t SET a = 1"})
		EXPECT_FALSE(is_transaction_control(s)) << s;
}

TEST(StateDdl, SchemaApartFromTheRest) {
	auto ddl = pgmigrate::state_ddl();
	EXPECT_EQ(ddl.schema, "CREATE SCHEMA IF NOT EXISTS migrate;\n");
	EXPECT_EQ(ddl.rest.find("CREATE SCHEMA"), std::string::npos);
	for (const char *table : {"migrate.revisions", "migrate.version", "migrate.log"})
		EXPECT_NE(ddl.rest.find(std::string("CREATE TABLE IF NOT EXISTS ") + table), std::string::npos) << table;
	EXPECT_NE(ddl.rest.find("GRANT SELECT ON migrate.revisions"), std::string::npos);
	// state.sql is the extension's DDL too: pg_extension_config_dump belongs to the extension alone.
	EXPECT_EQ(std::string(pgmigrate::state_sql).find("pg_extension_config_dump"), std::string::npos);
}
