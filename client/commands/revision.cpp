// pgmigrate revision / merge: new migration files, parented the way Alembic parents them.
#include "commands/commands.hpp"
#include "migrate/error.hpp"
#include "migrate/migration_file.hpp"
#include "migrate/target.hpp"
#include "migrate/schema_diff.hpp"
#include "output.hpp"
#include "shadow.hpp"
#include "revision_file.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace pgmigrate::commands {

namespace {

using migrate::RevisionGraph;

// One revision named by `text` (id, prefix, label, label@head, head).
RevisionGraph::Index
resolve_one(const RevisionGraph &graph, const std::string &text) {
	std::vector<RevisionGraph::Index> found;
	found = migrate::resolve_revisions(graph, text);
	if (found.size() != 1)
		throw Failure(found.empty() ? fmt::format("'{}' names no revision", text)
		                            : "Multiple heads are present; please specify a single target revision");
	return found.front();
}

// A usage error (exit 2) for an argument whose value cannot go into a file's header.
Failure
bad_argument(const std::string &message, const std::string &hint) {
	Failure f(message, {}, hint);
	f.exit_code = exit_usage;
	return f;
}

// The arguments that become header lines, checked before anything is read or written: the
// message one line without control characters (a newline would write header lines of its own), ids
// and labels [A-Za-z0-9_]{1,64}.
void
check_arguments(const std::string &message, const std::string &rev_id, const std::vector<std::string> &labels,
                const std::vector<std::string> &depends_on) {
	for (unsigned char c : message)
		if (c < 0x20 || c == 0x7f)
			throw bad_argument(fmt::format("-m/--message contains a {} (byte 0x{:02x})",
			                               c == '\n' || c == '\r' ? "line break" : "control character", c),
			                   "The message is one header line of the new file: write it on one line, without "
			                   "control characters.");
	auto check_id = [](const char *option, const std::string &value, const char *what) {
		if (!migrate::valid_revision_id(value))
			throw bad_argument(fmt::format("{} '{}' is not a valid {}", option, value, what),
			                   fmt::format("A {} is 1 to 64 letters, digits and underscores.", what));
	};
	if (!rev_id.empty())
		check_id("--rev-id", rev_id, "revision id");
	for (const auto &label : labels)
		check_id("--branch-label", label, "branch label");
	for (const auto &dep : depends_on)
		check_id("--depends-on", dep, "revision id or branch label");
}

std::string
choose_id(const RevisionGraph &graph, const std::string &wanted) {
	std::string id = wanted.empty() ? next_revision_id(graph) : wanted;
	if (!migrate::valid_revision_id(id))
		throw Failure(fmt::format("'{}' is not a valid revision id", id), {},
		              "Revision ids are 1 to 64 letters, digits and underscores.");
	if (graph.find(id) || graph.find_label(id))
		throw Failure(fmt::format("Revision {} already exists", id));
	return id;
}

void
check_labels(const RevisionGraph &graph, const std::vector<std::string> &labels, const std::string &id) {
	for (const auto &label : labels) {
		if (!migrate::valid_revision_id(label))
			throw Failure(fmt::format("'{}' is not a valid branch label", label), {},
			              "Branch labels are 1 to 64 letters, digits and underscores.");
		if (auto other = graph.find_label(label))
			throw Failure(fmt::format("Branch name '{}' in revision {} already used by revision {}", label, id,
			                          graph[*other].id));
		if (graph.find(label))
			throw Failure(fmt::format("Branch name '{}' in revision {} is already a revision id", label, id));
	}
}

void
check_head(const RevisionGraph &graph, RevisionGraph::Index i, bool splice) {
	if (!splice && !graph.children(i).empty())
		throw Failure(fmt::format("Revision {} is not a head revision; please specify --splice to create a new branch "
		                          "from this revision",
		                          graph[i].id));
}

int
write_and_report(Context &ctx, const NewRevision &rev) {
	auto path = write_revision(ctx.project(false, true).dir(), rev);
	out().progress(fmt::format("Generating {} ...  done", path.string()));
	auto &doc = out().doc();
	doc["revision"] = rev.id;
	doc["path"] = path.string();
	doc["down_revisions"] = rev.down_revisions;
	doc["branch_labels"] = rev.branch_labels;
	doc["depends_on"] = rev.depends_on;
	doc["message"] = rev.message;
	return 0;
}

// Fills the revision's sections with the DDL that takes the migrations' head (its parent) to the
// schema files. False when there is nothing to do (no file is written then).
bool
autogenerate(Context &ctx, const RevisionOptions &opt, NewRevision &rev) {
	const Project &project = ctx.project(false, true);
	if (!project.unfinished().empty()) {
		Failure f("a migration file is not filled in: the shadow database cannot be upgraded past it");
		f.items = project.unfinished();
		throw f;
	}
	ShadowSchemas shadows = read_shadow_schemas(ctx, project, rev.down_revisions, opt.shadow);
	auto upgrade = migrate::schema::diff(shadows.head, shadows.desired);
	if (upgrade.empty()) {
		out().result("No changes in schema detected.");
		out().doc()["changes"] = nlohmann::json::array();
		return false;
	}
	auto downgrade = migrate::schema::diff(shadows.desired, shadows.head);
	const auto changes = migrate::schema::changes(upgrade);
	for (const auto &change : changes)
		out().progress("Detected " + change);
	int warnings = 0;
	for (const auto &step : upgrade)
		warnings += step.data_loss;
	for (const auto &step : downgrade)
		warnings += step.data_loss;
	out().doc()["changes"] = changes;
	rev.upgrade_sql =
	    fmt::format("-- Drafted by pgmigrate revision --autogenerate from {}: review it before applying.\n"
	                "-- Statements marked WARNING lose data.\n\n{}",
	                opt.shadow.schema_path, migrate::schema::render(upgrade));
	rev.downgrade_sql = migrate::schema::render(downgrade);
	if (warnings > 0)
		out().warning(fmt::format("the draft has {} that lose{} data (marked WARNING): review {}",
		                          warnings == 1 ? "1 statement" : fmt::format("{} statements", warnings),
		                          warnings == 1 ? "s" : "", warnings == 1 ? "it" : "them"));
	return true;
}

} // namespace

int
revision(Context &ctx, const RevisionOptions &opt) {
	check_arguments(opt.message, opt.rev_id, opt.branch_labels, opt.depends_on);
	const RevisionGraph &graph = ctx.project(false, true).graph();

	NewRevision rev;
	rev.message = opt.message;
	if (opt.head.empty()) {
		auto heads = graph.heads();
		if (heads.size() > 1)
			throw Failure("Multiple heads are present; please specify the head revision on which the new revision "
			              "should be based, or perform a merge.");
		if (!heads.empty())
			rev.down_revisions.push_back(graph[heads.front()].id);
	} else if (opt.head != "base") {
		auto i = resolve_one(graph, opt.head);
		check_head(graph, i, opt.splice);
		rev.down_revisions.push_back(graph[i].id);
	}
	rev.id = choose_id(graph, opt.rev_id);
	rev.branch_labels = opt.branch_labels;
	check_labels(graph, rev.branch_labels, rev.id);
	for (const auto &dep : opt.depends_on) {
		auto i = resolve_one(graph, dep);
		if (std::find(rev.depends_on.begin(), rev.depends_on.end(), graph[i].id) == rev.depends_on.end())
			rev.depends_on.push_back(graph[i].id);
	}
	if (opt.autogenerate && !autogenerate(ctx, opt, rev))
		return 0;
	return write_and_report(ctx, rev);
}

int
merge(Context &ctx, const MergeOptions &opt) {
	check_arguments(opt.message, opt.rev_id, opt.branch_labels, {});
	const RevisionGraph &graph = ctx.project(false, true).graph();
	std::vector<RevisionGraph::Index> parents;
	for (const auto &text : opt.revisions) {
		std::vector<RevisionGraph::Index> found;
		// `heads`: every head, also one that another revision depends on (what blocks `revision`).
		found = text == "heads" ? graph.heads() : migrate::resolve_revisions(graph, text);
		for (auto i : found) {
			check_head(graph, i, false);
			if (std::find(parents.begin(), parents.end(), i) == parents.end())
				parents.push_back(i);
		}
	}
	if (parents.size() < 2)
		throw Failure(parents.size() == 1
		                  ? fmt::format("there is nothing to merge: only {} is a head", graph[parents[0]].id)
		                  : std::string("there is nothing to merge"),
		              {}, "merge joins two or more heads: pgmigrate merge heads -m \"...\"");
	NewRevision rev;
	rev.message = opt.message;
	for (auto i : parents)
		rev.down_revisions.push_back(graph[i].id);
	rev.id = choose_id(graph, opt.rev_id);
	rev.branch_labels = opt.branch_labels;
	check_labels(graph, rev.branch_labels, rev.id);
	return write_and_report(ctx, rev);
}

} // namespace pgmigrate::commands
