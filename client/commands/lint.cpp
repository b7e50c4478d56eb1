// lint: the project's migration files through the engine's rules (migrate/lint.hpp), parsed by
// libpg_query; graded with the database's catalog when there is a database, the text-only verdict
// otherwise. Exit 1 when a warning is left that no waiver silences.
#include "commands/commands.hpp"
#include "files_view.hpp"
#include "libpq_database.hpp"
#include "lint_parse.hpp"
#include "migrate/lint.hpp"
#include "migrate/target.hpp"
#include "output.hpp"

#include <fmt/format.h>

#include <memory>

namespace pgmigrate::commands {

namespace {

using migrate::RevisionGraph;
namespace lint = migrate::lint;

const char *
level_name(lint::Level level) {
	return level == lint::Level::warning ? "warning" : "info";
}

nlohmann::json
finding_json(const lint::Finding &f, const std::string &file) {
	return {{"revision", f.revision},
	        {"file", file},
	        {"line", f.line},
	        {"rule", f.rule},
	        {"level", level_name(f.level)},
	        {"message", f.message},
	        {"help", f.help},
	        {"catalog", f.catalog},
	        {"waived", f.waived.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.waived)}};
}

void
print_finding(const lint::Finding &f, const std::string &file) {
	out().result(lint::headline(f, file));
	if (!f.help.empty())
		out().result("  help: " + f.help);
	if (!f.catalog.empty())
		out().result("  catalog: " + f.catalog);
}

} // namespace

int
lint(Context &ctx, const LintOptions &opt) {
	const Project &project = ctx.project();
	require_sql(project);
	const RevisionGraph &graph = project.graph();

	// With a database: its catalog grades the findings, and the revisions it has applied are
	// history: each is linted on its own, so only the pending ones form the plan whose tables
	// count as created earlier.
	const bool online = ctx.has_database() && !opt.offline;
	std::unique_ptr<LibpqDatabase> db;
	std::unique_ptr<lint::Catalog> catalog;
	std::vector<bool> applied(graph.size(), false);
	if (online) {
		Connection &conn = ctx.connection();
		db = std::make_unique<LibpqDatabase>(conn, false);
		catalog = lint::database_catalog(*db);
		const FilesView view = read_files_view(conn, project);
		std::vector<RevisionGraph::Index> current;
		for (const std::string &id : view.version)
			if (auto i = graph.find(id))
				current.push_back(*i);
		applied = graph.ancestors(current, true);
	}

	std::vector<bool> wanted(graph.size(), opt.revisions.empty());
	for (const std::string &text : opt.revisions)
		for (RevisionGraph::Index i : migrate::resolve_revisions(graph, text))
			wanted[i] = true;

	lint::Linter plan(catalog.get());
	nlohmann::json findings = nlohmann::json::array();
	std::size_t warnings = 0, waived = 0, infos = 0, revisions = 0;
	for (RevisionGraph::Index i : graph.topological_order()) {
		const migrate::Revision &rev = graph[i];
		if (project.unfilled(rev.id))
			continue;
		const ProjectFile &file = project.file(rev.id);
		const migrate::StatementContext where{rev.id, migrate::Direction::upgrade, "upgrade", rev.filename,
		                                      rev.upgrade.first_line};
		const auto statements = lint_statements(rev.upgrade.sql, where);
		// Earlier revisions are linted even when not asked for: the tables they create count.
		lint::Linter alone(catalog.get());
		const auto found = (applied[i] ? alone : plan).section(rev, rev.upgrade, statements);
		if (!wanted[i])
			continue;
		++revisions;
		for (const lint::Finding &f : found) {
			if (lint::counts(f))
				++warnings;
			else if (!f.waived.empty())
				++waived;
			else
				++infos;
			print_finding(f, file.path);
			findings.push_back(finding_json(f, file.path));
		}
	}

	const std::string source = online ? "catalog: the database's table sizes"
	                                  : (opt.offline ? "offline (--offline): no catalog, text-only verdicts"
	                                                 : "offline: no database given, text-only verdicts");
	out().result(fmt::format("{} revision{} linted: {} warning{}, {} waived, {} info; {}", revisions,
	                         revisions == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s", waived, infos, source));
	auto &doc = out().doc();
	doc["findings"] = findings;
	doc["warnings"] = warnings;
	doc["waived"] = waived;
	doc["info"] = infos;
	doc["revisions"] = revisions;
	doc["catalog"] = online ? "database" : "offline";
	return warnings > 0 ? 1 : 0;
}

} // namespace pgmigrate::commands
