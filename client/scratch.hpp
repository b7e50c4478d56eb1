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

class ScratchDatabase {
public:
	// Creates `<prefix>_<random hex>` through `admin` and connects to it with `server`'s
	// parameters. `hint` is added to a permission error (what to do without CREATEDB).
	ScratchDatabase(Connection &admin, const DatabaseTarget &server, std::string_view prefix, std::string_view hint);
	~ScratchDatabase();
	ScratchDatabase(const ScratchDatabase &) = delete;
	ScratchDatabase &operator=(const ScratchDatabase &) = delete;

	Connection &conn() { return *conn_; }
	const std::string &name() const { return name_; }

private:
	void drop() noexcept;

	Connection &admin_;
	std::string name_;
	std::unique_ptr<Connection> conn_;
};

} // namespace pgmigrate
