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

void
refuse_alembic_database(Connection &conn, const std::vector<std::string> &version_rows) {
	if (!version_rows.empty())
		return;
	std::vector<AlembicVersion> alembic;
	try {
		alembic = alembic_versions(conn);
	} catch (const ServerError &) {
		return; // a table named alembic_version that is not Alembic's: nothing to say
	}
	if (alembic.empty())
		return;
	const AlembicVersion &v = alembic.front();
	Failure f(fmt::format("database \"{}\" was migrated by Alembic: {} holds {}, and migrate has no version yet",
	                      conn.database(), v.table, fmt::join(v.revisions, ", ")),
	          "From base, the upgrade would create again what Alembic's migrations created.",
	          fmt::format("Adopt it: pgmigrate stamp {} (the revisions matching Alembic's), then upgrade as usual; "
	                      "drop {} once no Alembic runs against this database.",
	                      fmt::join(v.revisions, " "), v.table));
	f.set_sqlstate(migrate::sqlstate::not_in_prerequisite_state);
	throw f;
}

} // namespace pgmigrate
