// Creating and dropping throwaway databases.
#include "scratch.hpp"

#include "output.hpp"

#include <fmt/format.h>

#include <random>

namespace pgmigrate {

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
	name_ = fmt::format("{}_{:08x}{:04x}", prefix, rd(), rd() & 0xffff);
	try {
		admin_.simple("CREATE DATABASE " + quote_ident(name_));
	} catch (ServerError &e) {
		if (e.sqlstate == "42501")
			e.hint = std::string(hint);
		name_.clear();
		throw;
	}
	out().note(fmt::format("Created scratch database {}", name_));
	try {
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
			if (e.sqlstate == "57014" && attempt < 3)
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

} // namespace pgmigrate
