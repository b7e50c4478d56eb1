// Database URLs: SQLAlchemy-style and libpq forms in, a libpq conninfo out, and a redactor so
// that no password ever reaches the terminal, a log or a JSON document.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgmigrate {

struct DatabaseTarget {
	std::string conninfo;             // handed to libpq: a postgresql:// URL or a keyword/value string
	std::string display;              // the same with the password masked, for messages
	std::vector<std::string> secrets; // passwords found in it, to scrub from any text
	std::vector<std::string> dropped; // a driver URL's query parameters libpq does not know, left out
};

// Normalises what the user gave (-d, DATABASE_URL):
//   postgresql://, postgres://                       as they are
//   postgresql+asyncpg://, postgresql+psycopg2://... the +driver part dropped; asyncpg's
//                                                    `ssl=` query parameter becomes `sslmode=`;
//                                                    parameters libpq does not know (the driver's
//                                                    own) are left out, with a note on stderr
//   keyword/value strings (host=... dbname=...)      as they are
// Throws Failure for a URL of another database.
DatabaseTarget parse_database_url(std::string_view input);

// Masks passwords in any text: every known secret (raw, percent-encoded and JSON-escaped), the
// password part of any postgresql:// URL and the value of any keyword ending in `password`
// (`password=`, `sslpassword=`).
std::string redact(std::string_view text, const std::vector<std::string> &secrets);

// Masks only the known secrets (raw, percent-encoded and JSON-escaped) in text: for output that
// is data, such as an SQL script, where `password = '...'` may be the user's own SQL.
std::string scrub(std::string_view text, const std::vector<std::string> &secrets);

// The same text, as long, with every password byte (a URL's user:password@ part, the value of a
// keyword ending in `password`) replaced by '*': to overwrite the process's arguments in place,
// so that /proc/PID/cmdline no longer shows them.
std::string blank_passwords(std::string_view text);

// Percent-decoding as in URLs (invalid escapes are kept as they are).
std::string percent_decode(std::string_view text);

} // namespace pgmigrate
