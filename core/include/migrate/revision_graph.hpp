// The revision DAG: parents (down_revision), dependencies (depends_on), heads, bases,
// ancestry and a deterministic topological order.
#pragma once

#include "migrate/migration_file.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace migrate {

class RevisionGraph {
public:
	using Index = std::uint32_t;

	// Validates the whole graph: duplicate ids and branch labels, unknown parents or
	// dependencies, self-references and cycles each throw migrate::Error naming the revisions.
	explicit RevisionGraph(std::vector<Revision> revisions);

	std::size_t size() const noexcept { return revisions_.size(); }
	const Revision &operator[](Index i) const noexcept { return revisions_[i]; }
	std::optional<Index> find(std::string_view id) const;
	// The revision that declares `label` as one of its branch labels.
	std::optional<Index> find_label(std::string_view label) const;

	const std::vector<Index> &parents(Index i) const noexcept { return parents_[i]; }     // down_revision
	const std::vector<Index> &children(Index i) const noexcept { return children_[i]; }   // inverse of parents
	const std::vector<Index> &dependencies(Index i) const noexcept { return depends_[i]; } // depends_on
	const std::vector<Index> &dependents(Index i) const noexcept { return dependents_[i]; }

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

	// Ids of `set` in topological order.
	std::vector<std::string> ids(const std::vector<Index> &set) const;

private:
	std::vector<Revision> revisions_;
	std::unordered_map<std::string, Index> by_id_;
	std::unordered_map<std::string, Index> by_label_;
	std::vector<std::vector<Index>> parents_, children_, depends_, dependents_;
	std::vector<Index> topo_;
	std::vector<std::size_t> topo_pos_;
};

} // namespace migrate
