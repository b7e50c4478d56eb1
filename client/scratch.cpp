// Creating and dropping throwaway databases.
#include "scratch.hpp"

#include "output.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <unistd.h>

namespace pgmigrate {

namespace {

// A process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or nullopt when
// there is no such process (or no /proc).
std::optional<std::uint64_t>
process_start(long pid) {
	std::ifstream in(fmt::format("/proc/{}/stat", pid));
	std::string stat;
	if (!in || !std::getline(in, stat))
		return std::nullopt;
	// The command name (field 2) is in parentheses and may hold spaces: count from its end.
	std::size_t close = stat.rfind(')');
	if (close == std::string::npos)
		return std::nullopt;
	std::istringstream fields(stat.substr(close + 1));
	std::string field;
	for (int n = 3; n <= 22 && fields >> field; ++n)
		if (n == 22)
			return std::stoull(field);
	return std::nullopt;
}

// This host as its processes see each other: host name and PID namespace (two containers with
// one host name but separate PID namespaces are two hosts here), hashed (FNV-1a, 32 bits).
std::uint32_t
host_id() {
	char name[256] = {};
	gethostname(name, sizeof name - 1);
	std::string text = name;
	char ns[128] = {};
	if (ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof ns - 1); n > 0)
		text += std::string("\n") + std::string(ns, static_cast<std::size_t>(n));
	std::uint32_t hash = 2166136261u;
	for (unsigned char c : text) {
		hash ^= c;
		hash *= 16777619u;
	}
	return hash;
}

std::int64_t
unix_now() {
	return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
	    .count();
}

struct Creator {
	std::int64_t created = 0;
	std::uint32_t host = 0;
	long pid = 0;
	std::uint64_t start = 0;
};

// The creator encoded in a scratch database's name, or nullopt (not ours, or an older format).
std::optional<Creator>
parse_name(std::string_view name, std::string_view prefix) {
	if (!name.starts_with(prefix) || name.size() <= prefix.size() || name[prefix.size()] != '_')
		return std::nullopt;
	std::vector<std::string> parts;
	std::string rest(name.substr(prefix.size() + 1));
	std::istringstream in(rest);
	for (std::string part; std::getline(in, part, '_');)
		parts.push_back(part);
	if (parts.size() != 5)
		return std::nullopt;
	for (const auto &p : parts)
		if (p.empty() || p.size() > 16 || p.find_first_not_of("0123456789abcdef") != std::string::npos)
			return std::nullopt;
	Creator c;
	c.created = static_cast<std::int64_t>(std::stoull(parts[0], nullptr, 16));
	c.host = static_cast<std::uint32_t>(std::stoull(parts[1], nullptr, 16));
	c.pid = static_cast<long>(std::stoull(parts[2], nullptr, 16));
	c.start = std::stoull(parts[3], nullptr, 16);
	return c;
}

// Why a database made by `c` is stale, or "" while its creator may still be running.
std::string
stale_reason(const Creator &c) {
	if (c.host == host_id()) {
		if (c.pid <= 0 || c.pid == getpid())
			return {};
		auto start = process_start(c.pid);
		if (!start) {
			if (kill(static_cast<pid_t>(c.pid), 0) == 0 || errno == EPERM) // no /proc: ask the kernel
				return {};
			return fmt::format("its process {} on this host is gone", c.pid);
		}
		if (c.start != 0 && *start != c.start)
			return fmt::format("its process {} on this host is gone (the pid is another process's now)", c.pid);
		return {};
	}
	double hours = static_cast<double>(unix_now() - c.created) / 3600;
	if (hours >= stale_after_hours)
		return fmt::format("made on another host {:.0f} hours ago", hours);
	return {};
}

} // namespace

DatabaseTarget
other_target(Context &ctx, const std::string &url) {
	static std::vector<std::string> secrets; // every URL named so far in this run
	DatabaseTarget target = parse_database_url(url);
	if (secrets.empty() && ctx.has_database())
		secrets = ctx.target().secrets;
	secrets.insert(secrets.end(), target.secrets.begin(), target.secrets.end());
	out().set_secrets(secrets);
	return target;
}

ScratchDatabase::ScratchDatabase(Connection &admin, const DatabaseTarget &server, std::string_view prefix,
                                 std::string_view hint)
    : admin_(admin) {
	std::random_device rd;
	name_ = fmt::format("{}_{:x}_{:08x}_{:x}_{:x}_{:04x}", prefix, unix_now(), host_id(), getpid(),
	                    process_start(getpid()).value_or(0), rd() & 0xffff);
	try {
		// Closed until only this role may connect: a run killed before that leaves nothing open.
		admin_.simple("CREATE DATABASE " + quote_ident(name_) + " WITH ALLOW_CONNECTIONS false");
	} catch (ServerError &e) {
		if (e.sqlstate() == migrate::sqlstate::insufficient_privilege)
			e.set_hint(std::string(hint));
		name_.clear();
		throw;
	}
	out().note(fmt::format("Created scratch database {}", name_));
	try {
		// Only this role: the database holds (a copy of) the user's schema, and PUBLIC may connect
		// to a new database by default. The session's login role keeps access when it is not the
		// owner (a role set with SET ROLE or -c role=...).
		admin_.simple(fmt::format("REVOKE CONNECT, TEMPORARY ON DATABASE {0} FROM PUBLIC; "
		                          "GRANT CONNECT, TEMPORARY ON DATABASE {0} TO SESSION_USER; "
		                          "ALTER DATABASE {0} WITH ALLOW_CONNECTIONS true",
		                          quote_ident(name_)));
		conn_ = Connection::open(server, name_);
	} catch (...) {
		drop();
		throw;
	}
}

ScratchDatabase::~ScratchDatabase() {
	drop();
}

void
ScratchDatabase::drop() noexcept {
	conn_.reset();
	if (name_.empty())
		return;
	// After Ctrl-C the drop must still run, so Ctrl-C does not cancel it; a cancel request sent for
	// an earlier statement on this connection can still arrive late and cancel it: then try again.
	admin_.set_cancellable(false);
	for (int attempt = 1;; ++attempt) {
		try {
			admin_.simple("DROP DATABASE IF EXISTS " + quote_ident(name_) + " WITH (FORCE)");
			out().note(fmt::format("Dropped scratch database {}", name_));
		} catch (const ServerError &e) {
			if (e.sqlstate() == migrate::sqlstate::query_canceled && attempt < 3)
				continue;
			out().warning(fmt::format("could not drop scratch database {}: {}", name_, e.what()));
		} catch (const std::exception &e) {
			out().warning(fmt::format("could not drop scratch database {}: {}", name_, e.what()));
		}
		break;
	}
	admin_.set_cancellable(true);
	name_.clear();
}

void
ScratchDatabase::drop_stale(Connection &admin, std::string_view prefix) {
	std::vector<std::string> names;
	try {
		// Those this role may drop (the owner's privileges: superusers have every role's).
		auto r = admin.query("SELECT datname FROM pg_catalog.pg_database WHERE datname OPERATOR(pg_catalog.~~) $1 "
		                     "AND pg_catalog.pg_has_role(datdba, 'USAGE') ORDER BY datname",
		                     {std::string(prefix) + "\\_%"});
		for (int i = 0; i < r.rows(); ++i)
			names.push_back(r.get(i, 0));
	} catch (const ServerError &e) {
		out().warning(fmt::format("could not look for stale {} databases: {}", prefix, e.what()));
		return;
	}
	for (const auto &name : names) {
		auto creator = parse_name(name, prefix);
		if (!creator)
			continue;
		std::string why = stale_reason(*creator);
		if (why.empty())
			continue;
		try {
			admin.simple("DROP DATABASE IF EXISTS " + quote_ident(name) + " WITH (FORCE)");
			out().note(fmt::format("Dropped stale database {} ({}: a killed run left it)", name, why));
		} catch (const ServerError &e) {
			out().warning(fmt::format("could not drop stale database {}: {}", name, e.what()));
		}
	}
}

} // namespace pgmigrate
