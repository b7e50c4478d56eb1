// What the audit log says about each revision's last upgrade (migrate.log, 0.5.0's columns): when
// and by whom, the lock trace (relations locked, relations rewritten) and the lock waits, as the
// lines `show` and `history --verbose` add to a revision's block.
#pragma once

#include "connection.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <unordered_map>

namespace pgmigrate {

struct AuditEntry {
	std::string text;    // "Applied: ...\nLocked: ...\n" (each line ends with \n)
	nlohmann::json json; // the same, for --json
};

// By revision id; empty when the database keeps no log (or one older than 0.5.0: then only when
// and by whom).
std::unordered_map<std::string, AuditEntry> last_upgrades(Connection &conn);

} // namespace pgmigrate
