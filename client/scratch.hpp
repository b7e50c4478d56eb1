// A throwaway database next to another (for `pgmigrate test` and the shadow databases of
// `revision --autogenerate` / `check --schema`): created with a unique name, always dropped,
// also after an error or Ctrl-C.
#pragma once

#include "connection.hpp"
#include "context.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace pgmigrate {

// Another database or server than -d's (--scratch-url, --shadow-url, diff's URLs): parsed, with
// its password scrubbed from every message as -d's is.
DatabaseTarget other_target(Context &ctx, const std::string &url);

// Who made a scratch database, in its name: `<prefix>_<created>_<host>_<pid>_<start>_<random>`
// (hex: creation time in Unix seconds, a hash of this host's name and PID namespace, the process
// id and its start time in clock ticks since boot, 16 random bits). In the name rather than in a
// COMMENT so that a run killed right after CREATE DATABASE still leaves it. A run's scratch
// database is stale when, on this host, its process is gone (no such pid, or one started at
// another time: the pid was reused); from another host (or container), whose processes cannot be
// seen, when it is older than stale_after_hours.
inline constexpr double stale_after_hours = 24;

class ScratchDatabase {
public:
	// Creates `<prefix>_...` (see above) through `admin`, with CONNECT and TEMPORARY revoked from
	// PUBLIC (the session's own role may still connect), and connects to it with `server`'s
	// parameters. `hint` is added to a permission error (what to do without CREATEDB).
	ScratchDatabase(Connection &admin, const DatabaseTarget &server, std::string_view prefix, std::string_view hint);
	~ScratchDatabase();
	ScratchDatabase(const ScratchDatabase &) = delete;
	ScratchDatabase &operator=(const ScratchDatabase &) = delete;

	// Drops the stale `<prefix>_*` databases (see above) that this role may drop, each with a note;
	// leaves the others (a running run's, another host's recent one, an older pgmigrate's).
	// Never fails: a database it cannot drop is left with a warning.
	static void drop_stale(Connection &admin, std::string_view prefix);

	Connection &conn() { return *conn_; }
	const std::string &name() const { return name_; }

private:
	void drop() noexcept;

	Connection &admin_;
	std::string name_;
	std::unique_ptr<Connection> conn_;
};

} // namespace pgmigrate
