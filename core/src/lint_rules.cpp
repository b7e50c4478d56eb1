// The lint rules by name (squawk's names, so a squawk configuration carries over), the policy
// setting's values, and how a finding is written.
#include "migrate/lint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace migrate::lint {

const std::vector<RuleInfo> &
rules() {
	static const std::vector<RuleInfo> all = {
	    {"require-concurrent-index-creation",
	     "CREATE INDEX without CONCURRENTLY blocks writes to the table while the index builds"},
	    {"require-concurrent-index-deletion", "DROP INDEX without CONCURRENTLY blocks reads and writes of the table"},
	    {"constraint-missing-not-valid",
	     "ADD CONSTRAINT (CHECK, FOREIGN KEY) without NOT VALID scans the table under its lock; so does "
	     "validating it in the transaction that added it"},
	    {"adding-foreign-key-constraint",
	     "a foreign key without NOT VALID scans the table and locks both tables against writes"},
	    {"adding-field-with-default",
	     "a column with a volatile default (random(), gen_random_uuid(), a serial) or a stored generated column "
	     "rewrites the table"},
	    {"adding-not-nullable-field", "SET NOT NULL scans the table under an ACCESS EXCLUSIVE lock"},
	    {"adding-required-field", "ADD COLUMN ... NOT NULL without a default fails on a table that has rows"},
	    {"adding-serial-primary-key-field",
	     "ADD PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock (use an index built CONCURRENTLY)"},
	    {"changing-column-type",
	     "ALTER COLUMN TYPE rewrites the table and its indexes under an ACCESS EXCLUSIVE lock (unless PostgreSQL "
	     "can skip the rewrite)"},
	    {"disallowed-unique-constraint",
	     "ADD UNIQUE builds its index under an ACCESS EXCLUSIVE lock (use an index built CONCURRENTLY)"},
	    {"ban-drop-column", "DROP COLUMN breaks the code that still reads it and loses its data"},
	    {"ban-drop-table", "DROP TABLE loses the table's data"},
	    {"ban-drop-database", "DROP DATABASE loses everything in it"},
	    {"ban-drop-not-null", "DROP NOT NULL lets NULLs in where code may not expect them"},
	    {"ban-truncate-cascade", "TRUNCATE ... CASCADE also empties every table that references it"},
	    {"renaming-column", "renaming a column breaks the code that uses the old name"},
	    {"renaming-table", "renaming a table breaks the code that uses the old name"},
	    {"ban-char-field", "char(n) pads with blanks and is no faster: use text or varchar"},
	    {"prefer-bigint-over-int", "an int (int4, serial) column can run out of values: use bigint"},
	    {"prefer-bigint-over-smallint", "a smallint (int2, smallserial) column can run out of values: use bigint"},
	    {"prefer-identity", "serial types: use GENERATED ... AS IDENTITY"},
	    {"prefer-text-field",
	     "varchar(n): changing n later takes an ACCESS EXCLUSIVE lock; use text with a CHECK on its length"},
	    {"prefer-timestamp-tz", "timestamp without time zone: use timestamptz"},
	    {"prefer-robust-stmts",
	     "in a revision that runs outside a transaction, a statement that fails when run twice (no IF [NOT] "
	     "EXISTS) makes a rerun after a failure fail"},
	    {"transaction-nesting",
	     "BEGIN/COMMIT inside a revision that migrate already runs in a transaction (or a nested BEGIN)"},
	    {"ban-concurrent-index-creation-in-transaction",
	     "CREATE INDEX CONCURRENTLY cannot run in a transaction: mark the revision transactional: false"},
	    {"ban-create-domain-with-constraint",
	     "a domain's constraint is checked on every column of that type; changing it later scans them all"},
	    {"ban-alter-domain-with-add-constraint",
	     "ALTER DOMAIN ... ADD CONSTRAINT scans every column of the domain's type under lock"},
	    {"require-enum-value-ordering", "ALTER TYPE ... ADD VALUE without BEFORE/AFTER: say where the value sorts"},
	    {"identifier-too-long", "a name longer than 63 bytes, which PostgreSQL silently cuts"},
	};
	return all;
}

bool
is_rule(std::string_view name) {
	const auto &all = rules();
	return std::any_of(all.begin(), all.end(), [&](const RuleInfo &r) { return r.name == name; });
}

std::optional<Policy>
parse_policy(std::string_view text) {
	std::string lower;
	for (char c : text)
		lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	if (lower == "off")
		return Policy::off;
	if (lower == "warn")
		return Policy::warn;
	if (lower == "error")
		return Policy::error;
	return std::nullopt;
}

const char *
policy_name(Policy policy) {
	switch (policy) {
	case Policy::off:
		return "off";
	case Policy::warn:
		return "warn";
	case Policy::error:
		return "error";
	}
	return "?";
}

std::string
headline(const Finding &finding, std::string_view filename) {
	const std::string where = filename.empty() ? fmt::format("revision {}", finding.revision) : std::string(filename);
	const char *level = finding.level == Level::warning ? "warning" : "info";
	std::string line = finding.line > 0 ? fmt::format("{}:{}", where, finding.line) : where;
	std::string text = fmt::format("{}: {}[{}] {}", line, level, finding.rule, finding.message);
	if (!finding.waived.empty())
		text += fmt::format(" (waived: {})", finding.waived);
	return text;
}

} // namespace migrate::lint
