// The engine alone, no database: parse migration files, build and resolve a revision graph, plan
// base -> head. Google Benchmark; run by bench/run.sh (see bench/README.md).
//
//   BM_ParseFiles/N        parse_migration over N in-memory files (checksum included)
//   BM_BuildGraph/N        RevisionGraph over N revisions with branches, merges, depends_on, labels
//   BM_ResolveHead/N       resolve_target("head") and a prefix look-up on a built graph
//   BM_PlanUpgrade/N       plan_upgrade base -> head on a built graph
//   BM_BuildResolvePlan/N  the three together, from parsed revisions: the "< 200 ms at 100,000"
//   BM_ColdBuildResolvePlan/N  the same, once per process (run.sh starts a process per sample): what
//                          one client or backend pays, first-touch page faults included
//
// Counters: per_revision (time per revision) and, for the graph benchmarks, bytes_per_revision
// (heap held by the graph, from mallinfo2), so "memory linear in N" is checked across N.
#include "migrate/migration_file.hpp"
#include "migrate/plan.hpp"
#include "migrate/revision_graph.hpp"
#include "migrate/target.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <malloc.h>

#include <string>
#include <vector>

namespace {

using migrate::Revision;
using migrate::RevisionGraph;

std::string
rev_id(std::size_t i) {
	return fmt::format("{:06d}", i);
}

// The same file the end-to-end benchmark writes for revision i (a small table and its index).
std::string
file_content(std::size_t i) {
	std::string id = rev_id(i);
	std::string down = i == 1 ? "none" : rev_id(i - 1);
	return fmt::format("-- revision: {0}\n-- down_revision: {1}\n-- message: create bench_{0}\n\n"
	                   "-- migrate:upgrade\n"
	                   "CREATE TABLE bench_{0} (\n"
	                   "    org_id uuid NOT NULL,\n"
	                   "    payload jsonb NOT NULL DEFAULT '{{}}',\n"
	                   "    created_at timestamptz NOT NULL DEFAULT now()\n"
	                   ");\n"
	                   "CREATE INDEX bench_{0}_org_id_idx ON bench_{0} (org_id);\n\n"
	                   "-- migrate:downgrade\nDROP TABLE bench_{0};\n",
	                   id, down);
}

// N revisions with branches: a trunk; every 50th trunk revision starts a labelled side branch of
// 5 revisions that a merge revision joins back two trunk steps later; every 100th revision also
// depends_on one 30 steps back. One head, so `head` resolves. Sections are small SQL strings.
std::vector<Revision>
graph_revisions(std::size_t n) {
	std::vector<Revision> out;
	out.reserve(n);
	std::size_t next = 1;
	std::string trunk; // current trunk tip
	std::vector<std::string> pending_merge; // a side branch's tip, to merge
	std::size_t merge_at = 0;
	auto make = [&](std::vector<std::string> parents) -> Revision & {
		Revision r;
		r.id = rev_id(next++);
		r.down_revisions = std::move(parents);
		r.message = "create " + r.id;
		r.upgrade = {"CREATE TABLE bench_" + r.id + " (org_id uuid);\n", 6, true};
		r.downgrade = {"DROP TABLE bench_" + r.id + ";\n", 9, true};
		r.checksum = std::string(64, 'a');
		out.push_back(std::move(r));
		return out.back();
	};
	while (out.size() < n) {
		std::vector<std::string> parents;
		if (!trunk.empty())
			parents.push_back(trunk);
		if (!pending_merge.empty() && out.size() >= merge_at) {
			parents.push_back(pending_merge.back());
			pending_merge.clear();
		}
		Revision &r = make(parents);
		trunk = r.id;
		std::size_t k = out.size();
		if (k % 100 == 0 && k > 30)
			r.depends_on.push_back(rev_id(k - 30));
		if (k % 50 == 0 && pending_merge.empty() && out.size() + 8 < n) {
			std::string tip = trunk;
			for (int b = 0; b < 5; ++b) {
				Revision &side = make({tip});
				if (b == 0)
					side.branch_labels.push_back("side" + side.id);
				tip = side.id;
			}
			pending_merge.push_back(tip);
			merge_at = out.size() + 2;
		}
	}
	// A side branch still open at the end: merge it so there is one head.
	if (!pending_merge.empty())
		make({trunk, pending_merge.back()});
	return out;
}

std::size_t
heap_in_use() {
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

void
BM_ParseFiles(benchmark::State &state) {
	const auto n = static_cast<std::size_t>(state.range(0));
	std::vector<std::string> files, names;
	for (std::size_t i = 1; i <= n; ++i) {
		files.push_back(file_content(i));
		names.push_back(fmt::format("20260101_0000_{}_create_bench_{}.sql", rev_id(i), rev_id(i)));
	}
	for (auto _ : state) {
		for (std::size_t i = 0; i < n; ++i) {
			Revision r = migrate::parse_migration(files[i], names[i]);
			benchmark::DoNotOptimize(r);
		}
	}
	state.counters["per_revision"] =
	    benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
	                                                   benchmark::Counter::kInvert);
	state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

void
BM_BuildGraph(benchmark::State &state) {
	const auto n = static_cast<std::size_t>(state.range(0));
	const std::vector<Revision> revisions = graph_revisions(n);
	double bytes = 0;
	for (auto _ : state) {
		state.PauseTiming();
		std::vector<Revision> copy = revisions;
		std::size_t before = heap_in_use();
		state.ResumeTiming();
		RevisionGraph graph(std::move(copy));
		benchmark::DoNotOptimize(graph);
		state.PauseTiming();
		bytes = static_cast<double>(heap_in_use() - before);
		state.ResumeTiming();
	}
	state.counters["revisions"] = static_cast<double>(revisions.size());
	state.counters["bytes_per_revision"] = bytes / static_cast<double>(revisions.size());
	state.counters["per_revision"] = benchmark::Counter(
	    static_cast<double>(revisions.size()), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void
BM_ResolveHead(benchmark::State &state) {
	const auto n = static_cast<std::size_t>(state.range(0));
	RevisionGraph graph(graph_revisions(n));
	const std::string prefix = rev_id(n / 2);
	for (auto _ : state) {
		auto head = migrate::resolve_target(graph, {}, "head", migrate::Direction::upgrade);
		auto mid = migrate::resolve_target(graph, {}, prefix, migrate::Direction::upgrade);
		benchmark::DoNotOptimize(head);
		benchmark::DoNotOptimize(mid);
	}
}

void
BM_PlanUpgrade(benchmark::State &state) {
	const auto n = static_cast<std::size_t>(state.range(0));
	RevisionGraph graph(graph_revisions(n));
	std::size_t steps = 0;
	for (auto _ : state) {
		migrate::Plan plan = migrate::plan_upgrade(graph, {}, "head");
		steps = plan.steps.size();
		benchmark::DoNotOptimize(plan);
	}
	state.counters["steps"] = static_cast<double>(steps);
}

void
BM_BuildResolvePlan(benchmark::State &state) {
	const auto n = static_cast<std::size_t>(state.range(0));
	const std::vector<Revision> revisions = graph_revisions(n);
	double bytes = 0;
	for (auto _ : state) {
		state.PauseTiming();
		std::vector<Revision> copy = revisions;
		std::size_t before = heap_in_use();
		state.ResumeTiming();
		RevisionGraph graph(std::move(copy));
		auto target = migrate::resolve_target(graph, {}, "head", migrate::Direction::upgrade);
		migrate::Plan plan = migrate::plan_upgrade(graph, {}, "head");
		benchmark::DoNotOptimize(target);
		benchmark::DoNotOptimize(plan);
		state.PauseTiming();
		bytes = static_cast<double>(heap_in_use() - before);
		state.ResumeTiming();
	}
	state.counters["revisions"] = static_cast<double>(revisions.size());
	state.counters["bytes_per_revision"] = bytes / static_cast<double>(revisions.size());
}

} // namespace

BENCHMARK(BM_ParseFiles)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuildGraph)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ResolveHead)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PlanUpgrade)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuildResolvePlan)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

BENCHMARK(BM_BuildResolvePlan)->Name("BM_ColdBuildResolvePlan")->Arg(100000)->Iterations(1)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
