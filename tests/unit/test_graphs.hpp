// Small revision graphs for the engine's tests, built without the file parser.
#pragma once

#include "migrate/migration_file.hpp"

#include <string>
#include <vector>

namespace migrate::testing {

inline Revision
rev(std::string id, std::vector<std::string> parents = {}, std::string message = {}) {
	Revision r;
	r.id = std::move(id);
	r.down_revisions = std::move(parents);
	r.message = message.empty() ? "msg " + r.id : std::move(message);
	r.upgrade = {"CREATE TABLE t_" + r.id + " (id int);\n", 5, true};
	r.downgrade = {"DROP TABLE t_" + r.id + ";\n", 8, true};
	r.checksum = std::string(64, 'a');
	r.filename = "20260101_0000_" + r.id + "_x.sql";
	return r;
}

} // namespace migrate::testing
