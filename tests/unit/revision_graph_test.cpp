// RevisionGraph: structure, heads and bases, topological order, closures, and the errors a
// broken set of revisions raises.
#include "graph_fixtures.hpp"

#include <gtest/gtest.h>

using namespace migrate;
using namespace migrate::graphtest;

namespace {

// aaaa1111 -> bbbb2222 -> {cccc3333, dddd4444} -> eeee5555 (merge): the reference's graph.
RevisionGraph
merge_graph() {
	return make_graph({{"aaaa1111"},
	                   {"bbbb2222", {"aaaa1111"}},
	                   {"cccc3333", {"bbbb2222"}},
	                   {"dddd4444", {"bbbb2222"}},
	                   {"eeee5555", {"cccc3333", "dddd4444"}}});
}

} // namespace

TEST(RevisionGraph, EmptyGraph) {
	RevisionGraph g = make_graph({});
	EXPECT_EQ(g.size(), 0u);
	EXPECT_TRUE(g.heads().empty());
	EXPECT_TRUE(g.bases().empty());
	EXPECT_TRUE(g.topological_order().empty());
	EXPECT_FALSE(g.find("x"));
	EXPECT_TRUE(g.match_prefix("a").empty());
}

TEST(RevisionGraph, LinearChain) {
	RevisionGraph g = make_graph({{"003", {"002"}}, {"001"}, {"002", {"001"}}});
	EXPECT_EQ(g.size(), 3u);
	// Indices follow input order.
	EXPECT_EQ(g[0].id, "003");
	EXPECT_EQ(*g.find("001"), 1u);
	EXPECT_EQ(names(g, g.topological_order()), (Ids{"001", "002", "003"}));
	EXPECT_EQ(names(g, g.heads()), Ids{"003"});
	EXPECT_EQ(names(g, g.real_heads()), Ids{"003"});
	EXPECT_EQ(names(g, g.bases()), Ids{"001"});
	EXPECT_EQ(names(g, g.parents(at(g, "002"))), Ids{"001"});
	EXPECT_EQ(names(g, g.children(at(g, "002"))), Ids{"003"});
	EXPECT_TRUE(g.parents(at(g, "001")).empty());
	EXPECT_EQ(g.topological_position(at(g, "001")), 0u);
	EXPECT_EQ(g.topological_position(at(g, "003")), 2u);
	EXPECT_EQ(mask_names(g, g.ancestors({at(g, "003")}, false)), (Ids{"001", "002"}));
	EXPECT_EQ(mask_names(g, g.ancestors({at(g, "003")}, true)), (Ids{"001", "002", "003"}));
	EXPECT_EQ(mask_names(g, g.descendants({at(g, "001")}, false)), (Ids{"002", "003"}));
	EXPECT_EQ(mask_names(g, g.descendants({}, true)), Ids{});
	EXPECT_EQ(g.ids(idx(g, {"003", "001"})), (Ids{"001", "003"}));
}

TEST(RevisionGraph, BranchesAndMerge) {
	RevisionGraph g = merge_graph();
	EXPECT_EQ(names(g, g.heads()), Ids{"eeee5555"});
	EXPECT_EQ(names(g, g.bases()), Ids{"aaaa1111"});
	EXPECT_EQ(names(g, g.children(at(g, "bbbb2222"))), (Ids{"cccc3333", "dddd4444"}));
	EXPECT_EQ(names(g, g.parents(at(g, "eeee5555"))), (Ids{"cccc3333", "dddd4444"}));
	EXPECT_EQ(names(g, g.topological_order()), (Ids{"aaaa1111", "bbbb2222", "cccc3333", "dddd4444", "eeee5555"}));

	RevisionGraph branches = make_graph({{"a"}, {"b", {"a"}}, {"c", {"a"}}});
	EXPECT_EQ(names(branches, branches.heads()), (Ids{"b", "c"}));
}

TEST(RevisionGraph, TopologicalOrderFinishesTheBranchTaken) {
	// After b, its just-readied child z comes before c although c < z; then the smallest ready id.
	RevisionGraph g = make_graph({{"d", {"c"}}, {"z", {"b"}}, {"c", {"a"}}, {"b", {"a"}}, {"a"}});
	EXPECT_EQ(names(g, g.topological_order()), (Ids{"a", "b", "z", "c", "d"}));

	// Several roots: smallest id first, each branch finished before the next starts.
	RevisionGraph roots = make_graph({{"y1"}, {"x1"}, {"y2", {"y1"}}, {"x2", {"x1"}}});
	EXPECT_EQ(names(roots, roots.topological_order()), (Ids{"x1", "x2", "y1", "y2"}));

	// A merge waits for both parents.
	RevisionGraph m = make_graph({{"a"}, {"b1", {"a"}}, {"b2", {"b1"}}, {"c1", {"a"}}, {"m", {"b2", "c1"}}});
	EXPECT_EQ(names(m, m.topological_order()), (Ids{"a", "b1", "b2", "c1", "m"}));
}

TEST(RevisionGraph, TopologicalOrderIsIndependentOfInputOrder) {
	std::vector<Spec> specs = {{"a"},        {"b", {"a"}},      {"c", {"a"}}, {"d", {"b"}, {"c"}},
	                           {"e", {"c"}}, {"f", {"d", "e"}}, {"g"},        {"h", {"g"}, {"b"}}};
	Ids first = names(make_graph(specs), make_graph(specs).topological_order());
	std::reverse(specs.begin(), specs.end());
	RevisionGraph g = make_graph(specs);
	EXPECT_EQ(names(g, g.topological_order()), first);
	for (Index i = 0; i < g.size(); ++i)
		for (Index p : g.predecessors(i))
			EXPECT_LT(g.topological_position(p), g.topological_position(i));
}

TEST(RevisionGraph, DependsOn) {
	// core: c1 -> c2; accounting: a1 (a root that depends on c1) -> a2.
	RevisionGraph g =
	    make_graph({{"c1", {}, {}, {"core"}}, {"c2", {"c1"}}, {"a1", {}, {"c1"}, {"accounting"}}, {"a2", {"a1"}}});
	EXPECT_EQ(names(g, g.dependencies(at(g, "a1"))), Ids{"c1"});
	EXPECT_EQ(names(g, g.dependents(at(g, "c1"))), Ids{"a1"});
	EXPECT_EQ(names(g, g.predecessors(at(g, "a1"))), Ids{"c1"});
	EXPECT_EQ(names(g, g.successors(at(g, "c1"))), (Ids{"c2", "a1"})); // children first
	EXPECT_EQ(sorted(names(g, g.heads())), (Ids{"a2", "c2"}));
	EXPECT_EQ(sorted(names(g, g.bases())), (Ids{"a1", "c1"}));
	EXPECT_EQ(mask_names(g, g.ancestors({at(g, "a2")}, true)), (Ids{"c1", "a1", "a2"}));
	EXPECT_EQ(sorted(mask_names(g, g.descendants({at(g, "c1")}, false))), (Ids{"a1", "a2", "c2"}));
	// Through down_revision only.
	EXPECT_EQ(mask_names(g, g.parent_ancestors({at(g, "a2")}, true)), (Ids{"a1", "a2"}));
	EXPECT_EQ(mask_names(g, g.child_descendants({at(g, "c1")}, false)), Ids{"c2"});
	EXPECT_EQ(mask_names(g, g.lineage(at(g, "a1"))), (Ids{"a1", "a2"}));
	// Topological: c1 before a1 (dependency), its own branch first.
	EXPECT_EQ(names(g, g.topological_order()), (Ids{"c1", "c2", "a1", "a2"}));

	// A dependency named by branch label; real heads skip revisions that something depends on.
	RevisionGraph byl = make_graph({{"c1", {}, {}, {"core"}}, {"a1", {}, {"core"}}, {"a2", {"a1"}}});
	EXPECT_EQ(names(byl, byl.dependencies(at(byl, "a1"))), Ids{"c1"});
	EXPECT_EQ(sorted(names(byl, byl.heads())), (Ids{"a2", "c1"}));
	EXPECT_EQ(names(byl, byl.real_heads()), Ids{"a2"});

	// A dependency that is also a parent is one predecessor.
	RevisionGraph both = make_graph({{"a"}, {"b", {"a"}, {"a"}}});
	EXPECT_EQ(names(both, both.predecessors(at(both, "b"))), Ids{"a"});
	EXPECT_EQ(names(both, both.successors(at(both, "a"))), Ids{"b"});
}

TEST(RevisionGraph, LabelsAndLookups) {
	RevisionGraph g = make_graph({{"ae1027"}, {"ae10bb", {"ae1027"}, {}, {"memory"}}, {"b0", {"ae10bb"}}});
	EXPECT_EQ(*g.find_label("memory"), at(g, "ae10bb"));
	EXPECT_FALSE(g.find_label("ae10bb"));
	EXPECT_FALSE(g.find("memory"));
	auto m = g.match_prefix("ae1");
	ASSERT_EQ(m.size(), 2u);
	EXPECT_EQ(m[0].key, "ae1027");
	EXPECT_EQ(m[1].key, "ae10bb");
	auto mem = g.match_prefix("me");
	ASSERT_EQ(mem.size(), 1u);
	EXPECT_EQ(mem[0].revision, at(g, "ae10bb"));
	EXPECT_EQ(g.match_prefix("").size(), 4u); // every id and label
	EXPECT_TRUE(g.match_prefix("zz").empty());
	EXPECT_TRUE(g.match_prefix("ae10bbb").empty());
}

TEST(RevisionGraph, Maximal) {
	RevisionGraph g = merge_graph();
	EXPECT_EQ(names(g, g.maximal(idx(g, {"aaaa1111", "cccc3333", "dddd4444"}))), (Ids{"cccc3333", "dddd4444"}));
	EXPECT_EQ(names(g, g.maximal(idx(g, {"eeee5555", "cccc3333", "eeee5555"}))), Ids{"eeee5555"});
	EXPECT_TRUE(g.maximal({}).empty());
	RevisionGraph d = make_graph({{"c1"}, {"a1", {}, {"c1"}}});
	EXPECT_EQ(names(d, d.maximal(idx(d, {"c1", "a1"}))), Ids{"a1"});
}

TEST(RevisionGraph, CopyKeepsWorking) {
	RevisionGraph original = make_graph({{"ae1027"}, {"ae10bb", {"ae1027"}, {}, {"memory"}}});
	RevisionGraph copy = original;
	{ RevisionGraph gone = std::move(original); }
	auto m = copy.match_prefix("mem");
	ASSERT_EQ(m.size(), 1u);
	EXPECT_EQ(m[0].key, "memory");
	EXPECT_EQ(names(copy, resolve_revisions(copy, "ae10b")), Ids{"ae10bb"});
	EXPECT_EQ(names(copy, resolve_revisions(copy, "memory")), Ids{"ae10bb"});
}

// --- errors ------------------------------------------------------------------------------------

TEST(RevisionGraphErrors, DuplicateRevision) {
	Error e = error_of([] { make_graph({{"001"}, {"002", {"001"}}, {"001"}}); });
	EXPECT_EQ(e.sqlstate(), sqlstate::duplicate_object);
	EXPECT_STREQ(e.what(), "Revision '001' is present more than once");
	EXPECT_EQ(e.detail(), "It is declared in file 20260101_0000_001_x.sql and in file 20260101_0000_001_x.sql.");

	std::vector<Revision> revs = {make_revision({"x"}), make_revision({"x"})};
	revs[0].filename = "a.sql";
	revs[1].filename = "";
	Error named = error_of([&] { RevisionGraph g(revs); });
	EXPECT_EQ(named.detail(), "It is declared in file a.sql and in an unnamed file.");
	revs[0].filename = "";
	Error unnamed = error_of([&] { RevisionGraph g(revs); });
	EXPECT_EQ(unnamed.detail(), "");
}

TEST(RevisionGraphErrors, UnknownReferences) {
	Error down = error_of([] { make_graph({{"001"}, {"002", {"000"}}}); });
	EXPECT_EQ(down.sqlstate(), sqlstate::invalid_object_definition);
	EXPECT_STREQ(down.what(), "Revision '000' referenced from '002' is not present");
	EXPECT_NE(down.detail().find("20260101_0000_002_x.sql"), std::string::npos);
	EXPECT_NE(down.detail().find("down_revision"), std::string::npos);

	Error dep = error_of([] { make_graph({{"001"}, {"002", {"001"}, {"nope"}}}); });
	EXPECT_EQ(dep.sqlstate(), sqlstate::invalid_object_definition);
	EXPECT_STREQ(dep.what(), "Revision 'nope' referenced from '002' is not present");
	EXPECT_NE(dep.detail().find("depends_on"), std::string::npos);
}

TEST(RevisionGraphErrors, SelfLoops) {
	Error self = error_of([] { make_graph({{"001", {"001"}}}); });
	EXPECT_EQ(self.sqlstate(), sqlstate::invalid_object_definition);
	EXPECT_STREQ(self.what(), "Self-loop is detected in revisions (001)");

	Error dep = error_of([] { make_graph({{"001", {}, {"001"}}}); });
	EXPECT_STREQ(dep.what(), "Dependency self-loop is detected in revisions (001)");
	Error by_label = error_of([] { make_graph({{"001", {}, {"mine"}, {"mine"}}}); });
	EXPECT_STREQ(by_label.what(), "Dependency self-loop is detected in revisions (001)");
}

TEST(RevisionGraphErrors, Cycles) {
	// a -> b -> c -> a, with a proper root and a revision hanging off the cycle: only the cycle is named.
	Error cycle = error_of([] {
		make_graph({{"r"}, {"c", {"b"}}, {"a", {"c"}}, {"b", {"a"}}, {"tail", {"b"}}, {"s", {"r"}}});
	});
	EXPECT_EQ(cycle.sqlstate(), sqlstate::invalid_object_definition);
	EXPECT_STREQ(cycle.what(), "Cycle is detected in revisions (a, b, c)");

	Error two = error_of([] { make_graph({{"x", {"y"}}, {"y", {"x"}}}); });
	EXPECT_STREQ(two.what(), "Cycle is detected in revisions (x, y)");

	// A cycle only through depends_on.
	Error dep = error_of([] { make_graph({{"a"}, {"b", {"a"}, {"c"}}, {"c", {"b"}}}); });
	EXPECT_EQ(dep.sqlstate(), sqlstate::invalid_object_definition);
	EXPECT_STREQ(dep.what(), "Dependency cycle is detected in revisions (b, c)");

	Error dep3 = error_of([] { make_graph({{"a", {}, {"c"}}, {"b", {}, {"a"}}, {"c", {}, {"b"}}}); });
	EXPECT_STREQ(dep3.what(), "Dependency cycle is detected in revisions (a, b, c)");
}

TEST(RevisionGraphErrors, BranchLabels) {
	Error dup = error_of([] { make_graph({{"001", {}, {}, {"core"}}, {"002", {"001"}, {}, {"core"}}}); });
	EXPECT_EQ(dup.sqlstate(), sqlstate::duplicate_object);
	EXPECT_STREQ(dup.what(), "Branch name 'core' in revision 002 already used by revision 001");

	Error as_id = error_of([] { make_graph({{"001"}, {"002", {"001"}, {}, {"001"}}}); });
	EXPECT_EQ(as_id.sqlstate(), sqlstate::duplicate_object);
	EXPECT_STREQ(as_id.what(), "Branch name '001' in revision 002 already used by revision 001");
	EXPECT_EQ(as_id.detail(), "'001' is the id of revision 001 (file 20260101_0000_001_x.sql).");

	Error own = error_of([] { make_graph({{"001", {}, {}, {"001"}}}); });
	EXPECT_STREQ(own.what(), "Branch name '001' in revision 001 already used by revision 001");

	// The same label twice in one revision is one label.
	RevisionGraph g = make_graph({{"001", {}, {}, {"core", "core"}}});
	EXPECT_EQ(*g.find_label("core"), 0u);
	EXPECT_EQ(g.match_prefix("co").size(), 1u);
}

TEST(RevisionGraphErrors, IllegalNames) {
	Error chars = error_of([] { make_graph({{"a-b@c"}}); });
	EXPECT_EQ(chars.sqlstate(), sqlstate::invalid_object_definition);
	EXPECT_STREQ(chars.what(), "Character(s) '-, @' not allowed in revision identifier 'a-b@c'");

	Error label = error_of([] { make_graph({{"a", {}, {}, {"x+y"}}}); });
	EXPECT_STREQ(label.what(), "Character(s) '+' not allowed in branch label 'x+y'");

	Error empty = error_of([] { make_graph({{""}}); });
	EXPECT_EQ(empty.sqlstate(), sqlstate::invalid_object_definition);

	for (const char *reserved : {"head", "heads", "base"}) {
		Error id = error_of([&] { make_graph({{reserved}}); });
		EXPECT_EQ(id.sqlstate(), sqlstate::invalid_object_definition) << reserved;
		Error lab = error_of([&] { make_graph({{"a", {}, {}, {reserved}}}); });
		EXPECT_EQ(lab.sqlstate(), sqlstate::invalid_object_definition) << reserved;
	}
}
