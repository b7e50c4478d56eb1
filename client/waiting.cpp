// --wait and --lock-wait: polling with a clear message instead of hanging silently.
#include "waiting.hpp"

#include "migrate/state.hpp"
#include "output.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace pgmigrate {

namespace {

using Clock = std::chrono::steady_clock;

double
since(Clock::time_point start) {
	return std::chrono::duration<double>(Clock::now() - start).count();
}

// The pid holding migrate's lock in this database (key 1835624306: classid 0, objid the key,
// objsubid 1 for a one-bigint advisory key; advisory locks are per database), or "" when nobody does.
std::string
lock_holder(Connection &conn) {
	auto r = conn.query("SELECT l.pid FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_database d "
	                    "ON d.oid OPERATOR(pg_catalog.=) l.database "
	                    "WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory' AND l.classid OPERATOR(pg_catalog.=) 0::pg_catalog.oid "
	                    "AND l.objid OPERATOR(pg_catalog.=) $1::pg_catalog.oid AND l.objsubid OPERATOR(pg_catalog.=) 1::pg_catalog.int2 "
	                    "AND l.granted AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid() "
	                    "AND d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database() "
	                    "ORDER BY l.pid LIMIT 1",
	                    {std::to_string(migrate::state::lock_key)});
	return r.rows() > 0 ? r.get(0, 0) : std::string();
}

} // namespace

void
wait_for_server(const DatabaseTarget &target, double seconds) {
	std::vector<const char *> keys = {"dbname", "fallback_application_name", "connect_timeout", nullptr};
	std::vector<const char *> values = {target.conninfo.c_str(), "pgmigrate", "5", nullptr};
	auto start = Clock::now();
	bool said = false;
	for (;;) {
		PGPing ping = PQpingParams(keys.data(), values.data(), 1);
		if (ping == PQPING_OK)
			return;
		if (ping == PQPING_NO_ATTEMPT)
			return; // bad parameters: connecting will say what is wrong
		if (interrupted())
			throw Failure("interrupted while waiting for the database server");
		if (since(start) >= seconds)
			throw Failure(fmt::format("the database server did not accept connections within {} s", seconds),
			              fmt::format("Waited for {}.", target.display),
			              "Check that the server is running and reachable, or wait longer with --wait SECONDS.");
		if (!said) {
			out().note(fmt::format("Waiting for the database server to accept connections ({})...", target.display));
			said = true;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(500));
	}
}

void
acquire_migration_lock(Connection &conn, double seconds, bool session) {
	const std::string key = std::to_string(migrate::state::lock_key);
	const std::string sql = session ? "SELECT pg_catalog.pg_try_advisory_lock($1::pg_catalog.int8)"
	                                : "SELECT pg_catalog.pg_try_advisory_xact_lock($1::pg_catalog.int8)";
	auto start = Clock::now();
	bool said = false;
	std::string holder;
	int pause_ms = 50;
	for (;;) {
		if (conn.query(sql, {key}).get_bool(0, 0)) {
			if (said)
				out().clear_status();
			return;
		}
		std::string now = lock_holder(conn);
		if (!now.empty())
			holder = now;
		if (!said) {
			out().note(fmt::format("Waiting for another migration to finish (pid {})...", holder.empty() ? "?" : holder));
			said = true;
		}
		if (since(start) >= seconds) {
			Failure f(fmt::format("timed out after {} s waiting for another migration to finish (pid {})", seconds,
			                      holder.empty() ? "?" : holder),
			          "Another session holds the migration lock, so nothing was changed.",
			          "Wait for it to finish (see pg_stat_activity for that pid) and run the command again, or wait "
			          "longer with --lock-wait SECONDS.");
			f.sqlstate = "55P03";
			throw f;
		}
		if (interrupted())
			throw Failure("interrupted while waiting for another migration to finish");
		out().status(fmt::format("waiting for pid {} to release the migration lock ({:.0f} s)", holder, since(start)));
		std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
		pause_ms = std::min(pause_ms * 2, 1000);
	}
}

void
release_session_lock(Connection &conn) {
	conn.query("SELECT pg_catalog.pg_advisory_unlock($1::pg_catalog.int8)", {std::to_string(migrate::state::lock_key)});
}

} // namespace pgmigrate
