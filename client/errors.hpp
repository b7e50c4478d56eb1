// What a failed command reports: the `FAILED:` message and PostgreSQL's extra fields.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace migrate {
class Error;
}

namespace pgmigrate {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

// A failure the client reports and exits on: `FAILED: <message>` on stderr (and in --json),
// followed by the server's DETAIL, HINT and CONTEXT when there are any.
class Failure : public std::runtime_error {
public:
	explicit Failure(const std::string &message, std::string detail = {}, std::string hint = {})
	    : std::runtime_error(message), detail(std::move(detail)), hint(std::move(hint)) {}

	std::string detail;
	std::string hint;
	std::string context;
	std::string sqlstate;
	std::vector<std::string> items; // one line per problem, e.g. every bad migration file
	int exit_code = exit_failure;
};

// The engine's error (a PostgreSQL-shaped error from core) as a client failure.
Failure from_engine(const migrate::Error &error);

} // namespace pgmigrate
