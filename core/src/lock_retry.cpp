// Lock-safe apply (see lock_retry.hpp): attempts, pauses, and the sessions in the way.
#include "migrate/lock_retry.hpp"

#include "migrate/error.hpp"
#include "migrate/state.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <random>

namespace migrate {

namespace {

// Sessions holding a granted lock on one of the relations $1 (names as written; those that do
// not exist are skipped), other than this one: what a statement naming them waits for; each named with its schema. The
// extension runs this as the state's owner, so what pg_stat_activity keeps from roles without
// the right (state, since when, query) is shown only when the session's own user may see it.
constexpr std::string_view blockers_sql =
    "SELECT l.pid, COALESCE(a.application_name, ''), "
    "CASE WHEN v.visible THEN COALESCE(a.state, '') ELSE '' END, "
    "CASE WHEN v.visible THEN COALESCE(pg_catalog.floor(EXTRACT(epoch FROM pg_catalog.clock_timestamp() "
    "OPERATOR(pg_catalog.-) a.state_change))::pg_catalog.int8, 0) ELSE 0 END, "
    "CASE WHEN v.visible THEN pg_catalog.left(pg_catalog.regexp_replace(COALESCE(a.query, ''), '\\s+', ' ', 'g'), "
    "60) ELSE '' END, "
    "l.mode, pg_catalog.format('%I.%I', n.nspname, c.relname) "
    "FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) l.pid "
    "JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.relation "
    "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
    "CROSS JOIN LATERAL (SELECT a.usesysid IS NOT NULL AND (pg_catalog.pg_has_role(SESSION_USER, a.usesysid, "
    "'MEMBER') OR pg_catalog.pg_has_role(SESSION_USER, 'pg_read_all_stats', 'MEMBER')) AS visible) v "
    "WHERE l.granted AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid() "
    "AND l.database OPERATOR(pg_catalog.=) (SELECT oid FROM pg_catalog.pg_database "
    "WHERE datname OPERATOR(pg_catalog.=) pg_catalog.current_database()) "
    "AND l.relation OPERATOR(pg_catalog.=) ANY (SELECT pg_catalog.to_regclass(n) "
    "FROM pg_catalog.unnest($1::pg_catalog.text[]) AS n) "
    "ORDER BY a.state_change NULLS LAST, l.pid";

// The sessions holding a lock on `relations`; none when no session holds one (it ended, or the
// names are unknown).
std::vector<Blocker>
blockers(Database &db, const std::vector<std::string> &relations) {
	std::vector<Blocker> found;
	if (relations.empty())
		return found;
	const std::vector<std::string_view> names(relations.begin(), relations.end());
	db.query(state::fresh_activity_sql); // this transaction's earlier look is stale by now
	for (const Row &r : db.query(blockers_sql, {state::text_array_literal(names)})) {
		auto v = [&](std::size_t i) { return r.at(i).value_or(""); };
		found.push_back({v(0), v(1), v(2), v(2).empty() ? 0 : std::stoll(v(3)), v(4), v(5), v(6)});
	}
	return found;
}

// "public.agents: pid 4242 (AccessShareLock; app "web", idle in transaction for 41 s: SELECT ...)"
std::string
describe(const Blocker &b) {
	std::string app = b.application_name.empty() ? std::string() : fmt::format("app \"{}\", ", b.application_name);
	std::string state =
	    b.state.empty() ? "state not visible to this role" : fmt::format("{} for {} s", b.state, b.state_for_s);
	std::string query = b.query.empty() ? std::string() : fmt::format(": {}", b.query);
	return fmt::format("{}: pid {} ({}; {}{}{})", b.relation, b.pid, b.mode, app, state, query);
}

std::string
describe(const std::vector<Blocker> &in_the_way) {
	if (in_the_way.empty())
		return "no session holds a lock on it now";
	std::vector<std::string> lines;
	for (const Blocker &b : in_the_way)
		lines.push_back(describe(b));
	return fmt::format("{}", fmt::join(lines, "; "));
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

// A statement's first 200 bytes, whitespace runs as one space: what the log keeps of it.
std::string
statement_start(std::string_view statement) {
	std::string out;
	for (char c : statement) {
		if (out.size() >= 200)
			break;
		const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
		if (space && (out.empty() || out.back() == ' '))
			continue;
		out.push_back(space ? ' ' : c);
	}
	while (!out.empty() && out.back() == ' ')
		out.pop_back();
	return out;
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

std::string
lock_waits_json(const std::vector<LockWait> &waits) {
	if (waits.empty())
		return {};
	nlohmann::json out = nlohmann::json::array();
	for (const LockWait &w : waits) {
		nlohmann::json in_the_way = nlohmann::json::array();
		for (const Blocker &b : w.blockers) {
			nlohmann::json one = {{"pid", std::stoll(b.pid)},
			                      {"relation", b.relation},
			                      {"mode", b.mode},
			                      {"application_name", b.application_name}};
			if (!b.state.empty()) {
				one["state"] = b.state;
				one["state_for_s"] = b.state_for_s;
				one["query"] = b.query;
			}
			in_the_way.push_back(std::move(one));
		}
		out.push_back({{"attempt", w.attempt},
		               {"lock_timeout", w.lock_timeout},
		               {"statement", w.statement},
		               {"blockers", std::move(in_the_way)},
		               {"pause_s", std::round(w.pause_s * 1000) / 1000}});
	}
	// Replaced, not thrown: a statement's start cut inside a multibyte character is still logged.
	return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void
with_lock_retry(Database &db, const std::function<void()> &attempt, const std::function<void(LockWait)> &waited) {
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
			const std::vector<Blocker> in_the_way = blockers(db, db.relations_of(e.statement));
			const std::string who = describe(in_the_way);
			const bool last = k >= policy.retries;
			const double pause = last ? 0 : backoff_seconds(k, jitter(random));
			if (waited)
				waited({k + 1, policy.lock_timeout, statement_start(e.statement), in_the_way, pause});
			if (last) {
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
