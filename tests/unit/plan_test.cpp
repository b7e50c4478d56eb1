// Planning: upgrade, downgrade and stamp over linear chains, branches, merges and depends_on,
// with the version-row bookkeeping of every step (Alembic's alembic_version contents).
#include "graph_fixtures.hpp"

#include <gtest/gtest.h>

using namespace migrate;
using namespace migrate::graphtest;

namespace {

RevisionGraph
linear(bool third_reversible = true) {
	return make_graph({{"001"}, {"002", {"001"}}, {"003", {"002"}, {}, {}, third_reversible}, {"004", {"003"}}});
}

// aaaa1111 -> bbbb2222 -> {cccc3333, dddd4444} -> eeee5555 (merge)
RevisionGraph
merged() {
	return make_graph({{"aaaa1111"},
	                   {"bbbb2222", {"aaaa1111"}},
	                   {"cccc3333", {"bbbb2222"}},
	                   {"dddd4444", {"bbbb2222"}},
	                   {"eeee5555", {"cccc3333", "dddd4444"}}});
}

RevisionGraph
branches() {
	return make_graph(
	    {{"aaaa1111"}, {"bbbb2222", {"aaaa1111"}}, {"cccc3333", {"bbbb2222"}}, {"dddd4444", {"bbbb2222"}}});
}

// The reference's depends_on example: core c0000001 -> c0000002; accounting a0000001 (a new root
// that depends on c0000001) -> a0000002.
RevisionGraph
core_accounting() {
	return make_graph({{"c0000001", {}, {}, {"core"}},
	                   {"c0000002", {"c0000001"}},
	                   {"a0000001", {}, {"c0000001"}, {"accounting"}},
	                   {"a0000002", {"a0000001"}}});
}

struct Bookkeeping {
	Ids del;
	Ids ins;
	bool operator==(const Bookkeeping &) const = default;
};

std::vector<Bookkeeping>
bookkeeping(const Plan &plan) {
	std::vector<Bookkeeping> out;
	for (const Step &s : plan.steps)
		out.push_back({s.version_delete, s.version_insert});
	return out;
}

Ids
rows_after(const RevisionGraph &g, const Ids &rows, const Plan &plan) {
	(void)g;
	return apply_rows(rows, plan);
}

} // namespace

TEST(PlanUpgrade, LinearFromBase) {
	RevisionGraph g = linear();
	Plan plan = plan_upgrade(g, {}, "head");
	EXPECT_EQ(step_ids(g, plan), (Ids{"001", "002", "003", "004"}));
	for (const Step &s : plan.steps)
		EXPECT_EQ(s.direction, Direction::upgrade);
	EXPECT_EQ(bookkeeping(plan),
	          (std::vector<Bookkeeping>{{{}, {"001"}}, {{"001"}, {"002"}}, {{"002"}, {"003"}}, {{"003"}, {"004"}}}));
	EXPECT_EQ(step_from(g, plan.steps[0]), "");
	EXPECT_EQ(step_to(g, plan.steps[0]), "001");
	EXPECT_EQ(step_from(g, plan.steps[1]), "001");
	EXPECT_EQ(step_to(g, plan.steps[1]), "002");
}

TEST(PlanUpgrade, PartialAndNoOps) {
	RevisionGraph g = linear();
	EXPECT_EQ(upgrade_steps(g, {"002"}, "head"), (Ids{"003", "004"}));
	EXPECT_EQ(upgrade_steps(g, {}, "002"), (Ids{"001", "002"}));
	EXPECT_EQ(upgrade_steps(g, {"001"}, "+2"), (Ids{"002", "003"}));
	EXPECT_EQ(upgrade_steps(g, {}, "+1"), Ids{"001"});
	// Already applied, or below: empty plans, not errors.
	EXPECT_TRUE(plan_upgrade(g, idx(g, {"004"}), "head").steps.empty());
	EXPECT_TRUE(plan_upgrade(g, idx(g, {"004"}), "heads").steps.empty());
	EXPECT_TRUE(plan_upgrade(g, idx(g, {"004"}), "002").steps.empty());
	EXPECT_TRUE(plan_upgrade(g, idx(g, {"004"}), "base").steps.empty());
	EXPECT_TRUE(plan_upgrade(g, idx(g, {"003"}), "+0").steps.empty());
	EXPECT_TRUE(plan_upgrade(g, {}, "base").steps.empty());
	EXPECT_STREQ(error_of([&] { plan_upgrade(g, idx(g, {"004"}), "+1"); }).what(),
	             "Relative revision +1 didn't produce 1 migrations");
	EXPECT_STREQ(error_of([&] { plan_upgrade(g, {}, "zz"); }).what(), "Can't locate revision identified by 'zz'");
}

TEST(PlanUpgrade, BranchesAndMerge) {
	RevisionGraph g = merged();
	// Another branch while at one head: a new row, no delete.
	Plan other = plan_upgrade(g, idx(g, {"cccc3333"}), "dddd4444");
	EXPECT_EQ(step_ids(g, other), Ids{"dddd4444"});
	EXPECT_EQ(bookkeeping(other), (std::vector<Bookkeeping>{{{}, {"dddd4444"}}}));
	EXPECT_EQ(rows_after(g, {"cccc3333"}, other), (Ids{"cccc3333", "dddd4444"}));

	// The merge replaces both heads.
	Plan merge = plan_upgrade(g, idx(g, {"cccc3333", "dddd4444"}), "head");
	EXPECT_EQ(bookkeeping(merge), (std::vector<Bookkeeping>{{{"cccc3333", "dddd4444"}, {"eeee5555"}}}));
	EXPECT_EQ(step_from(g, merge.steps[0]), "cccc3333, dddd4444");
	EXPECT_EQ(step_to(g, merge.steps[0]), "eeee5555");

	// From base: each branch in turn, then the merge.
	Plan all = plan_upgrade(g, {}, "head");
	EXPECT_EQ(step_ids(g, all), (Ids{"aaaa1111", "bbbb2222", "cccc3333", "dddd4444", "eeee5555"}));
	EXPECT_EQ(bookkeeping(all)[3], (Bookkeeping{{}, {"dddd4444"}}));
	EXPECT_EQ(rows_after(g, {}, all), Ids{"eeee5555"});

	// Below the merge while at it: a no-op.
	EXPECT_TRUE(plan_upgrade(g, idx(g, {"eeee5555"}), "bbbb2222").steps.empty());

	RevisionGraph b = branches();
	EXPECT_EQ(rows_after(b, {}, plan_upgrade(b, {}, "heads")), (Ids{"cccc3333", "dddd4444"}));
	EXPECT_STREQ(error_of([&] { plan_upgrade(b, {}, "head"); }).what(),
	             "Multiple head revisions are present for given argument 'head'; please specify a specific target "
	             "revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads");
	EXPECT_STREQ(error_of([&] {
		             plan_upgrade(b, idx(b, {"cccc3333", "dddd4444"}), "+1");
	             }).what(),
	             "Ambiguous upgrade from multiple current revisions");
	EXPECT_STREQ(error_of([&] { plan_upgrade(b, idx(b, {"aaaa1111"}), "+2"); }).what(), "Ambiguous walk");
}

TEST(PlanUpgrade, DependsOnPullsInTheOtherBranch) {
	RevisionGraph g = core_accounting();
	Plan plan = plan_upgrade(g, {}, "accounting@head");
	EXPECT_EQ(step_ids(g, plan), (Ids{"c0000001", "a0000001", "a0000002"}));
	// As Alembic: the table holds only a0000002 (c0000001 is implied by the dependency).
	EXPECT_EQ(bookkeeping(plan), (std::vector<Bookkeeping>{
	                                 {{}, {"c0000001"}}, {{"c0000001"}, {"a0000001"}}, {{"a0000001"}, {"a0000002"}}}));
	// A dependency is not a parent in the log label.
	EXPECT_EQ(step_from(g, plan.steps[1]), "");
	EXPECT_EQ(step_to(g, plan.steps[1]), "a0000001");

	// core@+1 advances only core, from the implied c0000001.
	Plan core = plan_upgrade(g, idx(g, {"a0000002"}), "core@+1");
	EXPECT_EQ(step_ids(g, core), Ids{"c0000002"});
	EXPECT_EQ(bookkeeping(core), (std::vector<Bookkeeping>{{{}, {"c0000002"}}}));

	// heads = real heads: everything.
	EXPECT_EQ(rows_after(g, {}, plan_upgrade(g, {}, "heads")), (Ids{"a0000002", "c0000002"}));
	// An upgrade whose revision depends on a current row deletes that row.
	Plan dep_row = plan_upgrade(g, idx(g, {"c0000001"}), "a0000001");
	EXPECT_EQ(bookkeeping(dep_row), (std::vector<Bookkeeping>{{{"c0000001"}, {"a0000001"}}}));
}

TEST(PlanDowngrade, Linear) {
	RevisionGraph g = linear();
	Plan plan = plan_downgrade(g, idx(g, {"004"}), "base");
	EXPECT_EQ(step_ids(g, plan), (Ids{"004", "003", "002", "001"}));
	for (const Step &s : plan.steps)
		EXPECT_EQ(s.direction, Direction::downgrade);
	EXPECT_EQ(bookkeeping(plan),
	          (std::vector<Bookkeeping>{{{"004"}, {"003"}}, {{"003"}, {"002"}}, {{"002"}, {"001"}}, {{"001"}, {}}}));
	EXPECT_EQ(step_from(g, plan.steps[0]), "004");
	EXPECT_EQ(step_to(g, plan.steps[0]), "003");
	EXPECT_EQ(step_from(g, plan.steps[3]), "001");
	EXPECT_EQ(step_to(g, plan.steps[3]), "");

	EXPECT_EQ(downgrade_steps(g, {"004"}, "002"), (Ids{"004", "003"}));
	EXPECT_EQ(downgrade_steps(g, {"004"}, "-1"), Ids{"004"});
	EXPECT_EQ(downgrade_steps(g, {"004"}, "-2"), (Ids{"004", "003"}));
	EXPECT_EQ(downgrade_steps(g, {"004"}, "head-1"), Ids{"004"});
	EXPECT_EQ(downgrade_steps(g, {"003"}, "001+1"), Ids{"003"});
	// At or to the current revision, or nothing applied: no-ops.
	EXPECT_TRUE(plan_downgrade(g, idx(g, {"004"}), "head").steps.empty());
	EXPECT_TRUE(plan_downgrade(g, idx(g, {"003"}), "003").steps.empty());
	EXPECT_TRUE(plan_downgrade(g, idx(g, {"003"}), "-0").steps.empty());
	EXPECT_TRUE(plan_downgrade(g, {}, "base").steps.empty());
}

TEST(PlanDowngrade, NotAValidTarget) {
	RevisionGraph g = linear();
	Error above = error_of([&] { plan_downgrade(g, idx(g, {"002"}), "004"); });
	EXPECT_EQ(above.sqlstate(), sqlstate::invalid_parameter_value);
	EXPECT_STREQ(above.what(), "Destination 004 is not a valid downgrade target from current head(s)");
	EXPECT_STREQ(error_of([&] { plan_downgrade(g, idx(g, {"002"}), "head"); }).what(),
	             "Destination head is not a valid downgrade target from current head(s)");
	EXPECT_STREQ(error_of([&] { plan_downgrade(g, {}, "001"); }).what(),
	             "Destination 001 is not a valid downgrade target from current head(s)");

	RevisionGraph b = branches();
	EXPECT_STREQ(error_of([&] { plan_downgrade(b, idx(b, {"cccc3333"}), "dddd4444"); }).what(),
	             "Destination dddd4444 is not a valid downgrade target from current head(s)");
	RevisionGraph m = merged();
	EXPECT_STREQ(error_of([&] {
		             plan_downgrade(m, idx(m, {"cccc3333", "dddd4444"}), "eeee5555");
	             }).what(),
	             "Destination eeee5555 is not a valid downgrade target from current head(s)");
}

TEST(PlanDowngrade, MergeAndUnmerge) {
	RevisionGraph g = merged();
	// To a parent of the merge: unmerge, both parents become rows.
	Plan unmerge = plan_downgrade(g, idx(g, {"eeee5555"}), "cccc3333");
	EXPECT_EQ(step_ids(g, unmerge), Ids{"eeee5555"});
	EXPECT_EQ(bookkeeping(unmerge), (std::vector<Bookkeeping>{{{"eeee5555"}, {"cccc3333", "dddd4444"}}}));
	EXPECT_EQ(step_from(g, unmerge.steps[0]), "eeee5555");
	EXPECT_EQ(step_to(g, unmerge.steps[0]), "cccc3333, dddd4444");

	// Below the branch point: the merge, then both branches.
	Plan both = plan_downgrade(g, idx(g, {"eeee5555"}), "bbbb2222");
	EXPECT_EQ(step_ids(g, both), (Ids{"eeee5555", "dddd4444", "cccc3333"}));
	EXPECT_EQ(bookkeeping(both),
	          (std::vector<Bookkeeping>{
	              {{"eeee5555"}, {"cccc3333", "dddd4444"}}, {{"dddd4444"}, {}}, {{"cccc3333"}, {"bbbb2222"}}}));
	EXPECT_EQ(rows_after(g, {"eeee5555"}, both), Ids{"bbbb2222"});

	EXPECT_EQ(rows_after(g, {"eeee5555"}, plan_downgrade(g, idx(g, {"eeee5555"}), "base")), Ids{});
}

TEST(PlanDowngrade, BranchesStayIndependent) {
	RevisionGraph g = branches();
	const Ids heads = {"cccc3333", "dddd4444"};
	// One branch by label@-1 (the other stays), and by naming the branch point within a label.
	Plan left = plan_downgrade(g, idx(g, heads), "cccc3333@-1");
	EXPECT_EQ(step_ids(g, left), Ids{"cccc3333"});
	EXPECT_EQ(rows_after(g, heads, left), Ids{"dddd4444"});
	EXPECT_EQ(downgrade_steps(g, heads, "dddd4444@bbbb2222"), Ids{"dddd4444"});
	// Without a label, the branch point takes both branches.
	EXPECT_EQ(downgrade_steps(g, heads, "bbbb2222"), (Ids{"dddd4444", "cccc3333"}));
	// So does a label whose revision is below the branch point (its lineage holds both).
	RevisionGraph labelled = make_graph({{"aaaa1111", {}, {}, {"trunk"}},
	                                     {"bbbb2222", {"aaaa1111"}},
	                                     {"cccc3333", {"bbbb2222"}, {}, {"left"}},
	                                     {"dddd4444", {"bbbb2222"}}});
	EXPECT_EQ(downgrade_steps(labelled, heads, "trunk@bbbb2222"), (Ids{"dddd4444", "cccc3333"}));
	EXPECT_EQ(downgrade_steps(labelled, heads, "left@bbbb2222"), Ids{"cccc3333"});
	EXPECT_EQ(downgrade_steps(labelled, heads, "left@base"), (Ids{"dddd4444", "cccc3333", "bbbb2222", "aaaa1111"}));
	// -1 with two heads applied is refused.
	EXPECT_STREQ(error_of([&] { plan_downgrade(g, idx(g, heads), "-1"); }).what(),
	             "downgrade -1 from multiple heads is ambiguous; current heads: cccc3333, dddd4444");
	// -0 with two heads: nothing to do.
	EXPECT_TRUE(plan_downgrade(g, idx(g, heads), "-0").steps.empty());
	// base without label: everything.
	EXPECT_EQ(rows_after(g, heads, plan_downgrade(g, idx(g, heads), "base")), Ids{});

	// Two roots: label@base reverts one lineage only.
	RevisionGraph two = make_graph({{"x1", {}, {}, {"x"}}, {"x2", {"x1"}}, {"y1", {}, {}, {"y"}}, {"y2", {"y1"}}});
	Plan x = plan_downgrade(two, idx(two, {"x2", "y2"}), "x@base");
	EXPECT_EQ(step_ids(two, x), (Ids{"x2", "x1"}));
	EXPECT_EQ(rows_after(two, {"x2", "y2"}, x), Ids{"y2"});
	EXPECT_EQ(downgrade_steps(two, {"x2", "y2"}, "y@-2"), (Ids{"y2", "y1"}));
}

TEST(PlanDowngrade, DependsOn) {
	RevisionGraph g = core_accounting();
	const Ids all = {"a0000002", "c0000002"};
	// core@base also reverts accounting, which depends on c0000001.
	Plan core = plan_downgrade(g, idx(g, all), "core@base");
	EXPECT_EQ(step_ids(g, core), (Ids{"a0000002", "a0000001", "c0000002", "c0000001"}));
	EXPECT_EQ(bookkeeping(core),
	          (std::vector<Bookkeeping>{
	              {{"a0000002"}, {"a0000001"}}, {{"a0000001"}, {}}, {{"c0000002"}, {"c0000001"}}, {{"c0000001"}, {}}}));
	EXPECT_EQ(rows_after(g, all, core), Ids{});

	// accounting@base leaves core alone; c0000001 becomes a row again once nothing depends on it.
	Plan acct = plan_downgrade(g, idx(g, {"a0000002"}), "accounting@base");
	EXPECT_EQ(step_ids(g, acct), (Ids{"a0000002", "a0000001"}));
	EXPECT_EQ(bookkeeping(acct),
	          (std::vector<Bookkeeping>{{{"a0000002"}, {"a0000001"}}, {{"a0000001"}, {"c0000001"}}}));

	// Downgrading to c0000001 keeps a0000001 (its dependency stays applied), like Alembic.
	Plan to_c1 = plan_downgrade(g, idx(g, all), "c0000001");
	EXPECT_EQ(step_ids(g, to_c1), Ids{"c0000002"});
	EXPECT_EQ(bookkeeping(to_c1), (std::vector<Bookkeeping>{{{"c0000002"}, {}}}));
	EXPECT_EQ(rows_after(g, all, to_c1), Ids{"a0000002"});
	// An applied revision that is only implied: nothing above it to drop.
	EXPECT_TRUE(plan_downgrade(g, idx(g, {"a0000002"}), "c0000001").steps.empty());

	// -1 from the single accounting row stays in its lineage.
	Plan one = plan_downgrade(g, idx(g, {"a0000002"}), "-2");
	EXPECT_EQ(step_ids(g, one), (Ids{"a0000002", "a0000001"}));
	EXPECT_EQ(rows_after(g, {"a0000002"}, one), Ids{"c0000001"});

	// A revision that depends on a reverted one goes too, wherever it sits.
	RevisionGraph d = make_graph({{"b1"}, {"b2", {"b1"}}, {"o1"}, {"o2", {"o1"}, {"b2"}}, {"o3", {"o2"}}});
	Plan plan = plan_downgrade(d, idx(d, {"o3"}), "b1");
	EXPECT_EQ(step_ids(d, plan), (Ids{"o3", "o2", "b2"}));
	EXPECT_EQ(rows_after(d, {"o3"}, plan), (Ids{"b1", "o1"}));
}

TEST(PlanDowngrade, Irreversible) {
	RevisionGraph g = linear(false); // 003 has no downgrade section
	Error e = error_of([&] { plan_downgrade(g, idx(g, {"004"}), "base"); });
	EXPECT_EQ(e.sqlstate(), sqlstate::not_in_prerequisite_state);
	EXPECT_STREQ(e.what(), "Revision 003 has no downgrade section; cannot downgrade past it");
	EXPECT_FALSE(e.hint().empty());
	EXPECT_NE(e.hint().find("20260101_0000_003_x.sql"), std::string::npos);
	EXPECT_STREQ(error_of([&] { plan_downgrade(g, idx(g, {"004"}), "002"); }).what(),
	             "Revision 003 has no downgrade section; cannot downgrade past it");
	// Down to the irreversible revision itself is fine.
	EXPECT_EQ(downgrade_steps(g, {"004"}, "003"), Ids{"004"});

	RevisionGraph two = make_graph({{"001", {}, {}, {}, false}, {"002", {"001"}, {}, {}, false}});
	Error both = error_of([&] { plan_downgrade(two, idx(two, {"002"}), "base"); });
	EXPECT_STREQ(both.what(), "Revision 002 has no downgrade section; cannot downgrade past it");
	EXPECT_EQ(both.detail(), "Revisions without a downgrade section in this downgrade: 002, 001.");
}

TEST(PlanStamp, SingleTarget) {
	RevisionGraph g = merged();
	auto stamp = [&](const Ids &rows, const Ids &targets, bool purge = false) {
		return plan_stamp(g, idx(g, rows), targets, purge);
	};
	EXPECT_EQ(stamp({"cccc3333"}, {"dddd4444"}), (Ids{"cccc3333", "dddd4444"})); // unrelated: added
	EXPECT_EQ(stamp({"cccc3333", "dddd4444"}, {"heads"}), Ids{"eeee5555"});      // above: replaces both
	EXPECT_EQ(stamp({"eeee5555"}, {"bbbb2222"}), Ids{"bbbb2222"});               // below: replaces
	EXPECT_EQ(stamp({"eeee5555"}, {"cccc3333"}), Ids{"cccc3333"});
	EXPECT_EQ(stamp({"eeee5555"}, {"eeee5555"}), Ids{"eeee5555"});
	EXPECT_EQ(stamp({"eeee5555"}, {"base"}), Ids{});
	EXPECT_EQ(stamp({}, {"base"}), Ids{});
	EXPECT_EQ(stamp({"eeee5555"}, {}), Ids{}); // no target: base
	EXPECT_EQ(stamp({}, {"head"}), Ids{"eeee5555"});
	EXPECT_EQ(stamp({"aaaa1111"}, {"cccc"}), Ids{"cccc3333"});
	// purge: start from nothing.
	EXPECT_EQ(stamp({"cccc3333"}, {"dddd4444"}, true), Ids{"dddd4444"});

	RevisionGraph b = branches();
	Error e = error_of([&] { plan_stamp(b, {}, {"head"}, false); });
	EXPECT_EQ(e.sqlstate(), sqlstate::invalid_parameter_value);
	EXPECT_STREQ(e.what(), "Multiple heads are present; please specify a single target revision");
	EXPECT_EQ(plan_stamp(b, {}, {"heads"}, false), (Ids{"cccc3333", "dddd4444"}));
	EXPECT_EQ(plan_stamp(b, idx(b, {"aaaa1111"}), {"heads"}, false), (Ids{"cccc3333", "dddd4444"}));
	EXPECT_STREQ(error_of([&] { plan_stamp(b, {}, {"zz"}, false); }).what(),
	             "Can't locate revision identified by 'zz'");
	EXPECT_EQ(error_of([&] { plan_stamp(b, {}, {"-1"}, false); }).sqlstate(), sqlstate::invalid_parameter_value);
}

TEST(PlanStamp, LabelsAndDependencies) {
	RevisionGraph g = core_accounting();
	const Ids all = {"a0000002", "c0000002"};
	auto stamp = [&](const Ids &rows, const Ids &targets) { return plan_stamp(g, idx(g, rows), targets, false); };
	// label@base clears that lineage (and what depends on it); accounting@base leaves core.
	EXPECT_EQ(stamp(all, {"accounting@base"}), Ids{"c0000002"});
	EXPECT_EQ(stamp(all, {"core@base"}), Ids{});
	EXPECT_EQ(stamp({"c0000002"}, {"accounting@base"}), Ids{"c0000002"});
	// c0000001 is below both rows (one through a dependency): both give way.
	EXPECT_EQ(stamp(all, {"c0000001"}), Ids{"c0000001"});
	// core's head while accounting holds c0000001 implied: added beside it.
	EXPECT_EQ(stamp({"a0000002"}, {"core@head"}), (Ids{"c0000002", "a0000002"}));
	EXPECT_EQ(stamp({"c0000002"}, {"accounting@head"}), (Ids{"c0000002", "a0000002"}));
	EXPECT_EQ(stamp({}, {"heads"}), (Ids{"c0000002", "a0000002"}));
}

TEST(PlanStamp, SeveralTargets) {
	RevisionGraph g = merged();
	// Exactly those revisions, whatever was there (Alembic crashes on this case).
	EXPECT_EQ(plan_stamp(g, idx(g, {"eeee5555"}), {"dddd4444", "cccc3333"}, false), (Ids{"cccc3333", "dddd4444"}));
	// Reduced to the maximal ones.
	EXPECT_EQ(plan_stamp(g, {}, {"aaaa1111", "cccc3333"}, false), Ids{"cccc3333"});
	EXPECT_EQ(plan_stamp(g, {}, {"base", "cccc3333"}, false), Ids{"cccc3333"});
	EXPECT_EQ(plan_stamp(g, idx(g, {"eeee5555"}), {"base", "base"}, false), Ids{});
	EXPECT_STREQ(error_of([&] {
		             plan_stamp(g, {}, {"cccc3333", "nope"}, false);
	             }).what(),
	             "Can't locate revision identified by 'nope'");
}

TEST(PlanLabels, StepLabels) {
	RevisionGraph g = merged();
	Step up{Direction::upgrade, at(g, "aaaa1111"), {}, {}};
	EXPECT_EQ(step_from(g, up), "");
	EXPECT_EQ(step_to(g, up), "aaaa1111");
	Step merge_down{Direction::downgrade, at(g, "eeee5555"), {}, {}};
	EXPECT_EQ(step_from(g, merge_down), "eeee5555");
	EXPECT_EQ(step_to(g, merge_down), "cccc3333, dddd4444");
	Step base_down{Direction::downgrade, at(g, "aaaa1111"), {}, {}};
	EXPECT_EQ(step_to(g, base_down), "");
}

TEST(PlanRoundTrip, UpThenDownRestoresRows) {
	RevisionGraph g = make_graph({{"r"},
	                              {"a1", {"r"}},
	                              {"a2", {"a1"}},
	                              {"b1", {"r"}},
	                              {"b2", {"b1"}, {"a1"}},
	                              {"m", {"a2", "b2"}},
	                              {"s1", {}, {"b1"}, {"side"}},
	                              {"s2", {"s1"}}});
	Plan up = plan_upgrade(g, {}, "heads");
	EXPECT_EQ(up.steps.size(), g.size());
	Ids rows = apply_rows({}, up);
	EXPECT_EQ(rows, (Ids{"m", "s2"}));
	std::vector<bool> seen(g.size(), false);
	for (const Step &s : up.steps) {
		for (Index p : g.predecessors(s.revision))
			EXPECT_TRUE(seen[p]) << g[s.revision].id;
		seen[s.revision] = true;
	}
	Plan down = plan_downgrade(g, idx(g, rows), "base");
	EXPECT_EQ(down.steps.size(), g.size());
	EXPECT_EQ(apply_rows(rows, down), Ids{});
	// Partial: down to a1 leaves r, a1 and whatever does not descend from a1's children.
	Plan part = plan_downgrade(g, idx(g, rows), "a1");
	EXPECT_EQ(sorted(step_ids(g, part)), (Ids{"a2", "m"}));
	EXPECT_EQ(apply_rows(rows, part), (Ids{"b2", "s2"}));
}

TEST(Plan, StepCountReadsBackWhatItWrites) {
	EXPECT_EQ(step_count(3, 40), "step 3 of 40");
	auto c = parse_step_count(step_count(3, 40));
	ASSERT_TRUE(c.has_value());
	EXPECT_EQ(c->step, 3u);
	EXPECT_EQ(c->steps, 40u);
	for (const char *other : {"", "step 3", "step 3 of", "step x of 4", "step 3 of 4 more", "Step 3 of 4"})
		EXPECT_FALSE(parse_step_count(other).has_value()) << other;
}
