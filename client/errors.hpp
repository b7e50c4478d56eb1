// What a failed command reports: the engine's error type, plus what only the client needs.
#pragma once

#include "migrate/error.hpp"

#include <string>
#include <vector>

namespace pgmigrate {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

// A failure the client reports and exits on: `FAILED: <message>` on stderr (and in --json),
// then one line per item, and the DETAIL, HINT, CONTEXT and SQLSTATE when there are any. An
// engine error (a plain migrate::Error) is reported the same way, so it needs no wrapping.
class Failure : public migrate::Error {
public:
	explicit Failure(const std::string &message, std::string detail = {}, std::string hint = {},
	                 std::string sqlstate = {})
	    : migrate::Error(std::move(sqlstate), message, std::move(detail), std::move(hint)) {}
	// Any error, to add items to: every field kept (and a Failure's items and exit code).
	explicit Failure(const migrate::Error &error);

	std::vector<std::string> items; // one line per problem, e.g. every bad migration file
	int exit_code = exit_failure;
};

} // namespace pgmigrate
