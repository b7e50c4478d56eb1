// How both hosts name the statement of a migration an error or a notice is about.
#include "migrate/database.hpp"

#include "migrate/error.hpp"

#include <fmt/format.h>

namespace migrate {

std::string
describe(const StatementContext &ctx, int extra_lines) {
	const char *direction = ctx.direction == Direction::upgrade ? "upgrade" : "downgrade";
	std::string where = ctx.section == "verify" ? std::string("verify") : std::string(direction);
	if (ctx.filename.empty())
		return fmt::format("revision {} ({}), line {}", ctx.revision, where, ctx.line + extra_lines);
	return fmt::format("revision {} ({}), file {}, line {}", ctx.revision, where, ctx.filename, ctx.line + extra_lines);
}

void
Database::commit() {
	throw Error(sqlstate::invalid_transaction_state, "cannot commit between revisions here", {},
	            "Use one transaction for the whole plan, or call the per-revision procedure outside a transaction "
	            "block.");
}

} // namespace migrate
