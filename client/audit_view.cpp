// The audit log's last upgrade of each revision (see audit_view.hpp).
#include "audit_view.hpp"

#include "migrate/state.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

namespace pgmigrate {

namespace {

// "pid 4242 (app "web", AccessShareLock on public.agents, idle in transaction for 41 s)"
std::string
blocker_text(const nlohmann::json &b) {
	std::vector<std::string> parts;
	if (const std::string app = b.value("application_name", ""); !app.empty())
		parts.push_back(fmt::format("app \"{}\"", app));
	parts.push_back(fmt::format("{} on {}", b.value("mode", ""), b.value("relation", "")));
	if (b.contains("state"))
		parts.push_back(fmt::format("{} for {} s", b.value("state", ""), b.value("state_for_s", 0)));
	return fmt::format("pid {} ({})", b.value("pid", 0), fmt::join(parts, ", "));
}

} // namespace

std::unordered_map<std::string, AuditEntry>
last_upgrades(Connection &conn) {
	std::unordered_map<std::string, AuditEntry> entries;
	if (!conn.query("SELECT pg_catalog.to_regclass('migrate.log') IS NOT NULL").get_bool(0, 0))
		return entries;
	const bool traced = conn.query(std::string(migrate::state::log_traced_sql)).get_bool(0, 0);
	const Result r = conn.query(fmt::format(
	    "SELECT DISTINCT ON (revision) revision, pg_catalog.to_char(finished_at, 'YYYY-MM-DD HH24:MI:SS TZ'), "
	    "\"session_user\", pg_catalog.round(duration_ms::pg_catalog.numeric, 1), {} FROM migrate.log "
	    "WHERE direction OPERATOR(pg_catalog.=) 'upgrade' ORDER BY revision, id DESC",
	    traced ? "locks, pg_catalog.array_to_json(rewritten), lock_waits" : "NULL, NULL, NULL"));
	for (int row = 0; row < r.rows(); ++row) {
		AuditEntry e;
		e.json = {{"finished_at", r.get(row, 1)}, {"session_user", r.get(row, 2)}};
		e.text = fmt::format("Applied: {} by {}{}\n", r.get(row, 1), r.get(row, 2),
		                     r.is_null(row, 3) ? std::string() : fmt::format(" in {} ms", r.get(row, 3)));
		const auto json_of = [&](int col) {
			return r.is_null(row, col) ? nlohmann::json() : nlohmann::json::parse(r.get(row, col), nullptr, false);
		};
		if (const nlohmann::json locks = json_of(4); locks.is_object() && !locks.empty()) {
			std::vector<std::string> held;
			for (const auto &[relation, mode] : locks.items())
				held.push_back(fmt::format("{} {}", relation, mode.is_string() ? mode.get<std::string>() : ""));
			e.text += fmt::format("Locked: {}\n", fmt::join(held, ", "));
			e.json["locks"] = locks;
		}
		if (const nlohmann::json rewritten = json_of(5); rewritten.is_array() && !rewritten.empty()) {
			std::vector<std::string> names;
			for (const auto &name : rewritten)
				names.push_back(name.is_string() ? name.get<std::string>() : "");
			e.text += fmt::format("Rewrote: {}\n", fmt::join(names, ", "));
			e.json["rewritten"] = rewritten;
		}
		if (const nlohmann::json waits = json_of(6); waits.is_array() && !waits.empty()) {
			for (const auto &w : waits) {
				std::vector<std::string> blockers;
				if (w.contains("blockers") && w["blockers"].is_array())
					for (const auto &b : w["blockers"])
						blockers.push_back(blocker_text(b));
				e.text += fmt::format("Waited: try {} timed out after {} on: {}; blocked by {}\n",
				                      w.value("attempt", 0), w.value("lock_timeout", ""), w.value("statement", ""),
				                      blockers.empty() ? std::string("no session by then")
				                                       : fmt::format("{}", fmt::join(blockers, "; ")));
			}
			e.json["lock_waits"] = waits;
		}
		entries.emplace(r.get(row, 0), std::move(e));
	}
	return entries;
}

} // namespace pgmigrate
