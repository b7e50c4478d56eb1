// The revision DAG: parents (down_revision), dependencies (depends_on), heads, bases,
// ancestry and a deterministic topological order.
#pragma once

#include "migrate/adjacency.hpp"
#include "migrate/migration_file.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <functional>
#include <unordered_map>
#include <vector>

namespace migrate {

// A revision that names itself as its down_revision, or in depends_on (by its id or one of its own
// branch labels), can never be part of a graph: throws Alembic's "Self-loop is detected in
// revisions (x)" or "Dependency self-loop ..." (42P17) naming its file. The graph checks every
// revision so; migrate_add checks one before storing it.
void check_self_references(const Revision &revision);

class RevisionGraph {
public:
	using Index = Adjacency::Index;
	using Indices = std::span<const Index>;

	// Validates the whole graph: duplicate ids and branch labels, unknown parents or
	// dependencies, self-references and cycles each throw migrate::Error naming the revisions.
	explicit RevisionGraph(std::vector<Revision> revisions);

	std::size_t size() const noexcept { return revisions_.size(); }
	const Revision &operator[](Index i) const noexcept { return revisions_[i]; }
	std::optional<Index> find(std::string_view id) const;
	// The revision that declares `label` as one of its branch labels.
	std::optional<Index> find_label(std::string_view label) const;

	Indices parents(Index i) const noexcept { return parents_[i]; }      // down_revision
	Indices children(Index i) const noexcept { return children_[i]; }    // inverse of parents
	Indices dependencies(Index i) const noexcept { return depends_[i]; } // depends_on
	Indices dependents(Index i) const noexcept { return dependents_[i]; }

	// Heads: no child through down_revision. Bases: no down_revision. Both in topological order.
	std::vector<Index> heads() const;
	std::vector<Index> bases() const;

	// All revisions, parents and dependencies before children, ties broken deterministically
	// (finish the branch just taken, then the smallest id).
	const std::vector<Index> &topological_order() const noexcept { return topo_; }
	std::size_t topological_position(Index i) const noexcept { return topo_pos_[i]; }

	// Ancestors (through parents and dependencies), optionally including the starting points;
	// returned as a membership mask indexed by revision.
	std::vector<bool> ancestors(const std::vector<Index> &from, bool inclusive) const;
	std::vector<bool> descendants(const std::vector<Index> &from, bool inclusive) const;

	// `set` without repeats, first occurrence kept (version rows read from a table may repeat).
	std::vector<Index> distinct(const std::vector<Index> &set) const;

	// Ids of `set` in topological order.
	std::vector<std::string> ids(Indices set) const;

	// --- Additions used by target resolution and planning -------------------------------------

	// Parents and dependencies together (deduplicated), and the inverse: children and dependents.
	Indices predecessors(Index i) const noexcept { return preds_[i]; }
	Indices successors(Index i) const noexcept { return succs_[i]; }

	// Alembic's "real heads": no child through down_revision and no dependent either; what the
	// target `heads` names. In topological order.
	std::vector<Index> real_heads() const;

	// Like ancestors()/descendants(), through down_revision only (Alembic's branch lineage).
	std::vector<bool> parent_ancestors(const std::vector<Index> &from, bool inclusive) const;
	std::vector<bool> child_descendants(const std::vector<Index> &from, bool inclusive) const;
	// The revisions sharing a lineage with `i`: its down_revision ancestors and descendants, `i`
	// included. `label@...` targets are restricted to this set.
	std::vector<bool> lineage(Index i) const;

	// The maximal elements of `set` (those that are no ancestor of another member, through
	// parents and dependencies), in topological order. The form version rows are kept in.
	std::vector<Index> maximal(const std::vector<Index> &set) const;

	// Every id or branch label starting with `prefix`, in lexicographic order of the key (one
	// entry per key, so a revision can appear twice: once by id, once by label). `key` points
	// into this graph.
	struct PrefixMatch {
		Index revision;
		std::string_view key;
	};
	std::vector<PrefixMatch> match_prefix(std::string_view prefix) const;

private:
	struct Key { // an id (label == no_label) or one branch label of `revision`
		Index revision;
		std::uint32_t label;
	};
	static constexpr std::uint32_t no_label = 0xffffffffu;
	std::string_view key_text(const Key &key) const noexcept;

	// The constructor's steps, in order; each throws what it finds wrong.
	void index_ids();
	void index_labels();
	void link_edges();
	void combine_edges();
	void refuse_parent_cycles();
	void sort_topologically();
	void index_keys();

	std::vector<Revision> revisions_;
	// Transparent, so that find() looks a string_view up without building a std::string.
	struct IdHash {
		using is_transparent = void;
		std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
	};
	std::unordered_map<std::string, Index, IdHash, std::equal_to<>> by_id_;
	std::unordered_map<std::string, Index, IdHash, std::equal_to<>> by_label_;
	Adjacency parents_, children_, depends_, dependents_, preds_, succs_;
	std::vector<Key> keys_; // ids and labels, sorted by text: prefix look-ups
	std::vector<Index> topo_;
	std::vector<std::size_t> topo_pos_;
};

} // namespace migrate
