// History lines and blocks in Alembic's format.
#include "migrate/history_text.hpp"
#include "test_graphs.hpp"

#include <gtest/gtest.h>

using namespace migrate;
using migrate::testing::rev;

namespace {

std::vector<std::string>
lines(const std::vector<HistoryEntry> &entries) {
	std::vector<std::string> out;
	for (const auto &e : entries)
		out.push_back(e.line);
	return out;
}

} // namespace

TEST(History, NewestFirstWithBranchAndMergeMarkers) {
	RevisionGraph graph({rev("a", {}, "base_rev"), rev("b", {"a"}, "second"), rev("c", {"b"}, "branch1"),
	                     rev("d", {"b"}, "branch2"), rev("e", {"c", "d"}, "mergeit")});
	auto entries = history(graph, {}, {}, HistoryText::line);
	auto got = lines(entries);
	ASSERT_EQ(got.size(), 5u);
	EXPECT_EQ(got.front(), "c, d -> e (head) (mergepoint), mergeit");
	EXPECT_EQ(got.back(), "<base> -> a, base_rev");
	EXPECT_NE(std::find(got.begin(), got.end(), "a -> b (branchpoint), second"), got.end());
	EXPECT_NE(std::find(got.begin(), got.end(), "b -> c, branch1"), got.end());
}

TEST(History, BranchLabelsDependenciesAndCurrent) {
	Revision core = rev("c1", {}, "core1");
	core.branch_labels = {"core"};
	Revision acct = rev("a1", {}, "acct1");
	acct.branch_labels = {"accounting"};
	acct.depends_on = {"c1"};
	RevisionGraph graph({core, acct});
	std::vector<bool> applied, current;
	applied_masks(graph, {*graph.find("a1")}, applied, current);
	EXPECT_TRUE(applied[*graph.find("c1")]) << "a dependency of an applied revision is applied";
	EXPECT_FALSE(current[*graph.find("c1")]);
	auto entries = history(graph, applied, current, HistoryText::line);
	auto got = lines(entries);
	EXPECT_NE(std::find(got.begin(), got.end(), "<base> (c1) -> a1 (accounting) (head) (current), acct1"), got.end())
	    << ::testing::PrintToString(got);
	// c1 has no child, but a1 depends on it: Alembic calls that an effective head.
	EXPECT_NE(std::find(got.begin(), got.end(), "<base> -> c1 (core) (effective head), core1"), got.end())
	    << ::testing::PrintToString(got);
}

TEST(History, VerboseBlock) {
	RevisionGraph graph({rev("001", {}, "initial schema"), rev("002", {"001"}, "add agents\nwith details")});
	std::vector<bool> applied, current;
	applied_masks(graph, {*graph.find("001")}, applied, current);
	auto entries = history(graph, applied, current, HistoryText::verbose);
	ASSERT_EQ(entries.size(), 2u);
	EXPECT_EQ(entries[0].verbose, "Rev: 002 (head)\nParent: 001\nPath: 20260101_0000_002_x.sql\n\n"
	                              "    add agents\n    with details\n");
	EXPECT_EQ(entries[1].verbose, "Rev: 001 (current)\nParent: <base>\nPath: 20260101_0000_001_x.sql\n\n"
	                              "    initial schema\n");
	EXPECT_TRUE(entries[1].is_applied);
	EXPECT_FALSE(entries[0].is_applied);
}

TEST(History, CurrentComesBeforeTreeMarkers) {
	RevisionGraph graph({rev("a"), rev("b", {"a"}), rev("c", {"a"})});
	std::vector<bool> applied, current;
	applied_masks(graph, {*graph.find("a")}, applied, current);
	auto got = lines(history(graph, applied, current, HistoryText::line));
	EXPECT_EQ(got.back(), "<base> -> a (current) (branchpoint), msg a");
}

TEST(History, BuildsOnlyTheTextShown) {
	RevisionGraph graph({rev("001"), rev("002", {"001"})});
	for (const auto &e : history(graph, {}, {}, HistoryText::line))
		EXPECT_TRUE(e.verbose.empty() && !e.line.empty());
	for (const auto &e : history(graph, {}, {}, HistoryText::verbose))
		EXPECT_TRUE(e.line.empty() && !e.verbose.empty());
	HistoryEntry one = history_entry(graph, *graph.find("001"), {}, {}, HistoryText::verbose);
	EXPECT_EQ(one.verbose, history(graph, {}, {}, HistoryText::verbose).back().verbose);
}

TEST(History, VerboseShowsLintWaivers) {
	Revision r = rev("a");
	r.waivers.push_back({"ban-drop-column", "nothing reads it", 4});
	RevisionGraph graph({r});
	const auto entries = history(graph, {}, {}, HistoryText::verbose);
	EXPECT_NE(entries[0].verbose.find("Lint waiver: ban-drop-column: nothing reads it (line 4)\nPath:"),
	          std::string::npos);
}
