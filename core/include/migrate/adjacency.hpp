// Adjacency lists of a graph in two flat arrays (compressed sparse rows): list i is
// targets[offsets[i] .. offsets[i + 1]). A vector per revision cost one allocation each, six per
// revision in RevisionGraph: most of building and freeing a 100,000-revision graph.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace migrate {

class Adjacency {
public:
	using Index = std::uint32_t;

	std::span<const Index> operator[](Index i) const noexcept {
		return {targets_.data() + offsets_[i], targets_.data() + offsets_[i + 1]};
	}

	// Built list by list, in index order: for i = 0, 1, ... start() then push() each target of
	// list i; finish() after the last.
	void reserve(std::size_t lists, std::size_t targets) {
		offsets_.reserve(lists + 1);
		targets_.reserve(targets);
	}
	void start() { offsets_.push_back(static_cast<Index>(targets_.size())); }
	void push(Index target) { targets_.push_back(target); }
	void finish() { offsets_.push_back(static_cast<Index>(targets_.size())); }

	// The inverse of `forward` over n nodes: list t holds every i with t in forward[i], in
	// increasing i (the order a push_back per edge would give).
	static Adjacency inverse(const Adjacency &forward, std::size_t n) {
		Adjacency out;
		out.offsets_.assign(n + 1, 0);
		for (Index t : forward.targets_)
			++out.offsets_[t + 1];
		for (std::size_t i = 0; i < n; ++i)
			out.offsets_[i + 1] += out.offsets_[i];
		out.targets_.resize(forward.targets_.size());
		std::vector<Index> next(out.offsets_.begin(), out.offsets_.end() - 1);
		for (Index i = 0; i < n; ++i)
			for (Index t : forward[i])
				out.targets_[next[t]++] = i;
		return out;
	}

private:
	std::vector<Index> offsets_; // n + 1 entries once finished
	std::vector<Index> targets_;
};

} // namespace migrate
