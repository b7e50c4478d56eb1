// Helpers for the revision graph, target and plan tests: Revision structs built directly (no
// parser), id <-> index conversions and error capture.
#pragma once

#include "migrate/error.hpp"
#include "migrate/plan.hpp"
#include "migrate/revision_graph.hpp"
#include "migrate/target.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace migrate::graphtest {

using Index = RevisionGraph::Index;
using Ids = std::vector<std::string>;

// {id, down_revisions, depends_on, branch_labels, has a downgrade section}
struct Spec {
	Spec(std::string id_, Ids down_ = {}, Ids deps_ = {}, Ids labels_ = {}, bool reversible_ = true)
	    : id(std::move(id_)), down(std::move(down_)), deps(std::move(deps_)), labels(std::move(labels_)),
	      reversible(reversible_) {}
	Spec(const char *id_) : Spec(std::string(id_)) {}
	std::string id;
	Ids down;
	Ids deps;
	Ids labels;
	bool reversible;
};

inline Revision
make_revision(const Spec &s) {
	Revision r;
	r.id = s.id;
	r.down_revisions = s.down;
	r.depends_on = s.deps;
	r.branch_labels = s.labels;
	r.message = "msg " + s.id;
	r.upgrade = {"SELECT 1;\n", 3, true};
	if (s.reversible)
		r.downgrade = {"SELECT 2;\n", 6, true};
	r.filename = "20260101_0000_" + s.id + "_x.sql";
	return r;
}

inline RevisionGraph
make_graph(const std::vector<Spec> &specs) {
	std::vector<Revision> revisions;
	for (const Spec &s : specs)
		revisions.push_back(make_revision(s));
	return RevisionGraph(std::move(revisions));
}

inline Index
at(const RevisionGraph &g, const std::string &id) {
	std::optional<Index> i = g.find(id);
	EXPECT_TRUE(i.has_value()) << "no revision " << id;
	return i.value_or(0);
}

inline std::vector<Index>
idx(const RevisionGraph &g, const Ids &ids) {
	std::vector<Index> out;
	for (const auto &id : ids)
		out.push_back(at(g, id));
	return out;
}

// Ids in the given order (not re-sorted).
inline Ids
names(const RevisionGraph &g, RevisionGraph::Indices set) {
	Ids out;
	for (Index i : set)
		out.push_back(g[i].id);
	return out;
}

inline Ids
mask_names(const RevisionGraph &g, const std::vector<bool> &mask) {
	Ids out;
	for (Index i : g.topological_order())
		if (mask[i])
			out.push_back(g[i].id);
	return out;
}

inline Ids
step_ids(const RevisionGraph &g, const Plan &plan) {
	Ids out;
	for (const Step &s : plan.steps)
		out.push_back(g[s.revision].id);
	return out;
}

// The version rows after applying `plan`'s bookkeeping to `rows`, checking that every deleted
// row is present and every inserted one absent. Sorted.
inline Ids
apply_rows(Ids rows, const Plan &plan) {
	for (const Step &s : plan.steps) {
		for (const auto &d : s.version_delete) {
			auto it = std::find(rows.begin(), rows.end(), d);
			EXPECT_NE(it, rows.end()) << "deleting absent row " << d;
			if (it != rows.end())
				rows.erase(it);
		}
		for (const auto &ins : s.version_insert) {
			EXPECT_EQ(std::find(rows.begin(), rows.end(), ins), rows.end()) << "inserting present row " << ins;
			rows.push_back(ins);
		}
	}
	std::sort(rows.begin(), rows.end());
	return rows;
}

inline Ids
sorted(Ids v) {
	std::sort(v.begin(), v.end());
	return v;
}

// Runs `f`, which must throw migrate::Error; returns it (a failed expectation otherwise).
template <class F>
Error
error_of(F &&f) {
	try {
		f();
	} catch (const Error &e) {
		return e;
	} catch (const std::exception &e) {
		ADD_FAILURE() << "unexpected exception: " << e.what();
		return Error("", "");
	}
	ADD_FAILURE() << "no exception";
	return Error("", "");
}

// Resolution shortcuts.
inline Ids
resolve(const RevisionGraph &g, const Ids &current, std::string_view text, Direction d = Direction::upgrade) {
	return names(g, resolve_target(g, idx(g, current), text, d).revisions);
}

inline Ids
upgrade_steps(const RevisionGraph &g, const Ids &current, std::string_view text) {
	return step_ids(g, plan_upgrade(g, idx(g, current), text));
}

inline Ids
downgrade_steps(const RevisionGraph &g, const Ids &current, std::string_view text) {
	return step_ids(g, plan_downgrade(g, idx(g, current), text));
}

} // namespace migrate::graphtest
