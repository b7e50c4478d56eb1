// Database URLs: normalisation and redaction.
#include "errors.hpp"
#include "url.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

using pgmigrate::parse_database_url;
using pgmigrate::redact;

namespace {

struct NoPgPassword : ::testing::Test {
	void SetUp() override { unsetenv("PGPASSWORD"); }
};

using Url = NoPgPassword;

} // namespace

TEST_F(Url, PostgresqlAndPostgresPassThrough) {
	EXPECT_EQ(parse_database_url("postgresql://u@h:5432/db").conninfo, "postgresql://u@h:5432/db");
	EXPECT_EQ(parse_database_url("postgres://u@h/db").conninfo, "postgresql://u@h/db");
	EXPECT_EQ(parse_database_url("  postgresql://h/db  ").conninfo, "postgresql://h/db");
}

TEST_F(Url, DriverIsDropped) {
	EXPECT_EQ(parse_database_url("postgresql+asyncpg://u:p@h/db").conninfo, "postgresql://u:p@h/db");
	EXPECT_EQ(parse_database_url("postgresql+psycopg2://u@h:6543/db?sslmode=require").conninfo,
	          "postgresql://u@h:6543/db?sslmode=require");
	EXPECT_EQ(parse_database_url("POSTGRESQL+PSYCOPG://h/db").conninfo, "postgresql://h/db");
	EXPECT_EQ(parse_database_url("postgres+asyncpg://h/db").conninfo, "postgresql://h/db");
}

TEST_F(Url, AsyncpgSslBecomesSslmode) {
	EXPECT_EQ(parse_database_url("postgresql+asyncpg://h/db?ssl=true&application_name=x").conninfo,
	          "postgresql://h/db?sslmode=require&application_name=x");
	EXPECT_EQ(parse_database_url("postgresql+asyncpg://h/db?ssl=disable").conninfo,
	          "postgresql://h/db?sslmode=disable");
	// a plain libpq URL keeps what it says (libpq will complain about ssl= itself)
	EXPECT_EQ(parse_database_url("postgresql://h/db?ssl=true").conninfo, "postgresql://h/db?ssl=true");
}

TEST_F(Url, KeywordValueStringsPassThrough) {
	auto t = parse_database_url("host=db port=5432 dbname=app user=me password='a b\\'c'");
	EXPECT_EQ(t.conninfo, "host=db port=5432 dbname=app user=me password='a b\\'c'");
	EXPECT_EQ(t.display, "host=db port=5432 dbname=app user=me password=***");
	ASSERT_FALSE(t.secrets.empty());
	EXPECT_EQ(t.secrets[0], "a b'c");
	EXPECT_EQ(parse_database_url("mydb").conninfo, "mydb");
}

TEST_F(Url, DisplayMasksThePassword) {
	auto t = parse_database_url("postgresql+asyncpg://app:s%40cret@db.example:5432/prod?password=other");
	EXPECT_EQ(t.display, "postgresql://app:***@db.example:5432/prod?password=***");
	EXPECT_NE(std::find(t.secrets.begin(), t.secrets.end(), "s%40cret"), t.secrets.end());
	EXPECT_NE(std::find(t.secrets.begin(), t.secrets.end(), "s@cret"), t.secrets.end());
	EXPECT_NE(std::find(t.secrets.begin(), t.secrets.end(), "other"), t.secrets.end());
	EXPECT_EQ(parse_database_url("postgresql://app@db/prod").display, "postgresql://app@db/prod");
	EXPECT_EQ(parse_database_url("postgresql:///prod").display, "postgresql:///prod");
}

TEST_F(Url, OtherSchemesAreRefused) {
	EXPECT_THROW(parse_database_url("mysql://root:pw@h/db"), pgmigrate::Failure);
	EXPECT_THROW(parse_database_url("sqlite:///x.db"), pgmigrate::Failure);
}

TEST_F(Url, PgpasswordIsASecret) {
	setenv("PGPASSWORD", "from-env-pw", 1);
	auto t = parse_database_url("postgresql://h/db");
	unsetenv("PGPASSWORD");
	EXPECT_NE(std::find(t.secrets.begin(), t.secrets.end(), "from-env-pw"), t.secrets.end());
}

TEST(Redact, KnownSecretsInEveryForm) {
	std::vector<std::string> secrets = {"p@ss/word"};
	EXPECT_EQ(redact("failed for p@ss/word here", secrets), "failed for *** here");
	EXPECT_EQ(redact("uri p%40ss%2Fword", secrets), "uri ***");
	EXPECT_EQ(redact(R"({"x": "a\"p@ss/word"})", {"a\"p@ss/word"}), R"({"x": "***"})");
}

TEST(Redact, UrlPasswordsAndKeywords) {
	EXPECT_EQ(redact("connect postgresql://u:zz@h/db failed", {}), "connect postgresql://u:***@h/db failed");
	EXPECT_EQ(redact("\"postgresql+asyncpg://u:zz@[h\"", {}), "\"postgresql+asyncpg://u:***@[h\"");
	EXPECT_EQ(redact("host=h password=zz user=u", {}), "host=h password=*** user=u");
	EXPECT_EQ(redact("host=h PASSWORD = 'z z' user=u", {}), "host=h password=*** user=u");
	EXPECT_EQ(redact("postgresql://u@h/db", {}), "postgresql://u@h/db");
	EXPECT_EQ(redact("no secrets: http://example.com/a:b", {}), "no secrets: http://example.com/a:b");
}

TEST(Redact, ShortSecretsDoNotGarbleText) {
	EXPECT_EQ(redact("a database", {"a"}), "a database");
}

TEST(Scrub, OnlyKnownSecrets) {
	// SQL output keeps `password = '...'` of the user's own SQL; only the real secret goes.
	EXPECT_EQ(pgmigrate::scrub("WHERE password = 'x' AND y = 'hunter22'", {"hunter22"}),
	          "WHERE password = 'x' AND y = '***'");
}

TEST_F(Url, EveryPasswordKeywordIsASecret) {
	auto t = parse_database_url("host=db user=me sslpassword=key-pass-1 password=pw-22");
	EXPECT_EQ(t.display, "host=db user=me sslpassword=*** password=***");
	EXPECT_NE(std::find(t.secrets.begin(), t.secrets.end(), "key-pass-1"), t.secrets.end());
	auto u = parse_database_url("postgresql://me@db/app?sslpassword=key-pass-1&sslmode=require");
	EXPECT_EQ(u.display, "postgresql://me@db/app?sslpassword=***&sslmode=require");
	EXPECT_NE(std::find(u.secrets.begin(), u.secrets.end(), "key-pass-1"), u.secrets.end());
}

TEST(Redact, EveryPasswordKeyword) {
	EXPECT_EQ(redact("host=h sslpassword=zz user=u", {}), "host=h sslpassword=*** user=u");
	EXPECT_EQ(redact("host=h SSLPassword = 'z z' user=u", {}), "host=h sslpassword=*** user=u");
	EXPECT_EQ(redact("postgresql://h/db?sslpassword=zz&sslmode=require", {}),
	          "postgresql://h/db?sslpassword=***&sslmode=require");
	EXPECT_EQ(redact(R"({"message": "could not connect to sslpassword=zz"})", {}),
	          R"({"message": "could not connect to sslpassword=***"})");
	// not a keyword: no '=' after it
	EXPECT_EQ(redact("the sslpassword is wrong", {}), "the sslpassword is wrong");
}

TEST_F(Url, DriverOnlyParametersAreDropped) {
	auto t = parse_database_url("postgresql+asyncpg://u@h/db?prepared_statement_cache_size=0&ssl=require"
	                            "&prepared_statement_name_func=x&application_name=app&command_timeout=5");
	EXPECT_EQ(t.conninfo, "postgresql://u@h/db?sslmode=require&application_name=app");
	EXPECT_EQ(t.dropped, (std::vector<std::string>{"prepared_statement_cache_size", "prepared_statement_name_func",
	                                               "command_timeout"}));
	auto s = parse_database_url("postgresql+psycopg://u@h/db?async_fallback=true&sslpassword=abc");
	EXPECT_EQ(s.conninfo, "postgresql://u@h/db?sslpassword=abc");
	EXPECT_EQ(s.display, "postgresql://u@h/db?sslpassword=***");
	EXPECT_EQ(s.dropped, std::vector<std::string>{"async_fallback"});
	// a libpq URL is libpq's: a typo such as sslmod= stays an error there, not silently dropped
	auto p = parse_database_url("postgresql://u@h/db?sslmod=require");
	EXPECT_EQ(p.conninfo, "postgresql://u@h/db?sslmod=require");
	EXPECT_TRUE(p.dropped.empty());
}

TEST(BlankPasswords, SameLengthNoPassword) {
	using pgmigrate::blank_passwords;
	EXPECT_EQ(blank_passwords("postgresql://u:SECRETPW@127.0.0.1:1/db"), "postgresql://u:********@127.0.0.1:1/db");
	EXPECT_EQ(blank_passwords("--database-url=postgresql+asyncpg://u:p@ss@h/db?x=1"),
	          "--database-url=postgresql+asyncpg://u:****@h/db?x=1");
	EXPECT_EQ(blank_passwords("postgresql://u@h/db?password=abc&sslpassword=de"),
	          "postgresql://u@h/db?password=***&sslpassword=**");
	EXPECT_EQ(blank_passwords("host=h password='a b' sslpassword=xy user=u"),
	          "host=h password='***' sslpassword=** user=u");
	EXPECT_EQ(blank_passwords("postgresql://u@h/db"), "postgresql://u@h/db");
	EXPECT_EQ(blank_passwords("head"), "head");
	EXPECT_EQ(blank_passwords("add password column"), "add password column");
}
