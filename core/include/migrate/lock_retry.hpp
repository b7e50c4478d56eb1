// Lock-safe apply: every statement of a revision waits at most a lock_timeout for its locks, so
// that a migration stuck behind a long transaction never queues the application's queries behind
// it for longer; when that wait times out, the attempt is undone and tried again after a pause,
// and the sessions in the way are named.
//
// Where the retry lives: around a whole attempt (the plan in one transaction, or one revision
// in per-revision mode), inside the transaction, as a subtransaction (the extension) or a
// savepoint (the client). Never around each revision of a one-transaction plan: a subtransaction
// per revision overflows the backend's cache of 64 subtransaction ids on long plans, and every
// other session's snapshots get slower. An undone attempt applied nothing, so a retry never
// applies a revision twice, and a plan in one transaction stays all or nothing. Plans with
// `transactional: false` revisions are not retried (their statements commit one by one).
#pragma once

#include "migrate/database.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace migrate {

// The settings, the same in both modes: the extension defines them (GUCs); pgmigrate reads them
// from its session (set by --lock-timeout, --lock-retries, PGOPTIONS or ALTER ROLE ... SET).
inline constexpr const char *lock_timeout_setting = "migrate.lock_timeout";
inline constexpr const char *lock_retries_setting = "migrate.lock_retries";
inline constexpr int default_lock_timeout_ms = 500;
inline constexpr int default_lock_retries = 10;

struct LockPolicy {
	std::string lock_timeout; // PostgreSQL's lock_timeout for user statements; "" or "0": none
	int retries = 0;          // attempts after the first, each after a pause (backoff_seconds)
	bool trace = false;       // record each step's lock trace (lock_trace.hpp; migrate.lock_trace)
};

// The pause before retry `k` (0-based): 0.5 s doubling, at most 30 s, with ±25% jitter.
double backoff_seconds(int k, double jitter01);

// The lock_timeout user SQL of `revision` runs with: its own `lock_timeout:` header, else the
// policy's default (not for transactional: false revisions, which are not retried).
std::string_view effective_lock_timeout(const Revision &revision, const LockPolicy &policy);

// A session holding a lock that a timed-out statement waited for. state, state_for_s and query
// are empty (0) when the session's user may not see them.
struct Blocker {
	std::string pid;
	std::string application_name;
	std::string state; // "idle in transaction"
	long long state_for_s = 0;
	std::string query; // its start
	std::string mode;  // the lock it holds: "AccessShareLock"
	std::string relation;
};

// One lock wait that timed out: an attempt undone, and what was in the way.
struct LockWait {
	int attempt = 0; // 1-based
	std::string lock_timeout;
	std::string statement; // its start
	std::vector<Blocker> blockers;
	double pause_s = 0; // before the next attempt; 0 when it was the last
};

// The waits of one step as the audit log keeps them (migrate.log.lock_waits, jsonb text).
std::string lock_waits_json(const std::vector<LockWait> &waits);

// Runs `attempt` inside db.begin_attempt()/end_attempt(); when a statement fails for a lock it
// could not get in time (55P03), undoes the attempt, reports who holds locks on the tables that
// statement names (and hands the wait to `waited`, for the audit log), pauses and tries again, up
// to the policy's retries; then throws the last error with the blockers in its DETAIL.
void with_lock_retry(Database &db, const std::function<void()> &attempt,
                     const std::function<void(LockWait)> &waited = {});

} // namespace migrate
