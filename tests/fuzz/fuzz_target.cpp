// libFuzzer target for target resolution and planning, on a fixed graph with two branches, a
// merge, a cross-branch dependency, branch labels and ids sharing prefixes. The input's first
// byte picks the applied version rows, the rest is the target text. Beyond "no crash, no sanitizer
// report", it checks:
// - the only exceptions are migrate::Error, with a SQLSTATE and a message;
// - an upgrade plan applies each revision at most once, none already applied, each after all of
//   its parents and dependencies;
// - a downgrade plan undoes each revision at most once, only applied ones, each before any of
//   its applied children and dependents.
#include "migrate/error.hpp"
#include "migrate/plan.hpp"
#include "migrate/revision_graph.hpp"
#include "migrate/target.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using migrate::RevisionGraph;
using Index = RevisionGraph::Index;

[[noreturn]] void
fail(const char *what, std::string_view detail) {
	std::fprintf(stderr, "fuzz_target: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
	std::abort();
}

migrate::Revision
revision(std::string id, std::vector<std::string> down, std::vector<std::string> depends = {},
         std::vector<std::string> labels = {}, bool reversible = true) {
	migrate::Revision r;
	r.id = std::move(id);
	r.down_revisions = std::move(down);
	r.depends_on = std::move(depends);
	r.branch_labels = std::move(labels);
	r.upgrade = {"SELECT 1;\n", 5, true};
	if (reversible) {
		r.downgrade = {"SELECT 2;\n", 8, true};
	}
	r.filename = r.id + ".sql";
	return r;
}

// a1 -> a2 -> {b3 (label left) -> b4, c3 (label right) -> c4} -> m5 (merge) -> m6 (no downgrade);
// d1 (label other) is a second base, d2 depends on b3; ae10 and ae1027 share a prefix with a1.
const RevisionGraph &
graph() {
	static const RevisionGraph g({
	    revision("a1", {}, {}, {"trunk"}),
	    revision("a2", {"a1"}),
	    revision("b3", {"a2"}, {}, {"left"}),
	    revision("b4", {"b3"}),
	    revision("c3", {"a2"}, {}, {"right"}),
	    revision("c4", {"c3"}),
	    revision("m5", {"b4", "c4"}),
	    revision("m6", {"m5"}, {}, {}, false),
	    revision("d1", {}, {}, {"other"}),
	    revision("d2", {"d1"}, {"b3"}),
	    revision("ae10", {"d2"}),
	    revision("ae1027", {"ae10"}),
	});
	return g;
}

void
check_error(const migrate::Error &e) {
	if (e.sqlstate().size() != 5 || std::string_view(e.what()).empty()) {
		fail("error without SQLSTATE or message", e.what());
	}
}

// The applied version rows: the maximal elements of the revisions the byte selects, with all of
// their ancestors applied (as a consistent database has them).
std::vector<Index>
current_from(std::uint8_t bits) {
	const RevisionGraph &g = graph();
	std::vector<Index> chosen;
	for (Index i = 0; i < 8 && i < g.size(); ++i) {
		if (bits & (1u << i)) {
			chosen.push_back(static_cast<Index>((i * 3 + bits) % g.size()));
		}
	}
	return g.maximal(g.distinct(chosen));
}

void
check_upgrade(const migrate::Plan &plan, const std::vector<Index> &current, std::string_view text) {
	const RevisionGraph &g = graph();
	std::vector<bool> done = g.ancestors(current, true);
	for (const migrate::Step &step : plan.steps) {
		if (step.direction != migrate::Direction::upgrade || step.revision >= g.size() || done[step.revision]) {
			fail("upgrade step repeats or is applied already", text);
		}
		for (Index p : g.predecessors(step.revision)) {
			if (!done[p]) {
				fail("upgrade step before its parent or dependency", text);
			}
		}
		done[step.revision] = true;
	}
}

void
check_downgrade(const migrate::Plan &plan, const std::vector<Index> &current, std::string_view text) {
	const RevisionGraph &g = graph();
	std::vector<bool> applied = g.ancestors(current, true);
	for (const migrate::Step &step : plan.steps) {
		if (step.direction != migrate::Direction::downgrade || step.revision >= g.size() || !applied[step.revision]) {
			fail("downgrade step repeats or was never applied", text);
		}
		for (Index s : g.successors(step.revision)) {
			if (applied[s]) {
				fail("downgrade step before its applied child or dependent", text);
			}
		}
		applied[step.revision] = false;
	}
}

template <typename F>
void
expect_only_migrate_errors(F &&f) {
	try {
		f();
	} catch (const migrate::Error &e) {
		check_error(e);
	}
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
	if (size == 0) {
		return 0;
	}
	const std::vector<Index> current = current_from(data[0]);
	const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
	const RevisionGraph &g = graph();
	expect_only_migrate_errors([&] { check_upgrade(migrate::plan_upgrade(g, current, text), current, text); });
	expect_only_migrate_errors([&] { check_downgrade(migrate::plan_downgrade(g, current, text), current, text); });
	expect_only_migrate_errors([&] {
		for (Index i : migrate::resolve_revisions(g, text)) {
			if (i >= g.size()) {
				fail("resolve_revisions out of range", text);
			}
		}
	});
	expect_only_migrate_errors([&] { (void)migrate::resolve_stamp_target(g, text); });
	expect_only_migrate_errors(
	    [&] { (void)migrate::plan_stamp(g, current, {std::string(text)}, (data[0] & 0x80) != 0); });
	return 0;
}
