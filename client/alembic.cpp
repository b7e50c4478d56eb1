// Detecting a database migrated by Alembic (alembic.hpp).
#include "alembic.hpp"

#include "errors.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pgmigrate {

std::vector<AlembicVersion>
alembic_versions(Connection &conn) {
	std::vector<AlembicVersion> found;
	Result tables = conn.query(
	    "SELECT pg_catalog.quote_ident(n.nspname) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) "
	    "pg_catalog.quote_ident(c.relname) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid "
	    "OPERATOR(pg_catalog.=) c.relnamespace WHERE c.relname OPERATOR(pg_catalog.=) 'alembic_version' AND c.relkind "
	    "OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::\"char\"[]) AND pg_catalog.has_table_privilege(c.oid, 'SELECT') "
	    "ORDER BY 1");
	for (int i = 0; i < tables.rows(); ++i) {
		AlembicVersion v{tables.get(i, 0), {}};
		// The table name comes from the catalog, quoted by quote_ident.
		Result rows = conn.query(fmt::format("SELECT version_num::pg_catalog.text FROM {} ORDER BY 1", v.table));
		for (int r = 0; r < rows.rows(); ++r)
			v.revisions.push_back(rows.get(r, 0));
		if (!v.revisions.empty())
			found.push_back(std::move(v));
	}
	return found;
}

namespace {

// The Alembic tables with rows, when migrate's version rows are empty; a table named
// alembic_version that is not Alembic's (no version_num column...) is nothing to say.
std::vector<AlembicVersion>
alembic_without_migrate(Connection &conn, const std::vector<std::string> &version_rows) {
	if (!version_rows.empty())
		return {};
	try {
		return alembic_versions(conn);
	} catch (const ServerError &) {
		return {};
	}
}

constexpr const char *adopt_hint = "Adopt it: pgmigrate adopt (after pgmigrate import alembic) checks that every row "
                                   "names an imported revision and copies them into migrate's version rows.";

} // namespace

void
refuse_alembic_database(Connection &conn, const std::vector<std::string> &version_rows) {
	std::vector<AlembicVersion> alembic = alembic_without_migrate(conn, version_rows);
	if (alembic.empty())
		return;
	const AlembicVersion &v = alembic.front();
	Failure f(fmt::format("database \"{}\" was migrated by Alembic: {} holds {}, and migrate has no version yet",
	                      conn.database(), v.table, fmt::join(v.revisions, ", ")),
	          "To migrate this database is at base: an upgrade would run again what Alembic's migrations did, and "
	          "there is nothing of migrate's to downgrade.",
	          adopt_hint);
	f.set_sqlstate(migrate::sqlstate::not_in_prerequisite_state);
	throw f;
}

std::string
alembic_database_note(Connection &conn, const std::vector<std::string> &version_rows) {
	std::vector<AlembicVersion> alembic = alembic_without_migrate(conn, version_rows);
	if (alembic.empty())
		return {};
	const AlembicVersion &v = alembic.front();
	return fmt::format("{} holds {}: this database was migrated by Alembic, and migrate has no version yet. {}",
	                   v.table, fmt::join(v.revisions, ", "), adopt_hint);
}

} // namespace pgmigrate
