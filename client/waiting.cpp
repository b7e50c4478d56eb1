// --wait and --lock-wait: polling with a clear message instead of hanging silently.
#include "waiting.hpp"

#include "libpq_database.hpp"
#include "migrate/error.hpp"
#include "migrate/runner.hpp"
#include "migrate/state.hpp"
#include "output.hpp"

#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <thread>

namespace pgmigrate {

namespace {

using Clock = std::chrono::steady_clock;

double
since(Clock::time_point start) {
	return std::chrono::duration<double>(Clock::now() - start).count();
}

// A session that holds the migration lock (a lock on migrate.version in a mode that conflicts
// with it) or holds it across commits (migrate.lock_holder), or "" when none is found.
std::string
lock_holder(Connection &conn) {
	auto r = conn.query("SELECT l.pid FROM pg_catalog.pg_locks l "
	                    "WHERE l.locktype OPERATOR(pg_catalog.=) 'relation' AND l.granted "
	                    "AND l.database OPERATOR(pg_catalog.=) (SELECT oid FROM pg_catalog.pg_database "
	                    "WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database()) "
	                    "AND l.relation OPERATOR(pg_catalog.=) pg_catalog.to_regclass('migrate.version') "
	                    "AND l.mode OPERATOR(pg_catalog.<>) ALL ('{AccessShareLock,RowShareLock}'::pg_catalog.text[]) "
	                    "AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid() ORDER BY l.pid LIMIT 1");
	if (r.rows() > 0)
		return r.get(0, 0);
	if (!conn.query("SELECT pg_catalog.to_regclass('migrate.lock_holder') IS NOT NULL").get_bool(0, 0))
		return {};
	r = conn.query(migrate::state::lock_holder_sql);
	if (r.rows() > 0) { // maybe seen through this transaction's stale activity snapshot: look again
		conn.query(migrate::state::fresh_activity_sql);
		r = conn.query(migrate::state::lock_holder_sql);
	}
	return r.rows() > 0 ? r.get(0, 0) : std::string();
}

// Tries `try_lock` (which fails with 55P03 while another session holds the lock) in a savepoint
// until it succeeds, saying once whom it waits for.
void
wait_for_lock(Connection &conn, double seconds, const std::function<void()> &try_lock) {
	auto start = Clock::now();
	bool said = false;
	std::string holder;
	int pause_ms = 50;
	for (;;) {
		conn.simple("SAVEPOINT pgmigrate_lock");
		bool taken = true;
		try {
			try_lock();
		} catch (const migrate::Error &e) { // the engine's (client mode) or the server's
			if (e.sqlstate() != migrate::sqlstate::lock_not_available)
				throw;
			taken = false;
		}
		if (taken) {
			conn.simple("RELEASE SAVEPOINT pgmigrate_lock");
			if (said)
				out().clear_status();
			return;
		}
		conn.simple("ROLLBACK TO SAVEPOINT pgmigrate_lock");
		std::string now = lock_holder(conn);
		if (!now.empty())
			holder = now;
		// A simple-protocol statement drops the unnamed portal of that query and the snapshot it
		// keeps: this transaction then holds no xmin while it sleeps, so the holder's CREATE INDEX
		// CONCURRENTLY (which waits for every older snapshot) does not wait for its waiter.
		conn.simple("RELEASE SAVEPOINT pgmigrate_lock");
		if (!said) {
			out().note(
			    fmt::format("Waiting for another migration to finish (pid {})...", holder.empty() ? "?" : holder));
			said = true;
		}
		if (since(start) >= seconds) {
			Failure f(fmt::format("timed out after {} s waiting for another migration to finish (pid {})", seconds,
			                      holder.empty() ? "?" : holder),
			          "Another session holds the migration lock, so nothing was changed.",
			          "Wait for it to finish (see pg_stat_activity for that pid) and run the command again, or wait "
			          "longer with --lock-wait SECONDS.");
			f.set_sqlstate(migrate::sqlstate::lock_not_available);
			throw f;
		}
		if (interrupted())
			throw Failure("interrupted while waiting for another migration to finish");
		out().status(fmt::format("waiting for pid {} to release the migration lock ({:.0f} s)", holder, since(start)));
		std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
		pause_ms = std::min(pause_ms * 2, 1000);
	}
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
acquire_migration_lock(Connection &conn, const Host &host, double seconds) {
	wait_for_lock(conn, seconds, [&] {
		LibpqDatabase db(conn, false);
		if (!host.client)
			db.through_extension(host);
		migrate::Runner(db).lock(true);
	});
}

void
acquire_state_lock(Connection &conn, double seconds) {
	if (!conn.query("SELECT pg_catalog.to_regclass('migrate.version') IS NOT NULL").get_bool(0, 0))
		return;
	wait_for_lock(conn, seconds, [&] { conn.simple(migrate::state::lock_nowait_sql); });
}

} // namespace pgmigrate
