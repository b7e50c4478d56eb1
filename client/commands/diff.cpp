// pgmigrate diff FROM_URL TO_URL: what revision --autogenerate would draft between two live
// databases, printed instead of written.
#include "commands/commands.hpp"
#include "migrate/schema_diff.hpp"
#include "output.hpp"
#include "scratch.hpp"
#include "shadow.hpp"

namespace pgmigrate::commands {

int
diff(Context &ctx, const DiffOptions &opt) {
	DatabaseTarget from = other_target(ctx, opt.from_url), to = other_target(ctx, opt.to_url);
	migrate::schema::Schema a = read_schema(*Connection::open(from));
	migrate::schema::Schema b = read_schema(*Connection::open(to));
	auto steps = migrate::schema::diff(a, b);
	out().doc()["changes"] = migrate::schema::changes(steps);
	if (steps.empty())
		out().result("No changes in schema detected.");
	else
		out().raw(migrate::schema::render(steps));
	return 0;
}

} // namespace pgmigrate::commands
