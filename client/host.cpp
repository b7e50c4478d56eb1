// The host check: the extension, or the state tables of client mode (created, brought up to date
// and guarded here).
#include "host.hpp"

#include "libpq_database.hpp"
#include "migrate/error.hpp"
#include "migrate/state.hpp"
#include "output.hpp"
#include "state_sql.hpp"
#include "waiting.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>

namespace pgmigrate {

namespace {

constexpr const char *no_extension_way =
    "pass --no-extension (or set PGMIGRATE_NO_EXTENSION=1) and pgmigrate applies the migrations itself, "
    "keeping the same state in schema migrate";

} // namespace

std::optional<Host>
find_extension(Connection &conn) {
	auto r =
	    conn.query("SELECT n.nspname, e.extversion, pg_catalog.to_regclass('migrate.summary') IS NOT NULL "
	               "FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n "
	               "ON n.oid OPERATOR(pg_catalog.=) e.extnamespace WHERE e.extname OPERATOR(pg_catalog.=) 'migrate'");
	if (r.rows() == 0)
		return std::nullopt;
	Host host{false, r.get(0, 0), r.get(0, 1), &conn, false};
	host.summary = r.get_bool(0, 2);
	return host;
}

std::string
Host::fn(std::string_view name) const {
	if (!client && conn && !checked) {
		// Any function named migrate_* in the extension's schema that is not the extension's: a
		// look-alike that makes pgmigrate's calls ambiguous (or captures them).
		auto r = conn->query(
		    "SELECT pg_catalog.string_agg(p.oid::pg_catalog.regprocedure::pg_catalog.text, ', ') FROM "
		    "pg_catalog.pg_proc "
		    "p JOIN pg_catalog.pg_extension e ON e.extname OPERATOR(pg_catalog.=) 'migrate' WHERE p.pronamespace "
		    "OPERATOR(pg_catalog.=) e.extnamespace AND p.proname OPERATOR(pg_catalog.~) '^migrate_' AND NOT EXISTS "
		    "(SELECT FROM pg_catalog.pg_depend d WHERE d.classid OPERATOR(pg_catalog.=) "
		    "'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) p.oid AND d.refobjid "
		    "OPERATOR(pg_catalog.=) e.oid AND d.deptype OPERATOR(pg_catalog.=) 'e')");
		if (!r.is_null(0, 0)) {
			Failure f(fmt::format("schema {} holds functions that are not the migrate extension's: {}",
			                      quote_ident(schema), r.get(0, 0)),
			          "They make pgmigrate's calls to the extension ambiguous, or run in their place.",
			          "Drop them (or find out who created them), and let only the extension's owner create objects "
			          "in that schema.");
			f.set_sqlstate(migrate::sqlstate::ambiguous_function);
			throw f;
		}
		checked = true;
	}
	return quote_ident(schema) + "." + std::string(name);
}

bool
has_state_schema(Connection &conn) {
	return conn
	    .query("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname OPERATOR(pg_catalog.=) 'migrate')")
	    .get_bool(0, 0);
}

bool
has_state_tables(Connection &conn) {
	return conn
	    .query("SELECT pg_catalog.to_regclass('migrate.revisions') IS NOT NULL AND "
	           "pg_catalog.to_regclass('migrate.version') IS NOT NULL AND "
	           "pg_catalog.to_regclass('migrate.log') IS NOT NULL")
	    .get_bool(0, 0);
}

StateDdl
state_ddl() {
	StateDdl ddl;
	for (const auto &span : split_statements(state_sql, {})) {
		std::string statement(state_sql.substr(span.offset, span.length));
		(statement.starts_with("CREATE SCHEMA ") ? ddl.schema : ddl.rest) += statement + ";\n";
	}
	return ddl;
}

namespace {

// The state tables exist with every column this release needs (state.sql adds what is missing).
bool
state_is_current(Connection &conn) {
	return conn
	    .query(
	        "SELECT pg_catalog.to_regclass('migrate.version') IS NOT NULL AND "
	        "pg_catalog.to_regclass('migrate.log') IS NOT NULL AND "
	        "pg_catalog.to_regclass('migrate.lock_holder') IS NOT NULL AND EXISTS (SELECT FROM pg_catalog.pg_attribute "
	        "WHERE attrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass('migrate.revisions') "
	        "AND attname OPERATOR(pg_catalog.=) 'content' AND NOT attisdropped) AND EXISTS (SELECT FROM "
	        "pg_catalog.pg_attribute WHERE attrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass('migrate.log') "
	        "AND attname OPERATOR(pg_catalog.=) 'rewritten' AND NOT attisdropped)")
	    .get_bool(0, 0);
}

// Runs state.sql under the lock on the state (when there is one yet); false when another client
// brought the state up to date while this one waited.
bool
create_state(Connection &conn, double lock_wait) {
	Transaction tx(conn);
	acquire_state_lock(conn, lock_wait);
	if (state_is_current(conn)) // another client created them while this one waited for the lock
		return false;
	// state.sql names everything it creates; what it uses (~, IN) must be PostgreSQL's own.
	conn.simple("SET LOCAL search_path = pg_catalog, pg_temp");
	conn.simple("SET LOCAL client_min_messages = warning");
	// CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists: when
	// it does (made for this role by an administrator: CREATE SCHEMA migrate AUTHORIZATION ...),
	// run the rest of state.sql without it.
	const StateDdl ddl = state_ddl();
	const bool schema = has_state_schema(conn);
	try {
		conn.simple(schema ? ddl.rest : ddl.schema + ddl.rest);
	} catch (ServerError &e) {
		const std::string role = quote_ident(conn.user());
		if (e.sqlstate() == migrate::sqlstate::insufficient_privilege && !schema)
			e.set_hint(fmt::format("Without the extension pgmigrate keeps its state in schema migrate, which this role "
			                       "may not create. Create it once as the database owner or a superuser: CREATE SCHEMA "
			                       "migrate AUTHORIZATION {}; (or GRANT CREATE ON DATABASE {} TO {};)",
			                       role, quote_ident(conn.database()), role));
		else if (e.sqlstate() == migrate::sqlstate::insufficient_privilege)
			e.set_hint(
			    fmt::format("Schema migrate exists but belongs to another role, and its state tables are missing: "
			                "run pgmigrate --no-extension once as its owner, or give it to this role (ALTER "
			                "SCHEMA migrate OWNER TO {};).",
			                role));
		throw;
	}
	// state.sql says IF NOT EXISTS: a client that waited behind another's creation finds the
	// tables made and adds nothing. This one created (or brought up to date) the state if it
	// inserted a table's row type or a column. Not "wrote a pg_class row": state.sql's GRANTs and
	// its constraint replacement rewrite those every time, so a client that ran it just after
	// another created the state (on a fresh database there is no lock to wait for yet) said it had
	// created it too.
	const bool created =
	    conn.query("WITH mine AS (SELECT (pg_catalog.txid_current() OPERATOR(pg_catalog.%) "
	               "4294967296)::pg_catalog.text AS x) "
	               "SELECT EXISTS (SELECT FROM pg_catalog.pg_type t, mine WHERE t.typnamespace OPERATOR(pg_catalog.=) "
	               "'migrate'::pg_catalog.regnamespace AND t.xmin::pg_catalog.text OPERATOR(pg_catalog.=) mine.x) "
	               "OR EXISTS (SELECT FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid "
	               "OPERATOR(pg_catalog.=) a.attrelid, mine WHERE c.relnamespace OPERATOR(pg_catalog.=) "
	               "'migrate'::pg_catalog.regnamespace AND a.xmin::pg_catalog.text OPERATOR(pg_catalog.=) mine.x)")
	        .get_bool(0, 0);
	tx.commit();
	return created;
}

} // namespace

bool
ensure_state(Connection &conn, double lock_wait) {
	if (state_is_current(conn))
		return false;
	try {
		if (!create_state(conn, lock_wait))
			return false;
	} catch (const ServerError &e) {
		// Before there is a table to lock, two clients may create the state at once: one of them
		// fails on the other's objects, and finds the state there once its transaction is gone.
		const bool duplicate = e.sqlstate() == migrate::sqlstate::unique_violation ||
		                       e.sqlstate() == migrate::sqlstate::duplicate_schema ||
		                       e.sqlstate() == migrate::sqlstate::duplicate_table;
		if (duplicate && PQtransactionStatus(conn.raw()) == PQTRANS_IDLE && state_is_current(conn))
			return false;
		throw;
	}
	out().note(
	    fmt::format("Created the state tables in schema migrate of database \"{}\" (client mode, --no-extension).",
	                conn.database()));
	return true;
}

namespace {

// Client mode's state tables are ordinary tables, written by whoever migrates, superusers included,
// and owned by a role that may be far less privileged: anything their owner can attach to them that
// runs code (a trigger, a rule, a policy, a view in a table's place, a function in a default, a
// constraint, an index or a column type) would run with the privileges of whoever migrates. Refuses
// such state before it is read or written; warns when a superuser uses state that another role owns.
void
guard_state_tables(Connection &conn) {
	// kind, table, what, name
	Result r = conn.query(
	    "WITH t AS (SELECT c.oid, c.relname, c.relkind FROM pg_catalog.pg_class c "
	    "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
	    "WHERE n.nspname OPERATOR(pg_catalog.=) 'migrate' "
	    "AND c.relname OPERATOR(pg_catalog.=) ANY ('{revisions,version,log,lock_holder}'::pg_catalog.name[])), "
	    // the objects that make up each table: itself (its column types), its defaults, constraints, indexes
	    "parts AS (SELECT t.relname, 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, t.oid AS objid FROM t "
	    "UNION ALL SELECT t.relname, 'pg_catalog.pg_attrdef'::pg_catalog.regclass, d.oid FROM t "
	    "JOIN pg_catalog.pg_attrdef d ON d.adrelid OPERATOR(pg_catalog.=) t.oid "
	    "UNION ALL SELECT t.relname, 'pg_catalog.pg_constraint'::pg_catalog.regclass, k.oid FROM t "
	    "JOIN pg_catalog.pg_constraint k ON k.conrelid OPERATOR(pg_catalog.=) t.oid "
	    "UNION ALL SELECT t.relname, 'pg_catalog.pg_class'::pg_catalog.regclass, i.indexrelid FROM t "
	    "JOIN pg_catalog.pg_index i ON i.indrelid OPERATOR(pg_catalog.=) t.oid) "
	    "SELECT 1, t.relname, 'kind', t.relkind::pg_catalog.text FROM t WHERE t.relkind OPERATOR(pg_catalog.<>) 'r' "
	    "UNION ALL SELECT 2, t.relname, 'trigger', pg_catalog.quote_ident(g.tgname) FROM t "
	    "JOIN pg_catalog.pg_trigger g ON g.tgrelid OPERATOR(pg_catalog.=) t.oid WHERE NOT g.tgisinternal "
	    // the extension's own (migrate.forget_summary, over the extension's tables): only the
	    // extension's owner can change what it runs
	    "AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e "
	    "ON e.oid OPERATOR(pg_catalog.=) d.refobjid WHERE d.classid OPERATOR(pg_catalog.=) "
	    "'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) g.tgfoid "
	    "AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass "
	    "AND d.deptype OPERATOR(pg_catalog.=) 'e' AND e.extname OPERATOR(pg_catalog.=) 'migrate') "
	    "UNION ALL SELECT 3, t.relname, 'rule', pg_catalog.quote_ident(w.rulename) FROM t "
	    "JOIN pg_catalog.pg_rewrite w ON w.ev_class OPERATOR(pg_catalog.=) t.oid "
	    "WHERE w.rulename OPERATOR(pg_catalog.<>) '_RETURN' "
	    "UNION ALL SELECT 4, t.relname, 'policy', pg_catalog.quote_ident(p.polname) FROM t "
	    "JOIN pg_catalog.pg_policy p ON p.polrelid OPERATOR(pg_catalog.=) t.oid "
	    "UNION ALL SELECT DISTINCT 5, parts.relname, o.type, o.identity FROM parts "
	    "JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) parts.classid "
	    "AND d.objid OPERATOR(pg_catalog.=) parts.objid, "
	    "LATERAL pg_catalog.pg_identify_object(d.refclassid, d.refobjid, 0) o "
	    "WHERE d.refclassid OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.pg_proc', 'pg_catalog.pg_operator', "
	    "'pg_catalog.pg_type', 'pg_catalog.pg_opclass', 'pg_catalog.pg_collation']::pg_catalog.regclass[]) "
	    "AND o.schema IS DISTINCT FROM 'pg_catalog' "
	    // the log's ids: from a plain sequence
	    "UNION ALL SELECT 6, 'log', 'sequence', pg_catalog.concat(sn.nspname, '.', s.relname) FROM t "
	    "JOIN pg_catalog.pg_attrdef d ON d.adrelid OPERATOR(pg_catalog.=) t.oid "
	    "JOIN pg_catalog.pg_depend dep ON dep.classid OPERATOR(pg_catalog.=) "
	    "'pg_catalog.pg_attrdef'::pg_catalog.regclass "
	    "AND dep.objid OPERATOR(pg_catalog.=) d.oid "
	    "AND dep.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
	    "JOIN pg_catalog.pg_class s ON s.oid OPERATOR(pg_catalog.=) dep.refobjid "
	    "JOIN pg_catalog.pg_namespace sn ON sn.oid OPERATOR(pg_catalog.=) s.relnamespace "
	    "WHERE t.relname OPERATOR(pg_catalog.=) 'log' AND s.oid OPERATOR(pg_catalog.<>) t.oid "
	    "AND s.relkind OPERATOR(pg_catalog.<>) 'S' "
	    "ORDER BY 1, 2, 4");
	std::vector<std::string> problems;
	const std::string who = "with the privileges of whoever migrates";
	for (int i = 0; i < r.rows(); ++i) {
		const std::string table = "migrate." + r.get(i, 1), what = r.get(i, 2), name = r.get(i, 3);
		if (what == "kind") {
			static const std::map<std::string, std::string> kinds = {{"v", "a view"},
			                                                         {"m", "a materialized view"},
			                                                         {"p", "a partitioned table"},
			                                                         {"f", "a foreign table"},
			                                                         {"S", "a sequence"}};
			auto k = kinds.find(name);
			problems.push_back(
			    fmt::format("{} is {}, not an ordinary table: what reads or writes it would run its "
			                "query, rules or functions {}",
			                table, k == kinds.end() ? "not an ordinary table (relkind " + name + ")" : k->second, who));
		} else if (what == "trigger" || what == "rule") {
			problems.push_back(
			    fmt::format("{} {} on {}: a {} on {} would run {}", what, name, table, what, table, who));
		} else if (what == "policy") {
			problems.push_back(
			    fmt::format("row security policy {} on {}: its expressions would run {}", name, table, who));
		} else if (what == "sequence") {
			problems.push_back(fmt::format("{}'s id default uses {}, which is not a plain sequence", table, name));
		} else {
			problems.push_back(fmt::format("{} uses {} {} (in a default, constraint, index or column type), which is "
			                               "not PostgreSQL's own: it would run {}",
			                               table, what, name, who));
		}
	}
	Result owner = conn.query(
	    "SELECT pg_catalog.string_agg(DISTINCT o.rolname, ', '), "
	    "pg_catalog.bool_or(NOT o.rolsuper AND o.oid OPERATOR(pg_catalog.<>) u.oid), "
	    "pg_catalog.bool_or(u.rolsuper) FROM pg_catalog.pg_class c "
	    "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
	    "JOIN pg_catalog.pg_roles o ON o.oid OPERATOR(pg_catalog.=) c.relowner "
	    "JOIN pg_catalog.pg_roles u ON u.rolname OPERATOR(pg_catalog.=) CURRENT_USER "
	    "WHERE n.nspname OPERATOR(pg_catalog.=) 'migrate' "
	    "AND c.relname OPERATOR(pg_catalog.=) ANY ('{revisions,version,log,lock_holder}'::pg_catalog.name[])");
	if (!problems.empty()) {
		Failure f(fmt::format("the state tables in schema migrate of database \"{}\" carry objects that would run "
		                      "with the privileges of whoever migrates",
		                      conn.database()));
		f.items = problems;
		f.set_hint(fmt::format("Nothing was run. Look at what they do, and drop them (as the tables' owner{}) before "
		                       "migrating again; pgmigrate's state tables need none of them.",
		                       owner.is_null(0, 0) ? std::string() : ", " + owner.get(0, 0) + ", or a superuser"));
		f.set_sqlstate(migrate::sqlstate::insufficient_privilege);
		throw f;
	}
	if (owner.rows() == 1 && !owner.is_null(0, 1) && owner.get_bool(0, 1) && owner.get_bool(0, 2))
		out().warning(
		    fmt::format("the state tables in schema migrate are owned by {}, and you migrate as superuser {}: "
		                "that role can change what they run; consider ALTER TABLE ... OWNER TO a role that "
		                "only migrates, or migrating as the tables' owner",
		                owner.get(0, 0), conn.user()));
}

} // namespace

Failure
client_mode_database(Connection &conn) {
	Failure f(fmt::format("database \"{}\" keeps its migration state without the migrate extension (client mode), "
	                      "and --no-extension was not given",
	                      conn.database()));
	f.set_detail(has_state_tables(conn)
	                 ? "Schema migrate holds the state tables that pgmigrate --no-extension created; "
	                   "the migrate extension is not installed."
	                 : "Schema migrate exists, but the migrate extension is not installed.");
	f.set_hint(
	    "Pass --no-extension (or set PGMIGRATE_NO_EXTENSION=1) to go on without the extension, or move the state "
	    "into the extension with: pgmigrate install-extension");
	f.set_sqlstate(migrate::sqlstate::not_in_prerequisite_state);
	return f;
}

Host
require_host(Connection &conn, bool no_extension, double lock_wait, bool create) {
	auto ext = find_extension(conn);
	if (no_extension) {
		Host host{true, {}, {}, nullptr, false};
		if (ext) {
			out().note(fmt::format("The migrate extension is installed in database \"{}\"; with --no-extension "
			                       "pgmigrate runs the engine itself, over the extension's tables.",
			                       conn.database()));
			host.schema = ext->schema;
			host.version = ext->version;
			host.summary = ext->summary;
		}
		if (has_state_schema(conn))
			guard_state_tables(conn); // before state.sql or the engine touch them
		if (!ext && create)
			ensure_state(conn, lock_wait);
		return host;
	}
	if (ext)
		return *ext;
	if (has_state_schema(conn))
		throw client_mode_database(conn);
	// Whether this role could install it: try, in a transaction that is always rolled back.
	std::optional<ServerError> refused;
	if (!conn.in_transaction()) {
		Transaction probe(conn);
		try {
			conn.simple("SET LOCAL client_min_messages = error");
			conn.simple("CREATE EXTENSION migrate");
		} catch (const ServerError &e) {
			refused = e;
		}
	}
	Failure f(fmt::format("the migrate extension is not installed in database \"{}\"", conn.database()));
	if (!refused) {
		f.set_hint(
		    fmt::format("Either install it with: CREATE EXTENSION migrate; (this role may), or run without it: {}.",
		                no_extension_way));
	} else {
		f.set_detail(
		    fmt::format("Nor can this role install it: CREATE EXTENSION migrate fails here: {}", refused->what()));
		f.set_hint(
		    fmt::format("Either install it (the migrate package on the server, then CREATE EXTENSION migrate; run "
		                "in that database by a role allowed to create extensions, usually a superuser), or run "
		                "without it: {}.",
		                no_extension_way));
	}
	f.set_sqlstate(migrate::sqlstate::undefined_file);
	throw f;
}

} // namespace pgmigrate
