// Database URLs: SQLAlchemy-style and libpq forms in, a libpq conninfo out, and a redactor so
// that no password ever reaches the terminal, a log or a JSON document.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgmigrate {

struct DatabaseTarget {
	std::string conninfo; // handed to libpq: a postgresql:// URL or a keyword/value string
	std::string display;  // the same with the password masked, for messages
	std::vector<std::string> secrets; // passwords found in it, to scrub from any text
};

// Normalises what the user gave (-d, DATABASE_URL):
//   postgresql://, postgres://                       as they are
//   postgresql+asyncpg://, postgresql+psycopg2://... the +driver part dropped; asyncpg's
//                                                    `ssl=` query parameter becomes `sslmode=`
//   keyword/value strings (host=... dbname=...)      as they are
// Throws Failure for a URL of another database.
DatabaseTarget parse_database_url(std::string_view input);

// Masks passwords in any text: every known secret (raw, percent-encoded and JSON-escaped), the
// password part of any postgresql:// URL and any `password=` keyword value.
std::string redact(std::string_view text, const std::vector<std::string> &secrets);

// Masks only the known secrets (raw, percent-encoded and JSON-escaped) in text: for output that
// is data, such as an SQL script, where `password = '...'` may be the user's own SQL.
std::string scrub(std::string_view text, const std::vector<std::string> &secrets);

// Percent-decoding as in URLs (invalid escapes are kept as they are).
std::string percent_decode(std::string_view text);

} // namespace pgmigrate
