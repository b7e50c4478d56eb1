// Target resolution (SPEC section 2, Alembic's _resolve_revision_number / _walk): every form,
// every error text, malformed input.
#include "graph_fixtures.hpp"

#include <gtest/gtest.h>

using namespace migrate;
using namespace migrate::graphtest;

namespace {

constexpr Direction up = Direction::upgrade;
constexpr Direction down = Direction::downgrade;

RevisionGraph
linear() {
	return make_graph({{"001"}, {"002", {"001"}}, {"003", {"002"}}, {"004", {"003"}}, {"005", {"004"}}});
}

// aaaa1111 -> bbbb2222 -> {cccc3333, dddd4444} (two heads)
RevisionGraph
branches() {
	return make_graph({{"aaaa1111", {}, {}, {"trunk"}},
	                   {"bbbb2222", {"aaaa1111"}},
	                   {"cccc3333", {"bbbb2222"}, {}, {"left"}},
	                   {"dddd4444", {"bbbb2222"}, {}, {"right"}}});
}

// ... and merged by eeee5555.
RevisionGraph
merged() {
	return make_graph({{"aaaa1111"},
	                   {"bbbb2222", {"aaaa1111"}},
	                   {"cccc3333", {"bbbb2222"}},
	                   {"dddd4444", {"bbbb2222"}},
	                   {"eeee5555", {"cccc3333", "dddd4444"}}});
}

RevisionGraph
prefixes() {
	return make_graph({{"ae1027a6acf"}, {"ae10bbbb1", {"ae1027a6acf"}}, {"3cac04ae8714", {"ae10bbbb1"}}});
}

// core: c1 -> c2 -> c3; accounting: a1 (root, depends on c1) -> a2.
RevisionGraph
core_accounting() {
	return make_graph(
	    {{"c1", {}, {}, {"core"}}, {"c2", {"c1"}}, {"c3", {"c2"}}, {"a1", {}, {"c1"}, {"accounting"}}, {"a2", {"a1"}}});
}

const char *
multiple_heads_text(const std::string &arg) {
	static std::string text;
	text = "Multiple head revisions are present for given argument '" + arg +
	       "'; please specify a specific target revision, '<branchname>@head' to narrow to a specific head, or "
	       "'heads' for all heads";
	return text.c_str();
}

} // namespace

TEST(Target, Symbols) {
	RevisionGraph g = linear();
	EXPECT_EQ(resolve(g, {}, "head"), Ids{"005"});
	EXPECT_EQ(resolve(g, {}, "heads"), Ids{"005"});
	EXPECT_EQ(resolve(g, {"003"}, "base"), Ids{});
	EXPECT_EQ(resolve(g, {}, "003"), Ids{"003"});
	EXPECT_EQ(resolve(g, {}, "head", down), Ids{"005"});
	EXPECT_FALSE(resolve_target(g, {}, "head", up).branch);

	RevisionGraph empty = make_graph({});
	EXPECT_EQ(resolve(empty, {}, "head"), Ids{});
	EXPECT_EQ(resolve(empty, {}, "heads"), Ids{});
	EXPECT_EQ(resolve(empty, {}, "base"), Ids{});
}

TEST(Target, MultipleHeads) {
	RevisionGraph g = branches();
	Error e = error_of([&] { resolve(g, {}, "head"); });
	EXPECT_EQ(e.sqlstate(), sqlstate::invalid_parameter_value);
	EXPECT_STREQ(e.what(), multiple_heads_text("head"));
	EXPECT_EQ(e.detail(), "Heads: cccc3333, dddd4444.");
	EXPECT_EQ(resolve(g, {}, "heads"), (Ids{"cccc3333", "dddd4444"}));

	// label@head: narrowed to one head, or the same error naming 'label@head'.
	EXPECT_EQ(resolve(g, {}, "left@head"), Ids{"cccc3333"});
	EXPECT_EQ(resolve(g, {}, "right@head"), Ids{"dddd4444"});
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "trunk@head"); }).what(), multiple_heads_text("trunk@head"));
	EXPECT_EQ(resolve(g, {}, "trunk@heads"), (Ids{"cccc3333", "dddd4444"}));
	EXPECT_EQ(resolve(g, {}, "left@heads"), Ids{"cccc3333"});

	// A downgrade names one revision; a relative step from `head` needs one head too.
	EXPECT_STREQ(error_of([&] { resolve(g, {"cccc3333"}, "heads", down); }).what(), multiple_heads_text("heads"));
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "head-1"); }).what(), multiple_heads_text("head-1"));
	EXPECT_EQ(resolve(g, {}, "left@head-1"), Ids{"bbbb2222"});
}

TEST(Target, HeadsAreRealHeads) {
	// c1 is a head (no child through down_revision) but a1 depends on it: `heads` skips it,
	// `head` still sees two.
	RevisionGraph g = make_graph({{"c1", {}, {}, {"core"}}, {"a1", {}, {"c1"}, {"accounting"}}, {"a2", {"a1"}}});
	EXPECT_EQ(resolve(g, {}, "heads"), Ids{"a2"});
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "head"); }).what(), multiple_heads_text("head"));
	EXPECT_EQ(resolve(g, {}, "accounting@head"), Ids{"a2"});
	EXPECT_EQ(resolve(g, {}, "core@head"), Ids{"c1"});
	EXPECT_EQ(resolve(g, {}, "core@heads"), Ids{"c1"});
}

TEST(Target, PrefixesAndIds) {
	RevisionGraph g = prefixes();
	EXPECT_EQ(resolve(g, {}, "3"), Ids{"3cac04ae8714"}); // one character is enough when unique
	EXPECT_EQ(resolve(g, {}, "ae10b"), Ids{"ae10bbbb1"});
	EXPECT_EQ(resolve(g, {}, "ae1027a6acf"), Ids{"ae1027a6acf"});

	Error amb = error_of([&] { resolve(g, {}, "ae1"); });
	EXPECT_EQ(amb.sqlstate(), sqlstate::undefined_object);
	EXPECT_STREQ(amb.what(), "Can't locate revision identified by 'ae1'");
	EXPECT_EQ(amb.detail(), "Multiple revisions start with 'ae1': 'ae1027a6acf', 'ae10bbbb1'");
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "ae10"); }).what(), "Can't locate revision identified by 'ae10'");

	Error unknown = error_of([&] { resolve(g, {}, "zz"); });
	EXPECT_EQ(unknown.sqlstate(), sqlstate::undefined_object);
	EXPECT_STREQ(unknown.what(), "Can't locate revision identified by 'zz'");
	EXPECT_EQ(unknown.detail(), "");
	// Longer than the id is no prefix.
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "3cac04ae87145"); }).what(),
	             "Can't locate revision identified by '3cac04ae87145'");
	// Ids are case-sensitive.
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "AE1027A6ACF"); }).what(),
	             "Can't locate revision identified by 'AE1027A6ACF'");
}

TEST(Target, ManyPrefixCandidatesAreListedBriefly) {
	std::vector<Spec> specs;
	for (int i = 0; i < 12; ++i)
		specs.push_back({"x" + std::to_string(10 + i)});
	RevisionGraph g = make_graph(specs);
	Error e = error_of([&] { resolve(g, {}, "x"); });
	EXPECT_EQ(e.detail(), "Multiple revisions start with 'x': 'x10', 'x11', 'x12', 'x13', 'x14', 'x15', 'x16', "
	                      "'x17', 'x18', 'x19', ... (12 in all)");
}

TEST(Target, BranchLabels) {
	RevisionGraph g = core_accounting();
	EXPECT_EQ(resolve(g, {}, "core"), Ids{"c1"}); // a label alone: the revision that declares it
	EXPECT_EQ(resolve(g, {}, "acc"), Ids{"a1"});  // labels are prefix candidates too
	EXPECT_EQ(resolve(g, {}, "core@head"), Ids{"c3"});
	EXPECT_EQ(resolve(g, {}, "accounting@head"), Ids{"a2"});
	EXPECT_EQ(resolve(g, {}, "core@base"), Ids{});
	EXPECT_EQ(*resolve_target(g, {}, "core@base", down).branch, at(g, "c1"));
	EXPECT_EQ(resolve(g, {}, "core@c2"), Ids{"c2"});
	// `c` starts c1, c2, c3 and core: all in core's lineage, but three revisions.
	EXPECT_EQ(error_of([&] { resolve(g, {}, "core@c"); }).detail(),
	          "Multiple revisions start with 'c': 'c1', 'c2', 'c3', 'core'");
	Target t = resolve_target(g, {}, "core@c2", up);
	EXPECT_EQ(*t.branch, at(g, "c1"));
	// The branch part may be an id or a prefix.
	EXPECT_EQ(resolve(g, {}, "c2@c3"), Ids{"c3"});
	EXPECT_EQ(resolve(g, {}, "acc@a2"), Ids{"a2"});

	Error member = error_of([&] { resolve(g, {}, "core@a2"); });
	EXPECT_EQ(member.sqlstate(), sqlstate::invalid_parameter_value);
	EXPECT_STREQ(member.what(), "Revision a2 is not a member of branch 'core'");
	// Lineage goes through down_revision only: c1 is a dependency of accounting, not a member.
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "accounting@c1"); }).what(),
	             "Revision c1 is not a member of branch 'accounting'");

	Error branch = error_of([&] { resolve(g, {}, "nope@head"); });
	EXPECT_EQ(branch.sqlstate(), sqlstate::undefined_object);
	EXPECT_STREQ(branch.what(), "Can't locate revision identified by 'nope'");
	EXPECT_EQ(branch.detail(), "No such branch: 'nope'");
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "a@head"); }).what(), "Can't locate revision identified by 'a'");
}

TEST(Target, PrefixWithinBranch) {
	// ab1 on one branch, ab2 on the other: `ab` is ambiguous globally, unique within a branch.
	RevisionGraph g =
	    make_graph({{"r"}, {"x", {"r"}, {}, {"left"}}, {"ab1", {"x"}}, {"y", {"r"}, {}, {"right"}}, {"ab2", {"y"}}});
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "ab"); }).what(), "Can't locate revision identified by 'ab'");
	EXPECT_EQ(resolve(g, {}, "left@ab"), Ids{"ab1"});
	EXPECT_EQ(resolve(g, {}, "right@ab"), Ids{"ab2"});
	EXPECT_EQ(resolve(g, {}, "left@r"), Ids{"r"}); // an ancestor shares the lineage
}

TEST(Target, RelativeToCurrentUpgrade) {
	RevisionGraph g = linear();
	EXPECT_EQ(resolve(g, {}, "+2"), Ids{"002"}); // from an empty database: up from base
	EXPECT_EQ(resolve(g, {"002"}, "+2"), Ids{"004"});
	EXPECT_EQ(resolve(g, {"002"}, "+3"), Ids{"005"});
	EXPECT_EQ(resolve(g, {"002"}, "+003"), Ids{"005"});

	Error past = error_of([&] { resolve(g, {"005"}, "+1"); });
	EXPECT_EQ(past.sqlstate(), sqlstate::invalid_parameter_value);
	EXPECT_STREQ(past.what(), "Relative revision +1 didn't produce 1 migrations");
	EXPECT_STREQ(error_of([&] { resolve(g, {"002"}, "+009"); }).what(),
	             "Relative revision +009 didn't produce 9 migrations");
	EXPECT_STREQ(error_of([&] { resolve(g, {"003"}, "-1"); }).what(),
	             "Relative revision -1 didn't produce 1 migrations");
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "-1"); }).what(), "Relative revision -1 didn't produce 1 migrations");

	RevisionGraph b = branches();
	Error amb = error_of([&] { resolve(b, {"cccc3333", "dddd4444"}, "+1"); });
	EXPECT_STREQ(amb.what(), "Ambiguous upgrade from multiple current revisions");
	EXPECT_EQ(amb.detail(), "Current revisions: cccc3333, dddd4444.");
	EXPECT_STREQ(error_of([&] { resolve(b, {"bbbb2222"}, "+1"); }).what(), "Ambiguous walk");
	EXPECT_EQ(resolve(b, {"bbbb2222"}, "left@+1"), Ids{"cccc3333"});
	EXPECT_EQ(resolve(b, {"bbbb2222"}, "right@+1"), Ids{"dddd4444"});
	EXPECT_EQ(resolve(b, {}, "right@+3"), Ids{"dddd4444"});
}

TEST(Target, RelativeToSymbol) {
	RevisionGraph p = prefixes();
	EXPECT_EQ(resolve(p, {}, "ae1027+1"), Ids{"ae10bbbb1"});
	EXPECT_EQ(resolve(p, {}, "ae10bbbb1-1"), Ids{"ae1027a6acf"});
	EXPECT_EQ(resolve(p, {"3cac04ae8714"}, "ae1027a6acf+1", down), Ids{"ae10bbbb1"});

	RevisionGraph g = linear();
	EXPECT_EQ(resolve(g, {}, "head-1"), Ids{"004"});
	EXPECT_EQ(resolve(g, {}, "head-4"), Ids{"001"});
	EXPECT_EQ(resolve(g, {}, "head-5"), Ids{}); // one step below the root is base
	EXPECT_EQ(resolve(g, {}, "base+1"), Ids{"001"});
	EXPECT_EQ(resolve(g, {}, "base+2"), Ids{"002"});
	EXPECT_EQ(resolve(g, {}, "002+2"), Ids{"004"});
	EXPECT_EQ(resolve(g, {}, "003-2", down), Ids{"001"});

	for (const char *text : {"head-6", "head-999", "head+1", "base-1", "005+1", "001-2", "base+6"}) {
		Error e = error_of([&] { resolve(g, {}, text); });
		EXPECT_EQ(e.sqlstate(), sqlstate::invalid_parameter_value) << text;
		EXPECT_STREQ(e.what(), "Walked too far") << text;
	}
	EXPECT_STREQ(error_of([&] { resolve(g, {"005"}, "head-999", down); }).what(), "Walked too far");

	RevisionGraph m = merged();
	Error walk = error_of([&] { resolve(m, {}, "aaaa1111+2"); });
	EXPECT_STREQ(walk.what(), "Ambiguous walk");
	EXPECT_EQ(walk.detail(), "Revision bbbb2222 has several children: cccc3333, dddd4444.");
	Error merge = error_of([&] { resolve(m, {}, "head-1"); });
	EXPECT_STREQ(merge.what(), "Ambiguous walk");
	EXPECT_EQ(merge.detail(), "Revision eeee5555 is a merge of cccc3333, dddd4444.");
	EXPECT_STREQ(error_of([&] { resolve(m, {"eeee5555"}, "head-2", down); }).what(), "Ambiguous walk");
	EXPECT_EQ(resolve(m, {}, "aaaa1111+1"), Ids{"bbbb2222"});
	EXPECT_EQ(resolve(m, {}, "cccc3333+1"), Ids{"eeee5555"});

	// Several bases.
	RevisionGraph c = core_accounting();
	EXPECT_STREQ(error_of([&] { resolve(c, {}, "base+1"); }).what(), "Ambiguous walk");
	EXPECT_EQ(error_of([&] { resolve(c, {}, "base+1"); }).detail(), "There are several bases: c1, a1.");
	EXPECT_EQ(resolve(c, {}, "core@base+1"), Ids{"c1"});
	EXPECT_EQ(resolve(c, {}, "accounting@base+2"), Ids{"a2"});
	EXPECT_EQ(resolve(c, {}, "core@c1+2"), Ids{"c3"});
	EXPECT_STREQ(error_of([&] { resolve(c, {}, "core@a1+1"); }).what(), "Revision a1 is not a member of branch 'core'");
}

TEST(Target, RelativeToCurrentDowngrade) {
	RevisionGraph g = linear();
	EXPECT_EQ(resolve(g, {"004"}, "-1", down), Ids{"003"});
	EXPECT_EQ(resolve(g, {"004"}, "-4", down), Ids{}); // base
	EXPECT_EQ(*resolve_target(g, idx(g, {"004"}), "-1", down).branch, at(g, "004"));
	EXPECT_STREQ(error_of([&] { resolve(g, {"004"}, "-5", down); }).what(),
	             "Relative revision -5 didn't produce 5 migrations");
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "-1", down); }).what(),
	             "Relative revision -1 didn't produce 1 migrations");
	EXPECT_STREQ(error_of([&] { resolve(g, {"003"}, "+1", down); }).what(),
	             "Relative revision +1 didn't produce 1 migrations");

	// Several heads applied: refused (SPEC), naming them, suggesting label@-1.
	RevisionGraph b = branches();
	Error e = error_of([&] { resolve(b, {"dddd4444", "cccc3333"}, "-1", down); });
	EXPECT_EQ(e.sqlstate(), sqlstate::invalid_parameter_value);
	EXPECT_STREQ(e.what(), "downgrade -1 from multiple heads is ambiguous; current heads: cccc3333, dddd4444");
	EXPECT_EQ(e.hint(), "Use '<branchname>@-1' to downgrade one branch (for example 'cccc3333@-1'), or name an "
	                    "explicit target revision.");
	EXPECT_STREQ(error_of([&] {
		             resolve(b, {"dddd4444", "cccc3333"}, "-2", down);
	             }).what(),
	             "downgrade -2 from multiple heads is ambiguous; current heads: cccc3333, dddd4444");

	// label@-N: the walk starts at the current revision of that branch.
	Target left = resolve_target(b, idx(b, {"dddd4444", "cccc3333"}), "cccc3333@-1", down);
	EXPECT_EQ(names(b, left.revisions), Ids{"bbbb2222"});
	EXPECT_EQ(*left.branch, at(b, "cccc3333"));
	EXPECT_EQ(resolve(b, {"dddd4444", "cccc3333"}, "right@-1", down), Ids{"bbbb2222"});
	EXPECT_EQ(resolve(b, {"dddd4444", "cccc3333"}, "right@-3", down), Ids{});
	// The trunk's lineage holds both heads.
	Error trunk = error_of([&] { resolve(b, {"dddd4444", "cccc3333"}, "trunk@-1", down); });
	EXPECT_STREQ(trunk.what(), "downgrade trunk@-1 from multiple heads is ambiguous; current heads of 'trunk': "
	                           "cccc3333, dddd4444");
	// Nothing of the branch applied.
	EXPECT_STREQ(error_of([&] { resolve(b, {"cccc3333"}, "right@-1", down); }).what(),
	             "Relative revision -1 didn't produce 1 migrations");

	// From a merge: ambiguous.
	RevisionGraph m = merged();
	EXPECT_STREQ(error_of([&] { resolve(m, {"eeee5555"}, "-1", down); }).what(), "Ambiguous walk");
	EXPECT_STREQ(error_of([&] { resolve(m, {"eeee5555"}, "-2", down); }).what(), "Ambiguous walk");

	// A branch whose revisions are only implied (core at c1, through accounting's dependency).
	RevisionGraph c = core_accounting();
	EXPECT_EQ(resolve(c, {"a2"}, "core@-1", down), Ids{});
	EXPECT_EQ(resolve(c, {"a2", "c3"}, "accounting@-1", down), Ids{"a1"});
	EXPECT_EQ(resolve(c, {"a2", "c3"}, "core@-2", down), Ids{"c1"});
}

TEST(Target, RelativeWithBranchUpgrade) {
	RevisionGraph c = core_accounting();
	// core is at c1 only through accounting's dependency: core@+1 walks from there.
	EXPECT_EQ(resolve(c, {"a2"}, "core@+1"), Ids{"c2"});
	EXPECT_EQ(resolve(c, {"a2", "c2"}, "core@+1"), Ids{"c3"});
	EXPECT_EQ(resolve(c, {}, "accounting@+1"), Ids{"a1"});
	EXPECT_EQ(resolve(c, {}, "core@+2"), Ids{"c2"});
	EXPECT_EQ(resolve(c, {"c2"}, "accounting@+2"), Ids{"a2"});
	EXPECT_STREQ(error_of([&] { resolve(c, {"c3"}, "core@+1"); }).what(),
	             "Relative revision +1 didn't produce 1 migrations");
	EXPECT_STREQ(error_of([&] {
		             resolve(c, {"a2", "c2"}, "+1");
	             }).what(),
	             "Ambiguous upgrade from multiple current revisions");
}

TEST(Target, ZeroSteps) {
	RevisionGraph g = linear();
	// +0 / -0: the current revision; a no-op either way.
	EXPECT_EQ(resolve(g, {"003"}, "+0"), Ids{"003"});
	EXPECT_EQ(resolve(g, {"003"}, "-0"), Ids{"003"});
	EXPECT_EQ(resolve(g, {"003"}, "-0", down), Ids{"003"});
	EXPECT_EQ(resolve(g, {"003"}, "+0", down), Ids{"003"});
	EXPECT_EQ(resolve(g, {}, "+0"), Ids{});
	EXPECT_EQ(resolve(g, {}, "002+0"), Ids{"002"});
	EXPECT_EQ(resolve(g, {}, "head-0"), Ids{"005"});
	RevisionGraph b = branches();
	EXPECT_EQ(resolve(b, {"cccc3333", "dddd4444"}, "+0"), (Ids{"cccc3333", "dddd4444"}));
	EXPECT_EQ(resolve(b, {"cccc3333", "dddd4444"}, "-0", down), (Ids{"cccc3333", "dddd4444"}));
	EXPECT_EQ(resolve(b, {"cccc3333", "dddd4444"}, "left@-0", down), (Ids{"cccc3333", "dddd4444"}));
}

TEST(Target, MalformedInput) {
	RevisionGraph g = linear();
	for (const char *text :
	     {"",      "abc@",  "@head", "--",      "++",   "+",      "-",        "a@b@c",        "1+2+3",
	      " head", "head ", "a:b",   "001:003", "a@+",  "+1a",    "head-1-1", "h\xc3\xa9llo", "@",
	      "head@", "+-1",   "-+1",   "\n",      "001;", "head -1"}) {
		Error e = error_of([&] { resolve_target(g, {}, text, up); });
		EXPECT_EQ(e.sqlstate(), sqlstate::invalid_parameter_value) << '"' << text << '"';
		EXPECT_EQ(std::string(e.what()), "Invalid revision identifier '" + std::string(text) + "'") << text;
		EXPECT_FALSE(e.hint().empty());
		Error d = error_of([&] { resolve_target(g, idx(g, {"003"}), text, down); });
		EXPECT_EQ(d.sqlstate(), sqlstate::invalid_parameter_value) << text;
		Error r = error_of([&] { resolve_revisions(g, text); });
		EXPECT_EQ(r.sqlstate(), sqlstate::invalid_parameter_value) << text;
	}
}

TEST(Target, HugeInput) {
	RevisionGraph g = linear();
	const std::string word(10 * 1024, 'a');
	Error e = error_of([&] { resolve(g, {}, word); });
	EXPECT_EQ(e.sqlstate(), sqlstate::undefined_object);
	EXPECT_LT(std::string(e.what()).size(), 300u); // echoed text is cut
	EXPECT_EQ(std::string(e.what()).rfind("Can't locate revision identified by 'aaaa", 0), 0u);

	for (const std::string &junk :
	     {std::string(10 * 1024, '+'), std::string(10 * 1024, '-'), std::string(10 * 1024, '@'),
	      [] {
		      std::string s;
		      while (s.size() < 10 * 1024)
			      s += "a@";
		      return s;
	      }(),
	      [] {
		      std::string s;
		      while (s.size() < 10 * 1024)
			      s += "a+1";
		      return s;
	      }(),
	      word + "@", "head-" + std::string(10 * 1024, 'x')}) {
		Error j = error_of([&] { resolve(g, {"003"}, junk, down); });
		EXPECT_EQ(j.sqlstate(), sqlstate::invalid_parameter_value);
		EXPECT_LT(std::string(j.what()).size(), 300u);
	}

	// Huge step counts: clean errors, no overflow, no hang.
	const std::string nines(10 * 1024, '9');
	Error plus = error_of([&] { resolve(g, {"001"}, "+" + nines); });
	EXPECT_EQ(std::string(plus.what()).rfind("Relative revision +999", 0), 0u);
	EXPECT_LT(std::string(plus.what()).size(), 500u);
	EXPECT_STREQ(error_of([&] { resolve(g, {"001"}, "+99999999999999999999999"); }).what(),
	             "Relative revision +99999999999999999999999 didn't produce 99999999999999999999999 migrations");
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "head-99999999999999999999999"); }).what(), "Walked too far");
	EXPECT_STREQ(error_of([&] { resolve(g, {}, "head-" + nines, down); }).what(), "Walked too far");
	EXPECT_STREQ(error_of([&] { resolve(g, {"005"}, "-18446744073709551616", down); }).what(),
	             "Relative revision -18446744073709551616 didn't produce 18446744073709551616 migrations");
	EXPECT_EQ(resolve(g, {"001"}, "+" + std::string(5000, '0') + "2"), Ids{"003"});
}

TEST(Target, ResolveRevisions) {
	RevisionGraph g = branches();
	EXPECT_EQ(names(g, resolve_revisions(g, "heads")), (Ids{"cccc3333", "dddd4444"}));
	EXPECT_EQ(names(g, resolve_revisions(g, "base")), Ids{});
	EXPECT_EQ(names(g, resolve_revisions(g, "left@head")), Ids{"cccc3333"});
	EXPECT_EQ(names(g, resolve_revisions(g, "bb")), Ids{"bbbb2222"});
	EXPECT_STREQ(error_of([&] { resolve_revisions(g, "head"); }).what(), multiple_heads_text("head"));
	Error rel = error_of([&] { resolve_revisions(g, "head-1"); });
	EXPECT_EQ(rel.sqlstate(), sqlstate::invalid_parameter_value);
	EXPECT_STREQ(rel.what(), "Relative revision identifier 'head-1' is not allowed here");

	Error stamp = error_of([&] { resolve_stamp_target(g, "head"); });
	EXPECT_STREQ(stamp.what(), "Multiple heads are present; please specify a single target revision");
	EXPECT_STREQ(error_of([&] { resolve_stamp_target(g, "trunk@head"); }).what(),
	             "Multiple heads are present; please specify a single target revision");
	EXPECT_EQ(*resolve_stamp_target(g, "left@base").branch, at(g, "cccc3333"));
}

TEST(Target, VersionRows) {
	RevisionGraph g = linear();
	EXPECT_EQ(names(g, resolve_version_rows(g, {"003", "001", "003"})), (Ids{"003", "001"}));
	EXPECT_TRUE(resolve_version_rows(g, {}).empty());
	Error e = error_of([&] { resolve_version_rows(g, {"003", "3cac04ae8714"}); });
	EXPECT_EQ(e.sqlstate(), sqlstate::undefined_object);
	EXPECT_STREQ(e.what(), "Can't locate revision identified by '3cac04ae8714'");
	// Rows are exact ids: no prefixes, no labels.
	EXPECT_STREQ(error_of([&] { resolve_version_rows(g, {"00"}); }).what(), "Can't locate revision identified by '00'");
}
