// Waiting: for the server to accept connections (--wait) and for another migrator to release
// the migration lock (--lock-wait), saying once what we wait for.
#pragma once

#include "connection.hpp"
#include "host.hpp"
#include "url.hpp"

namespace pgmigrate {

// Polls the server until it accepts connections or `seconds` pass (then throws Failure).
void wait_for_server(const DatabaseTarget &target, double seconds);

// Takes the migration lock for the rest of the current transaction (the caller has opened one)
// without blocking in the server: tries it with NOWAIT inside a savepoint, and while another
// session holds it (or holds it across commits: a transactional: false revision in progress)
// prints `Waiting for another migration to finish (pid N)...` once and retries until `seconds`
// pass, then throws Failure (55P03). Over the extension through migrate_lock; in client mode the
// engine's own Database::lock_state.
void acquire_migration_lock(Connection &conn, const Host &host, double seconds);

// The same wait for the lock on migrate.version alone, for commands that create or move the state
// tables (whose migrate.lock_holder may not exist yet); nothing to take before migrate.version exists.
void acquire_state_lock(Connection &conn, double seconds);

} // namespace pgmigrate
