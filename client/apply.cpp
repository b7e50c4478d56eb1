// Running a plan against the database, with progress as it happens.
#include "apply.hpp"

#include "libpq_database.hpp"
#include "migrate/error.hpp"
#include "migrate/plan.hpp"
#include "migrate/runner.hpp"
#include "migrate/state.hpp"
#include "output.hpp"
#include "waiting.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <optional>

namespace pgmigrate {

namespace {

using Clock = std::chrono::steady_clock;
using migrate::Direction;

// Whether the plan holds a transactional: false revision, which only the client can run. Planned
// here only when the server stores such a revision at all. (The [k/N] counter needs no plan: the
// runner counts its steps, and the extension sends the count when asked, see Progress.)
bool
plan_has_non_transactional(Connection &conn, const ApplyRequest &req) {
	if (!conn.query("SELECT EXISTS (SELECT 1 FROM migrate.revisions WHERE NOT transactional)").get_bool(0, 0))
		return false;
	try {
		LibpqDatabase db(conn, false);
		migrate::Runner runner(db);
		migrate::RevisionGraph graph = runner.load_graph();
		auto current = migrate::resolve_version_rows(graph, runner.version_rows());
		migrate::Plan plan = req.direction == Direction::upgrade ? migrate::plan_upgrade(graph, current, req.target)
		                                                         : migrate::plan_downgrade(graph, current, req.target);
		for (const auto &step : plan.steps)
			if (!graph[step.revision].transactional)
				return true;
		return false;
	} catch (const migrate::Error &) {
		return false; // the extension reports the same error in its own words
	}
}

// Prints `Running ...` lines as they arrive and keeps the terminal status line up to date.
// The plan's size comes with each step: from the client's runner, or as the DETAIL of the
// extension's notice when the session asked for it (migrate::step_count_setting).
class Progress {
public:
	explicit Progress(Connection &conn) : conn_(conn), start_(Clock::now()) {
		conn_.on_notice([this](const Notice &n) {
			if (n.message.starts_with("Running ")) {
				auto count = migrate::parse_step_count(n.detail);
				step(n.message, count ? count->steps : 0);
			} else
				Connection::default_notice(n);
		});
		conn_.on_tick([this] { tick(); });
	}
	~Progress() {
		conn_.on_notice(&Connection::default_notice);
		conn_.on_tick(nullptr);
		out().clear_status();
	}

	void step(std::string_view line, std::size_t steps) {
		out().progress(line);
		if (steps != 0)
			total_ = steps;
		++seen_;
		label_ = std::string(line.substr(8)); // after "Running "
		step_start_ = Clock::now();
		tick();
	}
	void tick() {
		if (!out().status_enabled() || seen_ == 0)
			return;
		double secs = std::chrono::duration<double>(Clock::now() - step_start_).count();
		if (secs < 0.5)
			return;
		std::string count = total_ > 0 ? fmt::format("[{}/{}]", seen_, total_) : fmt::format("[{}]", seen_);
		std::string label = label_.size() > 60 ? label_.substr(0, 57) + "..." : label_;
		out().status(fmt::format("{} {} ({:.0f} s)", count, label, secs));
	}
	std::size_t seen() const { return seen_; }

private:
	Connection &conn_;
	std::size_t total_ = 0;
	std::size_t seen_ = 0;
	std::string label_;
	Clock::time_point start_, step_start_;
};

// "out of shared memory" from a plan in one transaction: the lock table is full.
void
add_lock_slots_hint(migrate::Error &e) {
	if (e.sqlstate() == migrate::sqlstate::out_of_memory &&
	    e.hint().find("--transaction-per-revision") == std::string::npos)
		e.set_hint("One transaction over this plan needs more locks than the server's lock table holds. Run it with "
		           "--transaction-per-revision (one commit per revision), or raise max_locks_per_transaction on the "
		           "server." +
		           (e.hint().empty() ? std::string() : " (" + e.hint() + ")"));
}

// The audit log's last id: a failed run that committed part of its plan (transactional: false
// revisions, --transaction-per-revision) logged the steps that stay after it. Taken under the lock.
long long
log_mark(Connection &conn) {
	try {
		return std::stoll(conn.query("SELECT COALESCE(pg_catalog.max(id), 0) FROM migrate.log").get(0, 0));
	} catch (const Failure &) {
		return -1; // no log to read: no report
	}
}

// A step the audit log holds, and whether its revision is `transactional: false`.
struct LoggedStep {
	AppliedStep step;
	bool non_transactional = false;
};

// The upgrade and downgrade steps logged after `mark` (log_mark), oldest first: under the lock,
// the steps this run committed. Read from the log's rows, not from the progress notices, whose
// text cannot tell a merge's parents from the message that follows them.
std::vector<LoggedStep>
logged_steps(Connection &conn, long long mark) {
	Result r = conn.query("SELECT l.revision, l.direction, l.down_revision, COALESCE(v.message, ''), l.duration_ms, "
	                      "NOT COALESCE(v.transactional, true) FROM migrate.log l "
	                      "LEFT JOIN migrate.revisions v ON v.revision OPERATOR(pg_catalog.=) l.revision "
	                      "WHERE l.id OPERATOR(pg_catalog.>) $1::pg_catalog.int8 "
	                      "AND l.direction OPERATOR(pg_catalog.=) ANY ('{upgrade,downgrade}'::pg_catalog.text[]) "
	                      "ORDER BY l.id",
	                      {std::to_string(mark)});
	std::vector<LoggedStep> steps;
	steps.reserve(static_cast<std::size_t>(r.rows()));
	for (int i = 0; i < r.rows(); ++i)
		steps.push_back(
		    {{r.get(i, 1), r.get(i, 0), r.get(i, 2), r.get(i, 3), r.is_null(i, 4) ? 0.0 : std::stod(r.get(i, 4))},
		     r.get_bool(i, 5)});
	return steps;
}

// The steps a run through migrate_*_per_revision committed (the procedure returns no rows).
std::vector<AppliedStep>
committed_steps(Connection &conn, long long mark) {
	std::vector<AppliedStep> steps;
	if (mark >= 0) {
		auto logged = logged_steps(conn, mark);
		steps.reserve(logged.size());
		for (auto &l : logged)
			steps.push_back(std::move(l.step));
	}
	return steps;
}

// After a run failed and rolled back what it could: the steps that stayed committed (logged after
// `mark`) and where the database is now, as items of the failure. A plan that committed nothing
// (one transaction) adds nothing; nor does a connection that is gone.
void
report_committed(Connection &conn, long long mark, Failure &f) {
	if (mark < 0)
		return;
	try {
		if (PQstatus(conn.raw()) != CONNECTION_OK || conn.in_transaction())
			return;
		std::vector<LoggedStep> logged = logged_steps(conn, mark);
		if (logged.empty())
			return;
		std::vector<std::string> committed;
		for (const auto &l : logged) {
			std::vector<std::string> notes;
			if (l.step.direction == "downgrade")
				notes.push_back("downgrade");
			if (l.non_transactional)
				notes.push_back("transactional: false");
			committed.push_back(notes.empty() ? l.step.revision
			                                  : fmt::format("{} ({})", l.step.revision, fmt::join(notes, ", ")));
		}
		std::vector<std::string> now = version_rows(conn);
		f.items.push_back(fmt::format("Committed before the failure: {}", fmt::join(committed, ", ")));
		f.items.push_back(fmt::format("The database is now at {}.",
		                              now.empty() ? std::string("base") : fmt::format("{}", fmt::join(now, ", "))));
	} catch (...) {
		// the failure itself is what matters
	}
}

std::vector<AppliedStep>
with_client_runner(Connection &conn, const Host &host, const ApplyRequest &req, Progress &progress, double lock_wait) {
	LibpqDatabase db(conn, req.per_revision);
	if (!host.client) // the extension locks and records: EXECUTE is enough
		db.through_extension(host);
	db.on_notice([&](std::string_view line, std::size_t, std::size_t steps) { progress.step(line, steps); });
	std::vector<migrate::StepResult> results;
	long long mark = -1;
	try {
		db.begin();
		acquire_migration_lock(conn, host, lock_wait);
		mark = log_mark(conn);
		migrate::Runner runner(db);
		results = req.direction == Direction::upgrade ? runner.upgrade(req.target) : runner.downgrade(req.target);
		db.commit();
	} catch (const migrate::Error &e) {
		db.rollback();
		Failure f(e);
		add_lock_slots_hint(f);
		report_committed(conn, mark, f);
		throw f;
	} catch (...) {
		db.rollback();
		throw;
	}
	std::vector<AppliedStep> steps;
	const char *dir = req.direction == Direction::upgrade ? "upgrade" : "downgrade";
	for (const auto &r : results)
		steps.push_back({dir, r.revision, r.down_revision, r.message, r.duration_ms});
	return steps;
}

} // namespace

std::vector<AppliedStep>
apply_online(Connection &conn, const Host &host, const ApplyRequest &req, double lock_wait) {
	const bool up = req.direction == Direction::upgrade;
	Progress progress(conn);
	if (host.client || plan_has_non_transactional(conn, req))
		return with_client_runner(conn, host, req, progress, lock_wait);
	// The status line's [k/N]: the extension says N with each step when asked.
	const bool count_steps = out().status_enabled();

	const char *procedure = up ? "migrate_upgrade_per_revision" : "migrate_downgrade_per_revision";
	if (req.per_revision &&
	    !conn.query("SELECT pg_catalog.to_regprocedure($1) IS NOT NULL", {host.fn(procedure) + "(text)"})
	         .get_bool(0, 0))
		return with_client_runner(conn, host, req, progress, lock_wait); // an extension without the procedures

	std::vector<AppliedStep> steps;
	if (req.per_revision) {
		// The procedure takes the lock for each revision itself (and plans again when another
		// migrator got in between); waiting for it here first is what says whom it waits for.
		long long mark;
		{
			Transaction wait(conn);
			acquire_migration_lock(conn, host, lock_wait);
			mark = log_mark(conn);
		}
		try {
			// For the session, since the procedure commits: the same quiet and counting as below.
			std::vector<std::string> settings;
			if (out().quiet())
				settings.push_back("SET client_min_messages = warning");
			if (count_steps)
				settings.push_back(fmt::format("SET {} = on", migrate::step_count_setting));
			if (!settings.empty())
				conn.simple(fmt::format("{}", fmt::join(settings, "; ")));
			conn.simple(fmt::format("CALL {}({})", host.fn(procedure), migrate::state::quote_literal(req.target)));
		} catch (Failure &f) {
			report_committed(conn, mark, f); // the revisions before the failing one stay committed
			throw;
		}
		if (req.report_steps)
			steps = committed_steps(conn, mark);
	} else {
		// Quiet: the client would drop the step notices (and any other NOTICE), so the server need
		// not send them: one message per step, a few per cent of a long plan.
		std::string begin = "BEGIN ISOLATION LEVEL READ COMMITTED";
		if (out().quiet())
			begin += "; SET LOCAL client_min_messages = warning";
		if (count_steps)
			begin += fmt::format("; SET LOCAL {} = on", migrate::step_count_setting);
		Transaction tx(conn, begin);
		acquire_migration_lock(conn, host, lock_wait);
		Result r;
		try {
			r = conn.query(fmt::format("SELECT revision, down_revision, message, duration_ms FROM {}($1)",
			                           host.fn(up ? "migrate_upgrade" : "migrate_downgrade")),
			               {req.target});
		} catch (ServerError &e) {
			add_lock_slots_hint(e);
			throw;
		}
		tx.commit();
		steps.reserve(static_cast<std::size_t>(r.rows()));
		for (int i = 0; i < r.rows(); ++i) {
			AppliedStep s{up ? "upgrade" : "downgrade", r.get(i, 0), r.get(i, 1), r.get(i, 2),
			              r.is_null(i, 3) ? 0.0 : std::stod(r.get(i, 3))};
			steps.push_back(s);
		}
		// An extension that sends no notices: say it afterwards.
		if (progress.seen() == 0)
			for (const auto &s : steps)
				out().progress(migrate::running_line(req.direction, s.revision, s.down_revision, s.message));
	}
	return steps;
}

} // namespace pgmigrate
