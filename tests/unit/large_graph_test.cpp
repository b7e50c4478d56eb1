// A generated 100,000-revision graph with periodic branches and merges, a second labelled root
// that the main line depends on, and shuffled input order: it must build, resolve and plan
// correctly. (Correctness is asserted; the run time is printed, and stays far below a second
// in a release build because nothing in the engine is quadratic.)
#include "graph_fixtures.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

using namespace migrate;
using namespace migrate::graphtest;

namespace {

constexpr std::size_t total = 100'000;
constexpr std::size_t side_length = 1'000;

// 12 hex characters like Alembic's ids: 5 from the sequence number (so 5-character prefixes
// are unique and 4-character ones are shared by 16 revisions), 7 scrambled.
std::string
make_id(std::size_t n) {
	std::uint64_t h = (n + 1) * 0x9E3779B97F4A7C15ull;
	h ^= h >> 29;
	return fmt::format("{:05x}{:07x}", n, h & 0xFFFFFFFull);
}

struct Generated {
	std::vector<Revision> revisions;
	std::string root, side_root, side_head, head;
	std::size_t merges = 0;
};

// main: a chain from `root` (label "main"); every 40 revisions it forks into two branches of
// 5 and 7 revisions that a merge joins. side: a 1,000-revision chain (label "side") from its own
// root; every 100th main revision depends on the next side revision. The last revision merges
// main and side, so there is one head.
Generated
generate() {
	Generated g;
	std::size_t n = 0;
	auto add = [&](std::vector<std::string> down, std::vector<std::string> deps = {},
	               std::vector<std::string> labels = {}) {
		Spec s{make_id(n++), std::move(down), std::move(deps), std::move(labels)};
		g.revisions.push_back(make_revision(s));
		return s.id;
	};
	std::vector<std::string> side;
	side.push_back(g.side_root = add({}, {}, {"side"}));
	for (std::size_t k = 1; k < side_length; ++k)
		side.push_back(add({side.back()}));
	g.side_head = side.back();

	std::string prev = g.root = add({}, {}, {"main"});
	std::size_t next_side = 0, main_count = 1;
	while (n < total - 1) {
		if (main_count % 40 == 0 && n + 14 < total - 1) {
			std::string a = prev, b = prev;
			for (int k = 0; k < 5; ++k)
				a = add({a});
			for (int k = 0; k < 7; ++k)
				b = add({b});
			prev = add({a, b});
			++g.merges;
		} else if (main_count % 100 == 0 && next_side < side.size()) {
			prev = add({prev}, {side[next_side++]});
		} else {
			prev = add({prev});
		}
		++main_count;
	}
	g.head = add({prev, g.side_head});
	return g;
}

class LargeGraph : public ::testing::Test {
protected:
	static void SetUpTestSuite() {
		generated_ = new Generated(generate());
		std::vector<Revision> shuffled = generated_->revisions;
		std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(20260223));
		auto start = std::chrono::steady_clock::now();
		graph_ = new RevisionGraph(std::move(shuffled));
		auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
		std::printf("[ info ] built a %zu-revision graph in %.1f ms\n", graph_->size(), ms);
	}
	static void TearDownTestSuite() {
		delete graph_;
		delete generated_;
		graph_ = nullptr;
		generated_ = nullptr;
	}
	static const RevisionGraph &g() { return *graph_; }
	static const Generated &gen() { return *generated_; }

private:
	static inline RevisionGraph *graph_ = nullptr;
	static inline Generated *generated_ = nullptr;
};

// Every step comes after those of its predecessors (upgrade) or successors (downgrade) that the
// plan holds too.
void
expect_order(const RevisionGraph &g, const Plan &plan, Direction d) {
	std::vector<bool> done(g.size(), false), in_plan(g.size(), false);
	for (const Step &s : plan.steps)
		in_plan[s.revision] = true;
	std::size_t bad = 0;
	for (const Step &s : plan.steps) {
		EXPECT_EQ(s.direction, d);
		const auto &must_be_done = d == Direction::upgrade ? g.predecessors(s.revision) : g.successors(s.revision);
		for (Index p : must_be_done)
			bad += (in_plan[p] && !done[p]) ? 1 : 0;
		bad += done[s.revision] ? 1 : 0; // no revision twice
		done[s.revision] = true;
	}
	EXPECT_EQ(bad, 0u);
}

double
ms_since(std::chrono::steady_clock::time_point start) {
	return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

TEST_F(LargeGraph, Structure) {
	ASSERT_EQ(g().size(), total);
	EXPECT_GT(gen().merges, 1800u);
	EXPECT_EQ(names(g(), g().heads()), Ids{gen().head});
	EXPECT_EQ(names(g(), g().real_heads()), Ids{gen().head});
	EXPECT_EQ(sorted(names(g(), g().bases())), sorted({gen().root, gen().side_root}));
	const auto &topo = g().topological_order();
	ASSERT_EQ(topo.size(), total);
	std::size_t bad = 0;
	for (Index i = 0; i < g().size(); ++i)
		for (Index p : g().predecessors(i))
			bad += g().topological_position(p) < g().topological_position(i) ? 0 : 1;
	EXPECT_EQ(bad, 0u);
	EXPECT_EQ(g()[topo.back()].id, gen().head);
	EXPECT_EQ(mask_names(g(), g().lineage(at(g(), gen().side_root))).size(), side_length + 1);
}

TEST_F(LargeGraph, Resolve) {
	auto start = std::chrono::steady_clock::now();
	EXPECT_EQ(resolve(g(), {}, "head"), Ids{gen().head});
	EXPECT_EQ(resolve(g(), {}, "heads"), Ids{gen().head});
	EXPECT_EQ(resolve(g(), {}, "base"), Ids{});
	EXPECT_EQ(resolve(g(), {}, "main@head"), Ids{gen().head});
	EXPECT_EQ(resolve(g(), {}, "side@" + gen().side_head), Ids{gen().side_head});
	EXPECT_EQ(resolve(g(), {}, "main"), Ids{gen().root});
	EXPECT_EQ(resolve(g(), {}, "side@base+1"), Ids{gen().side_root});
	EXPECT_EQ(resolve(g(), {}, "side@base+1000"), Ids{gen().side_head});
	EXPECT_STREQ(error_of([&] { resolve(g(), {}, "base+1"); }).what(), "Ambiguous walk");
	EXPECT_STREQ(error_of([&] { resolve(g(), {}, "head-1"); }).what(), "Ambiguous walk"); // a merge

	// Prefixes: 5 characters are unique, 4 shared by 16 revisions.
	for (std::size_t n : {0ul, 1ul, 4242ul, 65535ul, total - 1}) {
		std::string id = make_id(n);
		EXPECT_EQ(resolve(g(), {}, id.substr(0, 5)), Ids{id});
		EXPECT_EQ(resolve(g(), {}, id), Ids{id});
	}
	Error amb = error_of([&] { resolve(g(), {}, make_id(4242).substr(0, 4)); });
	EXPECT_EQ(amb.sqlstate(), sqlstate::undefined_object);
	EXPECT_NE(amb.detail().find("... (16 in all)"), std::string::npos) << amb.detail();
	Error one = error_of([&] { resolve(g(), {}, "1"); });
	EXPECT_NE(one.detail().find("in all)"), std::string::npos);
	EXPECT_STREQ(error_of([&] { resolve(g(), {}, "fffff"); }).what(), "Can't locate revision identified by 'fffff'");

	// Long walks on the side chain.
	EXPECT_EQ(resolve(g(), {}, gen().side_root + "+999"), Ids{gen().side_head});
	EXPECT_EQ(resolve(g(), {}, gen().side_head + "-999"), Ids{gen().side_root});
	EXPECT_EQ(resolve(g(), {gen().side_head}, "-1000", Direction::downgrade), Ids{});
	EXPECT_EQ(resolve(g(), {}, gen().side_root + "+1000"), Ids{gen().head});
	EXPECT_STREQ(error_of([&] { resolve(g(), {}, gen().side_root + "+1001"); }).what(), "Walked too far");
	std::printf("[ info ] resolutions in %.1f ms\n", ms_since(start));
}

TEST_F(LargeGraph, UpgradeBaseToHead) {
	auto start = std::chrono::steady_clock::now();
	Plan plan = plan_upgrade(g(), {}, "head");
	std::printf("[ info ] planned base -> head (%zu steps) in %.1f ms\n", plan.steps.size(), ms_since(start));
	ASSERT_EQ(plan.steps.size(), total);
	expect_order(g(), plan, Direction::upgrade);
	EXPECT_EQ(apply_rows({}, plan), Ids{gen().head});
	EXPECT_TRUE(plan_upgrade(g(), {at(g(), gen().head)}, "head").steps.empty());
}

TEST_F(LargeGraph, DowngradeHeadToBase) {
	auto start = std::chrono::steady_clock::now();
	Plan plan = plan_downgrade(g(), {at(g(), gen().head)}, "base");
	std::printf("[ info ] planned head -> base (%zu steps) in %.1f ms\n", plan.steps.size(), ms_since(start));
	ASSERT_EQ(plan.steps.size(), total);
	expect_order(g(), plan, Direction::downgrade);
	EXPECT_EQ(apply_rows({gen().head}, plan), Ids{});
	EXPECT_EQ(g()[plan.steps.front().revision].id, gen().head);
}

TEST_F(LargeGraph, InTwoHalves) {
	// Up to a mid revision, then on to the head: disjoint plans covering everything once.
	const std::string mid = gen().revisions[total / 2].id;
	Plan first = plan_upgrade(g(), {}, mid);
	Ids rows = apply_rows({}, first);
	EXPECT_FALSE(rows.empty());
	Plan second = plan_upgrade(g(), idx(g(), rows), "heads");
	EXPECT_EQ(first.steps.size() + second.steps.size(), total);
	EXPECT_EQ(apply_rows(rows, second), Ids{gen().head});

	// Down to the mid revision, then to base.
	Plan down1 = plan_downgrade(g(), {at(g(), gen().head)}, mid);
	Ids after = apply_rows({gen().head}, down1);
	Plan down2 = plan_downgrade(g(), idx(g(), after), "base");
	EXPECT_EQ(down1.steps.size() + down2.steps.size(), total);
	EXPECT_EQ(apply_rows(after, down2), Ids{});
	expect_order(g(), down1, Direction::downgrade);
	expect_order(g(), down2, Direction::downgrade);

	// side@base takes the side chain and every main revision from the first dependency on.
	Plan side = plan_downgrade(g(), {at(g(), gen().head)}, "side@base");
	EXPECT_GT(side.steps.size(), side_length);
	EXPECT_LT(side.steps.size(), total);
	expect_order(g(), side, Direction::downgrade);

	// Stamps over the whole graph.
	EXPECT_EQ(plan_stamp(g(), {}, {"heads"}, false), Ids{gen().head});
	EXPECT_EQ(plan_stamp(g(), {at(g(), gen().head)}, {mid}, false), Ids{mid});
	EXPECT_EQ(plan_stamp(g(), {at(g(), gen().head)}, {"side@base"}, false), Ids{});
}

TEST(LargeShapes, WideMerge) {
	// 20,000 roots joined by one merge (listed twice: de-duplicated), with a repeated label.
	constexpr std::size_t width = 20'000;
	std::vector<Revision> revisions;
	Ids roots;
	for (std::size_t k = 0; k < width; ++k) {
		roots.push_back(fmt::format("r{:05}", k));
		revisions.push_back(make_revision({roots.back()}));
	}
	Ids twice = roots;
	twice.insert(twice.end(), roots.begin(), roots.end());
	revisions.push_back(make_revision({"m", twice, {}, {"top", "top"}}));
	RevisionGraph g(std::move(revisions));
	EXPECT_EQ(g.parents(at(g, "m")).size(), width);
	EXPECT_EQ(g.predecessors(at(g, "m")).size(), width);
	EXPECT_EQ(g.match_prefix("top").size(), 1u);
	EXPECT_EQ(resolve(g, {}, "top@head"), Ids{"m"});

	Plan up = plan_upgrade(g, {}, "head");
	ASSERT_EQ(up.steps.size(), width + 1);
	EXPECT_EQ(up.steps.back().version_delete.size(), width);
	EXPECT_EQ(apply_rows({}, up), Ids{"m"});

	// Unmerge: one step restores every parent as a row.
	Plan down = plan_downgrade(g, {at(g, "m")}, "r00000");
	ASSERT_EQ(down.steps.size(), 1u);
	EXPECT_EQ(down.steps[0].version_insert.size(), width);
	EXPECT_EQ(step_to(g, down.steps[0]).size(), width * 8 - 2); // "r00000, r00001, ..."
	EXPECT_STREQ(error_of([&] { resolve(g, {"m"}, "-1", Direction::downgrade); }).what(), "Ambiguous walk");
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "base+1"); }).what(), "Ambiguous walk");
	EXPECT_EQ(plan_stamp(g, {}, roots, false).size(), width);
	EXPECT_EQ(apply_rows({"m"}, plan_downgrade(g, {at(g, "m")}, "base")), Ids{});
}

TEST(LargeShapes, DeepChain) {
	std::vector<Revision> revisions;
	for (std::size_t k = 0; k < total; ++k)
		revisions.push_back(
		    make_revision(k ? Spec{fmt::format("c{:06}", k), {fmt::format("c{:06}", k - 1)}} : Spec{"c000000"}));
	RevisionGraph g(std::move(revisions));
	EXPECT_EQ(resolve(g, {}, "head-99999"), Ids{"c000000"});
	EXPECT_EQ(resolve(g, {}, "head-100000"), Ids{});
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "head-100001"); }).what(), "Walked too far");
	EXPECT_EQ(resolve(g, {}, "+100000"), Ids{"c099999"});
	EXPECT_EQ(resolve(g, {"c099999"}, "-99999", Direction::downgrade), Ids{"c000000"});
	EXPECT_EQ(plan_upgrade(g, {}, "c050000").steps.size(), 50'001u);
	EXPECT_EQ(plan_downgrade(g, {at(g, "c099999")}, "c050000").steps.size(), 49'999u);
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "c0"); }).what(), "Can't locate revision identified by 'c0'");
}
