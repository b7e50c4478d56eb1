// Lock-safe apply (see lock_retry.hpp): attempts, pauses, and the sessions in the way.
#include "migrate/lock_retry.hpp"

#include "migrate/error.hpp"
#include "migrate/state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace migrate {

namespace {

// Sessions holding a granted lock on one of the relations $1 (names as written; those that do
// not exist are skipped), other than this one: what a statement naming them waits for. The
// extension runs this as the state's owner, so what pg_stat_activity keeps from roles without
// the right (state, since when, query) is shown only when the session's own user may see it.
constexpr std::string_view blockers_sql =
    "SELECT l.pid, COALESCE(a.application_name, ''), "
    "CASE WHEN v.visible THEN COALESCE(a.state, '') ELSE '' END, "
    "CASE WHEN v.visible THEN COALESCE(pg_catalog.floor(EXTRACT(epoch FROM pg_catalog.clock_timestamp() "
    "OPERATOR(pg_catalog.-) a.state_change))::pg_catalog.int8, 0) ELSE 0 END, "
    "CASE WHEN v.visible THEN pg_catalog.left(pg_catalog.regexp_replace(COALESCE(a.query, ''), '\\s+', ' ', 'g'), "
    "60) ELSE '' END, "
    "l.mode, l.relation::pg_catalog.regclass::pg_catalog.text "
    "FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) l.pid "
    "CROSS JOIN LATERAL (SELECT a.usesysid IS NOT NULL AND (pg_catalog.pg_has_role(SESSION_USER, a.usesysid, "
    "'MEMBER') OR pg_catalog.pg_has_role(SESSION_USER, 'pg_read_all_stats', 'MEMBER')) AS visible) v "
    "WHERE l.granted AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid() "
    "AND l.database OPERATOR(pg_catalog.=) (SELECT oid FROM pg_catalog.pg_database "
    "WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database()) "
    "AND l.relation OPERATOR(pg_catalog.=) ANY (SELECT pg_catalog.to_regclass(n) "
    "FROM pg_catalog.unnest($1::pg_catalog.text[]) AS n) "
    "ORDER BY a.state_change NULLS LAST, l.pid";

// "public.agents: pid 4242 (AccessShareLock; app "web", idle in transaction for 41 s: SELECT ...)",
// one per blocking lock; empty when no session holds one (it ended, or the names are unknown).
std::vector<std::string>
blockers(Database &db, const std::vector<std::string> &relations) {
	std::vector<std::string> lines;
	if (relations.empty())
		return lines;
	const std::vector<std::string_view> names(relations.begin(), relations.end());
	db.query(state::fresh_activity_sql); // this transaction's earlier look is stale by now
	for (const Row &r : db.query(blockers_sql, {state::text_array_literal(names)})) {
		auto v = [&](std::size_t i) { return r.at(i).value_or(""); };
		std::string app = v(1).empty() ? std::string() : fmt::format("app \"{}\", ", v(1));
		std::string state = v(2).empty() ? "state not visible to this role" : fmt::format("{} for {} s", v(2), v(3));
		std::string query = v(4).empty() ? std::string() : fmt::format(": {}", v(4));
		lines.push_back(fmt::format("{}: pid {} ({}; {}{}{})", v(6), v(0), v(5), app, state, query));
	}
	return lines;
}

// Undoes the attempt on the way out of an error that is not retried: the error is what matters, not
// a failure to undo (a connection that is gone); the transaction's end undoes it anyway.
void
undo_quietly(Database &db) noexcept {
	try {
		db.end_attempt(false);
	} catch (...) {
	}
}

bool
lock_timed_out(const Error &e) {
	return e.sqlstate() == sqlstate::lock_not_available && !e.statement.empty();
}

} // namespace

double
backoff_seconds(int k, double jitter01) {
	const double base = std::min(30.0, 0.5 * std::pow(2.0, std::min(k, 16)));
	return base * (0.75 + 0.5 * std::clamp(jitter01, 0.0, 1.0));
}

std::string_view
effective_lock_timeout(const Revision &revision, const LockPolicy &policy) {
	// transactional: false revisions (CREATE INDEX CONCURRENTLY) wait for every older transaction
	// without blocking the application, and are not retried: only their own header applies.
	if (!revision.lock_timeout.empty() || !revision.transactional)
		return revision.lock_timeout;
	return policy.lock_timeout;
}

void
with_lock_retry(Database &db, const std::function<void()> &attempt) {
	const LockPolicy policy = db.lock_policy();
	std::minstd_rand random(std::random_device{}());
	std::uniform_real_distribution<double> jitter(0.0, 1.0);
	for (int k = 0;; ++k) {
		db.begin_attempt();
		try {
			attempt();
		} catch (Error &e) {
			if (!lock_timed_out(e)) {
				undo_quietly(db);
				throw;
			}
			db.end_attempt(false); // undone: nothing of this attempt stays
			const std::vector<std::string> in_the_way = blockers(db, db.relations_of(e.statement));
			const std::string who = in_the_way.empty() ? std::string("no session holds a lock on it now")
			                                           : fmt::format("{}", fmt::join(in_the_way, "; "));
			if (k >= policy.retries) {
				const std::string tried = fmt::format("Tried {} time{}, each waiting up to lock_timeout {}.", k + 1,
				                                      k == 0 ? "" : "s", policy.lock_timeout);
				e.set_detail(
				    fmt::format("{}{}Blocked by: {}", e.detail().empty() ? "" : e.detail() + "\n", tried + "\n", who));
				if (e.hint().empty())
					e.set_hint("Nothing was applied. End or wait for the sessions named above, then run the migration "
					           "again; or allow longer waits (migrate.lock_timeout, pgmigrate --lock-timeout, or the "
					           "revision's lock_timeout: header) or more retries (migrate.lock_retries, "
					           "--lock-retries).");
				throw;
			}
			const double pause = backoff_seconds(k, jitter(random));
			db.report(fmt::format("waiting for a lock (lock_timeout {}, try {} of {}): blocked by {}; next try in "
			                      "{:.1f} s",
			                      policy.lock_timeout, k + 1, policy.retries + 1, who, pause));
			db.pause(pause);
			continue;
		} catch (...) {
			undo_quietly(db);
			throw;
		}
		db.end_attempt(true);
		return;
	}
}

} // namespace migrate
