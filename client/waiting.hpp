// Waiting: for the server to accept connections (--wait) and for another migrator to release
// the migration lock (--lock-wait), saying once what we wait for.
#pragma once

#include "connection.hpp"
#include "url.hpp"

namespace pgmigrate {

// Polls the server until it accepts connections or `seconds` pass (then throws Failure).
void wait_for_server(const DatabaseTarget &target, double seconds);

// Takes migrate's advisory lock without blocking in the server: tries, and while another
// session holds it prints `Waiting for another migration to finish (pid N)...` once and retries
// until `seconds` pass, then throws Failure. `session` takes the session-level lock (released
// by release_session_lock or the end of the connection), else the transaction-level one (the
// caller must be inside a transaction).
void acquire_migration_lock(Connection &conn, double seconds, bool session);
void release_session_lock(Connection &conn);

} // namespace pgmigrate
