// Lint cases as SQL: a migration file around the SQL, parsed by the client's adapter, judged by
// the engine, against an optional fake catalog.
#pragma once

#include "lint_parse.hpp"
#include "migrate/lint.hpp"
#include "migrate/migration_file.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lint_test {

using migrate::lint::Finding;
using migrate::lint::Level;

class FakeCatalog : public migrate::lint::Catalog {
public:
	std::map<std::string, migrate::lint::TableSize> sizes;
	std::map<std::string, migrate::lint::TypeName> columns; // "table.column"
	int lookups = 0;

	std::optional<migrate::lint::TableSize> table(std::string_view name) override {
		++lookups;
		auto it = sizes.find(std::string(name));
		if (it == sizes.end())
			return std::nullopt;
		return it->second;
	}
	std::optional<migrate::lint::TypeName> column_type(std::string_view table, std::string_view column) override {
		auto it = columns.find(std::string(table) + "." + std::string(column));
		if (it == columns.end())
			return std::nullopt;
		return it->second;
	}
};

// A migration file: the header, then `extra_header` lines, then the upgrade section holding `sql`.
inline std::string
file_text(const std::string &sql, const std::string &extra_header = {}, const std::string &id = "001") {
	return "-- revision: " + id + "\n-- down_revision: none\n" + extra_header + "-- migrate:upgrade\n" + sql + "\n";
}

inline std::vector<Finding>
lint_revision(migrate::lint::Linter &linter, const migrate::Revision &rev) {
	migrate::StatementContext where{rev.id, migrate::Direction::upgrade, "upgrade", rev.filename,
	                                rev.upgrade.first_line};
	return linter.section(rev, rev.upgrade, pgmigrate::lint_statements(rev.upgrade.sql, where));
}

inline std::vector<Finding>
lint_file(const std::string &content, migrate::lint::Catalog *catalog = nullptr) {
	migrate::lint::Linter linter(catalog);
	return lint_revision(linter, migrate::parse_migration(content, "001_x.sql"));
}

// The findings of `sql` in a transactional revision (or not), offline unless a catalog is given.
inline std::vector<Finding>
lint_sql(const std::string &sql, migrate::lint::Catalog *catalog = nullptr, bool transactional = true) {
	return lint_file(file_text(sql, transactional ? "" : "-- transactional: false\n"), catalog);
}

// The first finding of `rule` (a copy: the findings are often a temporary).
inline std::optional<Finding>
find(const std::vector<Finding> &findings, const std::string &rule) {
	auto it = std::find_if(findings.begin(), findings.end(), [&](const Finding &f) { return f.rule == rule; });
	return it == findings.end() ? std::nullopt : std::optional<Finding>(*it);
}

// Whether `rule` is among the findings that count (warnings no waiver silenced).
inline bool
warns(const std::vector<Finding> &findings, const std::string &rule) {
	return std::any_of(findings.begin(), findings.end(),
	                   [&](const Finding &f) { return f.rule == rule && migrate::lint::counts(f); });
}

} // namespace lint_test
