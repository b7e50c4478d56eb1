// install-extension and uninstall-extension: a database moves between client mode (pgmigrate
// --no-extension, state tables created from state.sql) and the migrate extension (the same tables,
// created by CREATE EXTENSION), in one transaction under the migration lock: the old schema
// migrate is renamed aside, the new one created, revisions, version and log copied (log ids and
// the sequence kept), grants carried over (into the extension: only the ones it defines), and the old schema dropped (without CASCADE: nothing
// but the state goes). Nothing else changes; any error leaves the database as it was.
#include "commands/commands.hpp"
#include "output.hpp"
#include "state_sql.hpp"
#include "waiting.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>
#include <utility>

namespace pgmigrate::commands {

namespace {

std::string
qualified(const std::string &schema, const std::string &name) {
	return quote_ident(schema) + "." + quote_ident(name);
}

// A schema name for the old state while the new one is created.
std::string
aside_name(Connection &conn) {
	for (int n = 0;; ++n) {
		std::string name = n == 0 ? "migrate_moving" : fmt::format("migrate_moving{}", n);
		if (!conn.query("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname OPERATOR(pg_catalog.=) $1)",
		                {name})
		         .get_bool(0, 0))
			return name;
	}
}

// GRANTs that give the objects of the new schema migrate what the old one's grantees had (its
// owner's own rights excepted): schema, tables, and the log's sequence. For uninstall-extension: the
// extension's grants are its own.
std::vector<std::string>
carried_grants(Connection &conn) {
	std::vector<std::string> grants;
	Result r = conn.query(
	    "SELECT 'SCHEMA migrate', a.privilege_type, a.grantee, a.is_grantable "
	    "FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a "
	    "WHERE n.nspname OPERATOR(pg_catalog.=) 'migrate' AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner "
	    "UNION ALL "
	    "SELECT pg_catalog.concat(CASE c.relkind WHEN 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END, 'migrate.', "
	    "pg_catalog.quote_ident(c.relname)), a.privilege_type, a.grantee, a.is_grantable "
	    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace, "
	    "pg_catalog.aclexplode(c.relacl) a "
	    "WHERE n.nspname OPERATOR(pg_catalog.=) 'migrate' "
	    "AND c.relname OPERATOR(pg_catalog.=) ANY ('{revisions,version,log,log_id_seq}'::pg_catalog.name[]) "
	    "AND a.grantee OPERATOR(pg_catalog.<>) c.relowner "
	    "ORDER BY 1, 3, 2");
	for (int i = 0; i < r.rows(); ++i) {
		std::string grantee = r.get(i, 2) == "0" ? std::string("PUBLIC") : std::string();
		if (grantee.empty())
			grantee = quote_ident(
			    conn.query(
			            "SELECT rolname FROM pg_catalog.pg_roles WHERE oid OPERATOR(pg_catalog.=) $1::pg_catalog.oid",
			            {r.get(i, 2)})
			        .get(0, 0));
		grants.push_back(fmt::format("GRANT {} ON {} TO {}{}", r.get(i, 1), r.get(i, 0), grantee,
		                             r.get_bool(i, 3) ? " WITH GRANT OPTION" : ""));
	}
	return grants;
}

// What a role needs on the state tables to migrate in client mode (docs/client-mode.md; the
// log stays append-only for it).
std::string
migrate_rights(const std::string &role) {
	return fmt::format(
	    "GRANT INSERT, UPDATE, DELETE ON migrate.revisions TO {0}; GRANT INSERT, DELETE ON migrate.version TO {0}; "
	    "GRANT INSERT ON migrate.log TO {0}; GRANT USAGE ON SEQUENCE migrate.log_id_seq TO {0}; "
	    "GRANT INSERT, DELETE ON migrate.lock_holder TO {0}",
	    role);
}

// The role that owns schema `schema`, and whether it is a superuser.
std::pair<std::string, bool>
schema_owner(Connection &conn, const std::string &schema) {
	Result r = conn.query("SELECT r.rolname, r.rolsuper FROM pg_catalog.pg_namespace n "
	                      "JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner "
	                      "WHERE n.nspname OPERATOR(pg_catalog.=) $1",
	                      {schema});
	return {r.get(0, 0), r.get_bool(0, 1)};
}

// The grants on client mode's state (schema migrate, its three tables, their columns and the log's
// sequence), sorted by what install-extension does with them.
struct ClientGrants {
	std::set<std::string> writers;  // roles (quoted where needed) that could migrate: they get EXECUTE instead
	std::vector<std::string> other; // grants the extension does not define: refused, or dropped
};

// Why a grant the extension does not carry matters (one phrase).
std::string
why_not_carried(const std::string &privilege, const std::string &rel, bool to_public, bool columns, bool grantable) {
	if (privilege == "TRIGGER")
		return "a trigger on a state table runs with the privileges of whoever migrates";
	if (privilege == "TRUNCATE")
		return "it empties the state, the append-only log included";
	if (privilege == "REFERENCES")
		return "a foreign key to the state can block the engine's writes";
	if (privilege == "CREATE")
		return "it creates objects in the extension's schema";
	if (rel == "log" && (privilege == "UPDATE" || privilege == "DELETE"))
		return "it rewrites the append-only log";
	if (to_public)
		return "every role could write the state";
	if (grantable)
		return "the grant option lets the role hand the right on";
	if (columns)
		return "column rights are not among the extension's grants";
	return "not among the rights the extension's state needs";
}

ClientGrants
client_grants(Connection &conn) {
	// Columns: object text, relation name ('' for the schema), privilege, grantee oid, grantee
	// name, grantable, column ('' for the whole object).
	Result r = conn.query(
	    "SELECT 'SCHEMA migrate', '', a.privilege_type, a.grantee, COALESCE(pg_catalog.quote_ident(ro.rolname), ''), "
	    "a.is_grantable, '' "
	    "FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a "
	    "LEFT JOIN pg_catalog.pg_roles ro ON ro.oid OPERATOR(pg_catalog.=) a.grantee "
	    "WHERE n.nspname OPERATOR(pg_catalog.=) 'migrate' AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner "
	    "UNION ALL "
	    "SELECT pg_catalog.concat(CASE c.relkind WHEN 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END, 'migrate.', "
	    "pg_catalog.quote_ident(c.relname)), c.relname, a.privilege_type, a.grantee, "
	    "COALESCE(pg_catalog.quote_ident(ro.rolname), ''), "
	    "a.is_grantable, '' "
	    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace, "
	    "pg_catalog.aclexplode(c.relacl) a LEFT JOIN pg_catalog.pg_roles ro ON ro.oid OPERATOR(pg_catalog.=) a.grantee "
	    "WHERE n.nspname OPERATOR(pg_catalog.=) 'migrate' "
	    "AND c.relname OPERATOR(pg_catalog.=) ANY ('{revisions,version,log,log_id_seq}'::pg_catalog.name[]) "
	    "AND a.grantee OPERATOR(pg_catalog.<>) c.relowner "
	    "UNION ALL "
	    "SELECT pg_catalog.concat('TABLE migrate.', pg_catalog.quote_ident(c.relname)), c.relname, a.privilege_type, "
	    "a.grantee, COALESCE(pg_catalog.quote_ident(ro.rolname), ''), a.is_grantable, "
	    "pg_catalog.quote_ident(att.attname) "
	    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
	    "JOIN pg_catalog.pg_attribute att ON att.attrelid OPERATOR(pg_catalog.=) c.oid, "
	    "pg_catalog.aclexplode(att.attacl) a LEFT JOIN pg_catalog.pg_roles ro ON ro.oid OPERATOR(pg_catalog.=) "
	    "a.grantee "
	    "WHERE n.nspname OPERATOR(pg_catalog.=) 'migrate' "
	    "AND c.relname OPERATOR(pg_catalog.=) ANY ('{revisions,version,log}'::pg_catalog.name[]) "
	    "AND att.attnum OPERATOR(pg_catalog.>) 0 AND NOT att.attisdropped "
	    "AND a.grantee OPERATOR(pg_catalog.<>) c.relowner "
	    "ORDER BY 1, 5, 7, 3");
	// The rights client mode's migrators hold (docs/client-mode.md); the extension replaces
	// them with EXECUTE on its state-changing functions.
	static const std::set<std::pair<std::string, std::string>> write_rights = {
	    {"revisions", "INSERT"}, {"revisions", "UPDATE"}, {"revisions", "DELETE"}, {"version", "INSERT"},
	    {"version", "DELETE"},   {"log", "INSERT"},       {"log_id_seq", "USAGE"}};
	ClientGrants g;
	for (int i = 0; i < r.rows(); ++i) {
		const std::string object = r.get(i, 0), rel = r.get(i, 1), privilege = r.get(i, 2);
		const bool to_public = r.get(i, 3) == "0", grantable = r.get_bool(i, 5);
		const std::string column = r.get(i, 6);
		const std::string grantee = to_public ? std::string("PUBLIC") : r.get(i, 4);
		if (column.empty() && !to_public && write_rights.contains({rel, privilege}))
			g.writers.insert(grantee);
		// What the extension's own state.sql grants every role: reading the state.
		const bool reading = rel.empty() ? privilege == "USAGE" : privilege == "SELECT";
		if (column.empty() && !grantable && (reading || (!to_public && write_rights.contains({rel, privilege}))))
			continue;
		std::string grant = column.empty()
		                        ? fmt::format("GRANT {} ON {} TO {}", privilege, object, grantee)
		                        : fmt::format("GRANT {} ({}) ON {} TO {}", privilege, column, object, grantee);
		if (grantable)
			grant += " WITH GRANT OPTION";
		g.other.push_back(grant + " -- " + why_not_carried(privilege, rel, to_public, !column.empty(), grantable));
	}
	// The owners of the schema and of its tables wrote the state without grants.
	Result owners =
	    conn.query("SELECT DISTINCT pg_catalog.quote_ident(r.rolname) FROM pg_catalog.pg_namespace n "
	               "JOIN pg_catalog.pg_class c ON c.relnamespace OPERATOR(pg_catalog.=) n.oid "
	               "AND c.relname OPERATOR(pg_catalog.=) ANY ('{revisions,version,log}'::pg_catalog.name[]) "
	               "JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) c.relowner "
	               "OR r.oid OPERATOR(pg_catalog.=) n.nspowner "
	               "WHERE n.nspname OPERATOR(pg_catalog.=) 'migrate' AND NOT r.rolsuper");
	for (int i = 0; i < owners.rows(); ++i)
		g.writers.insert(owners.get(i, 0));
	g.writers.erase(conn.query("SELECT pg_catalog.quote_ident(CURRENT_USER)").get(0, 0));
	return g;
}

// What a role that could migrate in client mode gets through the extension `ext`: EXECUTE on the
// state-changing functions and nothing else (docs/security.md: Granting migration rights).
std::string
extension_rights(const Host &ext, const std::string &role) {
	return fmt::format(
	    "GRANT EXECUTE ON FUNCTION {1}(text, text), {2}(text), {3}(text), {4}(text), {5}(text, boolean), "
	    "{6}(text, text, double precision), {7}(boolean), {8}(text) TO {0}; "
	    "GRANT EXECUTE ON PROCEDURE {9}(text), {10}(text) TO {0}",
	    role, ext.fn("migrate_add"), ext.fn("migrate_remove"), ext.fn("migrate_upgrade"), ext.fn("migrate_downgrade"),
	    ext.fn("migrate_stamp"), ext.fn("migrate_record"), ext.fn("migrate_lock"), ext.fn("migrate_hold_lock"),
	    ext.fn("migrate_upgrade_per_revision"), ext.fn("migrate_downgrade_per_revision"));
}

// The roles (quoted where needed; not superusers, not the function's owner) that may migrate
// through the extension `ext`: EXECUTE on its migrate_upgrade.
std::vector<std::string>
extension_migrators(Connection &conn, const Host &ext) {
	Result r = conn.query(
	    "SELECT pg_catalog.quote_ident(ro.rolname) FROM pg_catalog.pg_proc p, "
	    "pg_catalog.aclexplode(p.proacl) a JOIN pg_catalog.pg_roles ro ON ro.oid OPERATOR(pg_catalog.=) a.grantee "
	    "WHERE p.oid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure($1) "
	    "AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE' AND a.grantee OPERATOR(pg_catalog.<>) p.proowner "
	    "AND NOT ro.rolsuper AND ro.rolname OPERATOR(pg_catalog.<>) CURRENT_USER ORDER BY 1",
	    {ext.fn("migrate_upgrade") + "(text)"});
	std::vector<std::string> roles;
	for (int i = 0; i < r.rows(); ++i)
		roles.push_back(r.get(i, 0));
	return roles;
}

// Copies one state table from schema `from` into schema migrate (the columns both have); returns
// the number of rows.
long long
copy_table(Connection &conn, const std::string &from, const std::string &table) {
	std::string source = qualified(from, table), target = qualified("migrate", table);
	std::string columns =
	    conn.query("SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) "
	               "FROM pg_catalog.pg_attribute a WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($2) "
	               "AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped AND EXISTS (SELECT 1 "
	               "FROM pg_catalog.pg_attribute b WHERE b.attrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1) "
	               "AND b.attname OPERATOR(pg_catalog.=) a.attname AND b.attnum OPERATOR(pg_catalog.>) 0 "
	               "AND NOT b.attisdropped)",
	               {source, target})
	        .get(0, 0);
	Result r = conn.query(fmt::format("WITH copied AS (INSERT INTO {} ({}) SELECT {} FROM {} RETURNING 1) "
	                                  "SELECT pg_catalog.count(*) FROM copied",
	                                  target, columns, columns, source));
	return std::stoll(r.get(0, 0));
}

// Client mode's state belongs to an ordinary role (the one that migrates and pg_dumps it), the
// extension's to whoever created the extension (usually a superuser). install-extension keeps the
// former owner in the comment of the extension's schema migrate (a comment on an extension member is
// not dumped: the record lives as long as the extension), and uninstall-extension gives the schema,
// tables and sequence it recreates back to that role; see client_owner.
constexpr const char *owner_mark = "client-mode owner before install-extension: ";

// Records the owner of client mode's state, in schema `from`, on the extension's schema migrate.
void
record_client_owner(Connection &conn, const std::string &from) {
	Result r =
	    conn.query("SELECT pg_catalog.format('COMMENT ON SCHEMA migrate IS %L', pg_catalog.concat("
	               "pg_catalog.obj_description(pg_catalog.to_regnamespace('migrate'), 'pg_namespace'), "
	               "pg_catalog.chr(10), $2::pg_catalog.text, r.rolname, ' (oid ', r.oid, ')')) "
	               "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) c.relowner "
	               "WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1)",
	               {qualified(from, "revisions"), owner_mark});
	if (r.rows() == 1)
		conn.simple(r.get(0, 0));
}

// The role that client mode's state goes back to: the one install-extension recorded, if it still
// exists (by oid: a rename does not lose it); else the database's owner, unless a superuser (a
// database whose extension never was in client mode, or whose record went with a dump and restore
// or an ALTER EXTENSION UPDATE); else "" (the caller keeps the tables).
std::string
client_owner(Connection &conn) {
	Result r = conn.query(
	    "SELECT rolname FROM ("
	    "SELECT 1 AS pref, r.rolname FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) "
	    "pg_catalog.substring(pg_catalog.obj_description(pg_catalog.to_regnamespace('migrate'), 'pg_namespace'), "
	    "pg_catalog.concat($1::pg_catalog.text, '.* \\(oid ([0-9]+)\\)$'))::pg_catalog.oid "
	    "UNION ALL SELECT 2, r.rolname FROM pg_catalog.pg_database d "
	    "JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) d.datdba "
	    "WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database() AND NOT r.rolsuper) o "
	    "ORDER BY pref LIMIT 1",
	    {owner_mark});
	return r.rows() == 1 ? r.get(0, 0) : std::string();
}

struct Moved {
	long long revisions = 0, log = 0;
	std::vector<std::string> version;
};

// Copies the state from schema `from` into the new schema migrate and moves the log's sequence on.
Moved
copy_state(Connection &conn, const std::string &from) {
	Moved m;
	m.revisions = copy_table(conn, from, "revisions");
	copy_table(conn, from, "version");
	m.log = copy_table(conn, from, "log");
	conn.query("SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence('migrate.log', 'id'), pg_catalog.max(id)) "
	           "FROM migrate.log HAVING pg_catalog.max(id) IS NOT NULL");
	m.version = version_rows(conn);
	return m;
}

std::string
summary(const Moved &m) {
	return fmt::format("{} revision{}, version {}, {} log row{}", m.revisions, m.revisions == 1 ? "" : "s",
	                   m.version.empty() ? std::string("base") : fmt::format("{}", fmt::join(m.version, ", ")), m.log,
	                   m.log == 1 ? "" : "s");
}

void
report(const Moved &m, const std::string &mode) {
	out().doc()["moved"] = true;
	out().doc()["mode"] = mode;
	out().doc()["revisions"] = m.revisions;
	out().doc()["current"] = m.version;
	out().doc()["log_rows"] = m.log;
}

} // namespace

int
install_extension(Context &ctx, const InstallExtensionOptions &opt) {
	Connection &conn = ctx.connection();
	const std::string db = conn.database();
	auto already = [&](const Host &ext) {
		out().result(fmt::format("The migrate extension {} is already installed in database \"{}\" (functions in "
		                         "schema {}): nothing to move.",
		                         ext.version, db, ext.schema));
		out().doc()["moved"] = false;
		out().doc()["mode"] = "extension";
		return 0;
	};
	if (auto ext = find_extension(conn))
		return already(*ext);

	Transaction tx(conn);
	// The extension's functions go where CREATE EXTENSION would put them with the caller's
	// search_path; everything else here runs with PostgreSQL's own functions and operators only.
	std::string schema = opt.schema;
	if (schema.empty())
		schema = conn.query("SELECT pg_catalog.current_schema()").get(0, 0);
	if (schema.empty())
		throw Failure("no schema on search_path to install the extension's functions in", {},
		              "Name one: pgmigrate install-extension --schema public");
	conn.simple("SET LOCAL search_path = pg_catalog, pg_temp");
	acquire_state_lock(conn, ctx.options().lock_wait);
	if (auto ext = find_extension(conn)) // installed while this one waited for the lock
		return already(*ext);
	const bool moving = has_state_schema(conn);
	if (moving && !has_state_tables(conn))
		throw Failure(fmt::format("schema migrate in database \"{}\" does not hold pgmigrate's state tables", db), {},
		              "CREATE EXTENSION migrate needs schema migrate for itself: rename or drop that schema first.");

	std::string aside;
	ClientGrants grants;
	if (moving) {
		// The extension's tables get only its own grants: reading for every role, and EXECUTE on
		// the state-changing functions for whoever could migrate. Any other grant (TRIGGER,
		// TRUNCATE, a right given to PUBLIC...) would let its grantee act as the extension's owner,
		// a superuser: it stops the move unless the user lets it go.
		grants = client_grants(conn);
		if (!grants.other.empty() && !opt.drop_other_grants) {
			Failure f(
			    fmt::format("the state tables in database \"{}\" carry grants that the migrate extension does not "
			                "give",
			                db),
			    {},
			    "The extension writes its state as its owner and gives other roles only SELECT, and EXECUTE on "
			    "the state-changing functions to those that could migrate. Revoke these grants, or run "
			    "install-extension --drop-other-grants to leave them behind. Nothing was changed.");
			f.items = grants.other;
			throw f;
		}
		aside = aside_name(conn);
		conn.simple(fmt::format("ALTER SCHEMA migrate RENAME TO {}", quote_ident(aside)));
	}
	try {
		conn.simple(fmt::format("CREATE EXTENSION migrate SCHEMA {}", quote_ident(schema)));
	} catch (ServerError &e) {
		e.set_hint(
		    (e.hint().empty() ? std::string() : e.hint() + "\n") +
		    "install-extension needs the migrate package on the server and a role allowed to create the extension "
		    "(usually a superuser). Nothing was changed" +
		    (moving ? ": the database stays in client mode (--no-extension)." : "."));
		throw;
	}
	Host ext = *find_extension(conn);
	if (moving)
		record_client_owner(conn, aside); // for uninstall-extension

	Moved moved;
	if (moving) {
		moved = copy_state(conn, aside);
		// Whoever could migrate in client mode (wrote the tables) can through the extension.
		for (const auto &w : grants.writers)
			conn.simple(extension_rights(ext, w));
		// Without CASCADE: anything else in that schema, or using its tables, stops the move.
		conn.simple(fmt::format("DROP TABLE {}, {}, {}; DROP TABLE IF EXISTS {}", qualified(aside, "version"),
		                        qualified(aside, "log"), qualified(aside, "revisions"),
		                        qualified(aside, "lock_holder")));
		try {
			conn.simple(fmt::format("DROP SCHEMA {}", quote_ident(aside)));
		} catch (ServerError &e) {
			e.set_hint("Schema migrate holds objects other than pgmigrate's state: move them to another schema and "
			           "run install-extension again. Nothing was changed.");
			throw;
		}
	}
	tx.commit();

	if (moving) {
		out().result(fmt::format("Moved database \"{}\" from client mode into the migrate extension {} (functions in "
		                         "schema {}): {}.",
		                         db, ext.version, ext.schema, summary(moved)));
		for (const auto &g : grants.other)
			out().note("Dropped (not carried into the extension): " + g);
		if (!grants.writers.empty())
			out().note(fmt::format("Granted {} what migrating through the extension needs: EXECUTE on its "
			                       "state-changing functions (no rights on the state tables beyond reading them).",
			                       fmt::join(grants.writers, ", ")));
		out().note("From now on run pgmigrate without --no-extension; SELECT migrate_upgrade('head') works from psql.");
	} else {
		out().result(
		    fmt::format("Installed the migrate extension {} in database \"{}\" (functions in schema {}); there "
		                "was no client-mode state to move.",
		                ext.version, db, ext.schema));
	}
	report(moved, "extension");
	out().doc()["moved"] = moving;
	out().doc()["granted"] = std::vector<std::string>(grants.writers.begin(), grants.writers.end());
	out().doc()["dropped_grants"] = grants.other;
	return 0;
}

int
uninstall_extension(Context &ctx) {
	Connection &conn = ctx.connection();
	const std::string db = conn.database();
	auto not_installed = [&]() -> int {
		if (has_state_tables(conn)) {
			out().result(
			    fmt::format("Database \"{}\" is already in client mode (no migrate extension): nothing to move.", db));
			out().doc()["moved"] = false;
			out().doc()["mode"] = "client";
			return 0;
		}
		Failure f(fmt::format("the migrate extension is not installed in database \"{}\"", db), {},
		          "There is no migration state to move out of it.");
		f.set_sqlstate(migrate::sqlstate::undefined_file);
		throw f;
	};
	if (!find_extension(conn))
		return not_installed();

	Transaction tx(conn);
	conn.simple("SET LOCAL search_path = pg_catalog, pg_temp"); // PostgreSQL's own functions and operators only
	acquire_state_lock(conn, ctx.options().lock_wait);
	auto ext = find_extension(conn);
	if (!ext)
		return not_installed();
	std::vector<std::string> grants = carried_grants(conn);
	auto [owner, owner_super] = schema_owner(conn, "migrate");
	std::vector<std::string> migrators = extension_migrators(conn, *ext);
	std::string back_to = client_owner(conn);
	if (back_to == conn.user() ||
	    !conn.query("SELECT pg_catalog.pg_has_role($1, 'MEMBER') OR (SELECT rolsuper FROM pg_catalog.pg_roles "
	                "WHERE rolname OPERATOR(pg_catalog.=) CURRENT_USER)",
	                {back_to.empty() ? conn.user() : back_to})
	         .get_bool(0, 0))
		back_to.clear(); // ALTER ... OWNER TO needs a superuser or a member of that role
	const std::string aside = aside_name(conn);
	// The extension's schema migrate (one of its members) goes aside and is dropped with it.
	try {
		conn.simple(fmt::format("ALTER SCHEMA migrate RENAME TO {}", quote_ident(aside)));
	} catch (ServerError &e) {
		if (e.sqlstate() == migrate::sqlstate::insufficient_privilege)
			e.set_hint("uninstall-extension needs a role that owns the extension and its schema migrate (usually a "
			           "superuser). Nothing was changed.");
		throw;
	}
	conn.simple("SET LOCAL client_min_messages = warning");
	conn.simple(state_sql);
	conn.simple("RESET client_min_messages");
	Moved moved = copy_state(conn, aside);
	if (!back_to.empty()) // the tables first: they need CREATE on the schema (ALTER TABLE moves the log's sequence too)
		conn.simple(fmt::format("ALTER TABLE migrate.revisions OWNER TO {0}; ALTER TABLE migrate.version OWNER TO {0}; "
		                        "ALTER TABLE migrate.log OWNER TO {0}; ALTER TABLE migrate.lock_holder OWNER TO {0}; "
		                        "ALTER SCHEMA migrate OWNER TO {0}",
		                        quote_ident(back_to)));
	for (const auto &g : grants)
		conn.simple(g);
	if (owner != conn.user() && !owner_super && owner != back_to)
		conn.simple(migrate_rights(quote_ident(owner)));
	// Whoever could migrate through the extension (EXECUTE on migrate_upgrade) can in client mode.
	std::erase(migrators, quote_ident(back_to)); // the owner writes its own tables
	for (const auto &m : migrators)
		conn.simple(migrate_rights(m));
	try {
		conn.simple("DROP EXTENSION migrate");
	} catch (ServerError &e) {
		e.set_hint((e.hint().empty() ? std::string() : e.hint() + "\n") +
		           "Objects outside the extension use it (see DETAIL): drop or change them and run uninstall-extension "
		           "again. Nothing was changed.");
		throw;
	}
	tx.commit();

	out().result(
	    fmt::format("Moved database \"{}\" from the migrate extension to client mode and dropped the extension: "
	                "{}.",
	                db, summary(moved)));
	if (!migrators.empty())
		out().note(fmt::format("Granted {} what migrating in client mode needs: writing the state tables (the log: "
		                       "INSERT only).",
		                       fmt::join(migrators, ", ")));
	out().note(fmt::format("Schema migrate and its tables belong to {}.", back_to.empty() ? conn.user() : back_to));
	out().note("From now on run pgmigrate with --no-extension (or PGMIGRATE_NO_EXTENSION=1).");
	report(moved, "client");
	out().doc()["owner"] = back_to.empty() ? conn.user() : back_to;
	return 0;
}

} // namespace pgmigrate::commands
