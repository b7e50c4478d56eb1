// The revision DAG: validation (duplicates, unknown references, cycles), adjacency in both
// directions, a deterministic topological order and closures. Everything is O((V+E) log V).
#include "migrate/revision_graph.hpp"

#include "migrate/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <queue>
#include <string>
#include <utility>

namespace migrate {

namespace {

using Index = RevisionGraph::Index;

// The characters of `name` that cannot appear in an identifier, each once, sorted: "'-', '@'".
std::string
illegal_chars(std::string_view name) {
	std::string chars;
	for (char c : name)
		if (!is_id_char(c) && chars.find(c) == std::string::npos)
			chars.push_back(c);
	std::sort(chars.begin(), chars.end());
	std::string out;
	for (char c : chars)
		out += fmt::format("{}{}", out.empty() ? "" : ", ", c);
	return out;
}

// Ids and labels follow the file parser's rule (migration_file.hpp): targets use @ + - : as syntax
// and give none, base, head and heads a meaning.
void
check_name(std::string_view name, std::string_view what, const Revision &owner) {
	const std::string where = owner.filename.empty() ? std::string() : fmt::format("In file {}.", owner.filename);
	if (name.empty())
		throw Error(sqlstate::invalid_object_definition, fmt::format("Revision '{}' has an empty {}", owner.id, what));
	std::string bad = illegal_chars(name);
	if (!bad.empty())
		throw Error(sqlstate::invalid_object_definition,
		            fmt::format("Character(s) '{}' not allowed in {} '{}'", bad, what, name), where,
		            "Identifiers and branch labels use letters, digits and underscores only.");
	if (name.size() > max_revision_id_length)
		throw Error(sqlstate::invalid_object_definition,
		            fmt::format("{} '{}...' is longer than {} characters", what, name.substr(0, max_revision_id_length),
		                        max_revision_id_length),
		            where);
	if (is_reserved_id(name))
		throw Error(sqlstate::invalid_object_definition,
		            fmt::format("'{}' is reserved and cannot be used as a {}", name, what), where,
		            "'none', 'base', 'head' and 'heads' have a meaning in targets.");
}

std::string
file_of(const Revision &r) {
	return r.filename.empty() ? std::string("an unnamed file") : fmt::format("file {}", r.filename);
}

// De-duplicates adjacency lists in linear time, even for a merge of thousands of parents: each
// list gets a fresh stamp, and a revision is appended only if not yet stamped with it.
class Dedup {
public:
	explicit Dedup(std::size_t n) : mark_(n, 0) {}
	void next_list() noexcept { ++stamp_; }
	bool first(Index v) noexcept {
		if (mark_[v] == stamp_)
			return false;
		mark_[v] = stamp_;
		return true;
	}

private:
	std::vector<std::uint64_t> mark_;
	std::uint64_t stamp_ = 0;
};

// One cycle among the nodes Kahn's algorithm could not emit: every such node has a predecessor
// that was not emitted either, so walking backwards must come round. Returns the cycle's ids, sorted.
std::vector<std::string>
find_cycle(const std::vector<Revision> &revisions, const std::vector<bool> &emitted, const Adjacency &preds) {
	const std::size_t n = revisions.size();
	constexpr std::size_t unseen = std::numeric_limits<std::size_t>::max();
	std::vector<std::size_t> step(n, unseen);
	std::vector<Index> path;
	Index at = 0;
	while (emitted[at])
		++at;
	while (step[at] == unseen) {
		step[at] = path.size();
		path.push_back(at);
		Index next = at;
		for (Index p : preds[at])
			if (!emitted[p]) {
				next = p;
				break;
			}
		at = next;
	}
	std::vector<std::string> ids;
	for (std::size_t k = step[at]; k < path.size(); ++k)
		ids.push_back(revisions[path[k]].id);
	std::sort(ids.begin(), ids.end());
	return ids;
}

std::string
join(const std::vector<std::string> &items) {
	std::string out;
	for (const auto &item : items) {
		if (!out.empty())
			out += ", ";
		out += item;
	}
	return out;
}

} // namespace

void
check_self_references(const Revision &r) {
	auto names_itself = [&](const std::vector<std::string> &ids, bool labels_too) {
		return std::any_of(ids.begin(), ids.end(), [&](const std::string &id) {
			return id == r.id || (labels_too && std::find(r.branch_labels.begin(), r.branch_labels.end(), id) !=
			                                        r.branch_labels.end());
		});
	};
	if (names_itself(r.down_revisions, false))
		throw Error(sqlstate::invalid_object_definition, fmt::format("Self-loop is detected in revisions ({})", r.id),
		            fmt::format("Revision {} ({}) names itself as its down_revision.", r.id, file_of(r)));
	if (names_itself(r.depends_on, true))
		throw Error(sqlstate::invalid_object_definition,
		            fmt::format("Dependency self-loop is detected in revisions ({})", r.id),
		            fmt::format("Revision {} ({}) depends on itself.", r.id, file_of(r)));
}

RevisionGraph::RevisionGraph(std::vector<Revision> revisions) : revisions_(std::move(revisions)) {
	if (revisions_.size() >= std::numeric_limits<Index>::max())
		throw Error(sqlstate::invalid_parameter_value, fmt::format("Too many revisions ({})", revisions_.size()));
	index_ids();
	index_labels();
	link_edges();
	combine_edges();
	refuse_parent_cycles();
	sort_topologically();
	index_keys();
}

// Ids: legal and unique.
void
RevisionGraph::index_ids() {
	const std::size_t n = revisions_.size();
	by_id_.reserve(n);
	for (Index i = 0; i < n; ++i) {
		const Revision &r = revisions_[i];
		check_name(r.id, "revision identifier", r);
		auto [it, inserted] = by_id_.emplace(r.id, i);
		if (!inserted) {
			const Revision &first = revisions_[it->second];
			std::string detail;
			if (!first.filename.empty() || !r.filename.empty())
				detail = fmt::format("It is declared in {} and in {}.", file_of(first), file_of(r));
			throw Error(sqlstate::duplicate_object, fmt::format("Revision '{}' is present more than once", r.id),
			            detail, "Revision ids must be unique across the migrations directory.");
		}
	}
}

// Branch labels: legal, unique, and never equal to a revision id.
void
RevisionGraph::index_labels() {
	const std::size_t n = revisions_.size();
	for (Index i = 0; i < n; ++i) {
		const Revision &r = revisions_[i];
		for (const std::string &label : r.branch_labels) {
			check_name(label, "branch label", r);
			if (auto id = by_id_.find(label); id != by_id_.end())
				throw Error(sqlstate::duplicate_object,
				            fmt::format("Branch name '{}' in revision {} already used by revision {}", label, r.id,
				                        revisions_[id->second].id),
				            fmt::format("'{}' is the id of revision {} ({}).", label, revisions_[id->second].id,
				                        file_of(revisions_[id->second])));
			auto [it, inserted] = by_label_.emplace(label, i);
			if (!inserted && it->second != i)
				throw Error(sqlstate::duplicate_object,
				            fmt::format("Branch name '{}' in revision {} already used by revision {}", label, r.id,
				                        revisions_[it->second].id),
				            fmt::format("Declared in {} and in {}.", file_of(revisions_[it->second]), file_of(r)));
		}
	}
}

// Parents and dependencies, each list without repeats. depends_on may name a branch label (as in
// Alembic).
void
RevisionGraph::link_edges() {
	const std::size_t n = revisions_.size();
	Dedup dedup(n);
	parents_.reserve(n, n);
	depends_.reserve(n, 0);
	for (Index i = 0; i < n; ++i) {
		const Revision &r = revisions_[i];
		check_self_references(r);
		dedup.next_list();
		parents_.start();
		for (const std::string &down : r.down_revisions) {
			auto it = by_id_.find(down);
			if (it == by_id_.end())
				throw Error(sqlstate::invalid_object_definition,
				            fmt::format("Revision '{}' referenced from '{}' is not present", down, r.id),
				            fmt::format("Revision {} ({}) names '{}' as its down_revision.", r.id, file_of(r), down),
				            "Add the missing revision, or fix the down_revision header.");
			if (dedup.first(it->second))
				parents_.push(it->second);
		}
		dedup.next_list();
		depends_.start();
		for (const std::string &dep : r.depends_on) {
			auto id = by_id_.find(dep);
			auto label = by_label_.find(dep);
			if (id == by_id_.end() && label == by_label_.end())
				throw Error(sqlstate::invalid_object_definition,
				            fmt::format("Revision '{}' referenced from '{}' is not present", dep, r.id),
				            fmt::format("Revision {} ({}) names '{}' in depends_on.", r.id, file_of(r), dep),
				            "Add the missing revision, or fix the depends_on header.");
			const Index target = id != by_id_.end() ? id->second : label->second;
			if (dedup.first(target))
				depends_.push(target);
		}
	}
	parents_.finish();
	depends_.finish();
}

// Inverse edges and the combined lists. successors(i) holds the children first, then the
// dependents that are not also children (the topological sort relies on this order).
void
RevisionGraph::combine_edges() {
	const std::size_t n = revisions_.size();
	Dedup dedup(n);
	children_ = Adjacency::inverse(parents_, n);
	dependents_ = Adjacency::inverse(depends_, n);
	preds_.reserve(n, n);
	succs_.reserve(n, n);
	for (Index i = 0; i < n; ++i) {
		dedup.next_list();
		preds_.start();
		for (Index p : parents_[i])
			if (dedup.first(p))
				preds_.push(p);
		for (Index d : depends_[i])
			if (dedup.first(d))
				preds_.push(d);
	}
	preds_.finish();
	for (Index i = 0; i < n; ++i) {
		dedup.next_list();
		succs_.start();
		for (Index c : children_[i])
			if (dedup.first(c))
				succs_.push(c);
		for (Index d : dependents_[i])
			if (dedup.first(d))
				succs_.push(d);
	}
	succs_.finish();
}

// Cycles through down_revision alone ("Cycle"); sort_topologically finds those through
// dependencies as well.
void
RevisionGraph::refuse_parent_cycles() {
	const std::size_t n = revisions_.size();
	std::vector<std::size_t> indegree(n);
	std::vector<Index> queue;
	for (Index i = 0; i < n; ++i)
		if ((indegree[i] = parents_[i].size()) == 0)
			queue.push_back(i);
	std::vector<bool> emitted(n, false);
	for (std::size_t k = 0; k < queue.size(); ++k) {
		emitted[queue[k]] = true;
		for (Index c : children_[queue[k]])
			if (--indegree[c] == 0)
				queue.push_back(c);
	}
	if (queue.size() != n)
		throw Error(sqlstate::invalid_object_definition,
		            fmt::format("Cycle is detected in revisions ({})", join(find_cycle(revisions_, emitted, parents_))),
		            {}, "Fix the down_revision headers so that the revisions form a DAG.");
}

// Kahn's algorithm over parents and dependencies. After emitting X, continue with a child of X
// that just became ready (finish the branch just taken, as Alembic does); otherwise take the
// ready revision with the smallest id.
void
RevisionGraph::sort_topologically() {
	const std::size_t n = revisions_.size();
	auto by_id_desc = [this](Index a, Index b) { return revisions_[a].id > revisions_[b].id; };
	std::priority_queue<Index, std::vector<Index>, decltype(by_id_desc)> ready(by_id_desc);
	std::vector<std::size_t> indegree(n);
	for (Index i = 0; i < n; ++i)
		if ((indegree[i] = preds_[i].size()) == 0)
			ready.push(i);
	topo_.reserve(n);
	std::vector<bool> emitted(n, false);
	constexpr Index none = std::numeric_limits<Index>::max(); // (not std::optional: GCC -O2 false positive)
	Index next = none;
	while (next != none || !ready.empty()) {
		Index x = next;
		next = none;
		if (x == none) {
			x = ready.top();
			ready.pop();
		}
		emitted[x] = true;
		topo_.push_back(x);
		const std::size_t n_children = children_[x].size();
		for (std::size_t k = 0; k < succs_[x].size(); ++k) {
			Index s = succs_[x][k];
			if (--indegree[s] != 0)
				continue;
			if (k < n_children && (next == none || revisions_[s].id < revisions_[next].id)) {
				if (next != none)
					ready.push(next);
				next = s;
			} else {
				ready.push(s);
			}
		}
	}
	if (topo_.size() != n)
		throw Error(sqlstate::invalid_object_definition,
		            fmt::format("Dependency cycle is detected in revisions ({})",
		                        join(find_cycle(revisions_, emitted, preds_))),
		            {}, "Fix the depends_on headers so that no revision depends on its own descendants.");
	topo_pos_.assign(n, 0);
	for (std::size_t k = 0; k < n; ++k)
		topo_pos_[topo_[k]] = k;
}

// Keys for prefix look-ups, sorted by text (compared as views, then stored as indices so
// that a copied graph stays valid).
void
RevisionGraph::index_keys() {
	const std::size_t n = revisions_.size();
	// Ids usually arrive sorted (the server loads them ORDER BY revision; numbered files sort so),
	// so they are checked before being sorted, and the few labels are sorted apart and merged in:
	// sorting 100,000 keys was a third of building the graph.
	using Keyed = std::pair<std::string_view, Key>;
	const auto by_text = [](const Keyed &a, const Keyed &b) { return a.first < b.first; };
	std::vector<Keyed> keyed, labelled;
	keyed.reserve(n + by_label_.size());
	for (Index i = 0; i < n; ++i) {
		keyed.push_back({revisions_[i].id, {i, no_label}});
		const auto &labels = revisions_[i].branch_labels;
		for (std::uint32_t l = 0; l < labels.size(); ++l)
			labelled.push_back({labels[l], {i, l}});
	}
	if (!std::is_sorted(keyed.begin(), keyed.end(), by_text))
		std::sort(keyed.begin(), keyed.end(), by_text);
	std::sort(labelled.begin(), labelled.end(), by_text);
	const auto ids_end = static_cast<std::ptrdiff_t>(keyed.size());
	keyed.insert(keyed.end(), labelled.begin(), labelled.end());
	std::inplace_merge(keyed.begin(), keyed.begin() + ids_end, keyed.end(), by_text);
	// Equal texts can only be one label repeated in one revision (anything else was refused above).
	keyed.erase(
	    std::unique(keyed.begin(), keyed.end(), [](const auto &a, const auto &b) { return a.first == b.first; }),
	    keyed.end());
	keys_.reserve(keyed.size());
	for (const auto &k : keyed)
		keys_.push_back(k.second);
}

std::string_view
RevisionGraph::key_text(const Key &key) const noexcept {
	const Revision &r = revisions_[key.revision];
	return key.label == no_label ? std::string_view(r.id) : std::string_view(r.branch_labels[key.label]);
}

std::optional<RevisionGraph::Index>
RevisionGraph::find(std::string_view id) const {
	auto it = by_id_.find(id);
	if (it == by_id_.end())
		return std::nullopt;
	return it->second;
}

std::optional<RevisionGraph::Index>
RevisionGraph::find_label(std::string_view label) const {
	auto it = by_label_.find(label);
	if (it == by_label_.end())
		return std::nullopt;
	return it->second;
}

std::vector<RevisionGraph::Index>
RevisionGraph::heads() const {
	std::vector<Index> out;
	for (Index i : topo_)
		if (children_[i].empty())
			out.push_back(i);
	return out;
}

std::vector<RevisionGraph::Index>
RevisionGraph::real_heads() const {
	std::vector<Index> out;
	for (Index i : topo_)
		if (succs_[i].empty())
			out.push_back(i);
	return out;
}

std::vector<RevisionGraph::Index>
RevisionGraph::bases() const {
	std::vector<Index> out;
	for (Index i : topo_)
		if (parents_[i].empty())
			out.push_back(i);
	return out;
}

namespace {

// Breadth-first closure of `from` along `edges`.
std::vector<bool>
closure(std::size_t n, const Adjacency &edges, const std::vector<Index> &from, bool inclusive) {
	std::vector<bool> seen(n, false);
	std::vector<Index> todo;
	for (Index f : from)
		for (Index e : edges[f])
			if (!seen[e]) {
				seen[e] = true;
				todo.push_back(e);
			}
	while (!todo.empty()) {
		Index at = todo.back();
		todo.pop_back();
		for (Index e : edges[at])
			if (!seen[e]) {
				seen[e] = true;
				todo.push_back(e);
			}
	}
	if (inclusive)
		for (Index f : from)
			seen[f] = true;
	return seen;
}

} // namespace

std::vector<bool>
RevisionGraph::ancestors(const std::vector<Index> &from, bool inclusive) const {
	return closure(size(), preds_, from, inclusive);
}

std::vector<bool>
RevisionGraph::descendants(const std::vector<Index> &from, bool inclusive) const {
	return closure(size(), succs_, from, inclusive);
}

std::vector<bool>
RevisionGraph::parent_ancestors(const std::vector<Index> &from, bool inclusive) const {
	return closure(size(), parents_, from, inclusive);
}

std::vector<bool>
RevisionGraph::child_descendants(const std::vector<Index> &from, bool inclusive) const {
	return closure(size(), children_, from, inclusive);
}

std::vector<bool>
RevisionGraph::lineage(Index i) const {
	std::vector<bool> up = parent_ancestors({i}, true);
	std::vector<bool> down = child_descendants({i}, false);
	for (std::size_t k = 0; k < up.size(); ++k)
		if (down[k])
			up[k] = true;
	return up;
}

std::vector<RevisionGraph::Index>
RevisionGraph::maximal(const std::vector<Index> &set) const {
	std::vector<bool> below = ancestors(set, false);
	std::vector<bool> taken(size(), false);
	std::vector<Index> out;
	for (Index i : set)
		if (!below[i] && !taken[i]) {
			taken[i] = true;
			out.push_back(i);
		}
	std::sort(out.begin(), out.end(), [this](Index a, Index b) { return topo_pos_[a] < topo_pos_[b]; });
	return out;
}

std::vector<std::string>
RevisionGraph::ids(Indices set) const {
	std::vector<Index> sorted(set.begin(), set.end());
	std::sort(sorted.begin(), sorted.end(), [this](Index a, Index b) { return topo_pos_[a] < topo_pos_[b]; });
	std::vector<std::string> out;
	out.reserve(sorted.size());
	for (Index i : sorted)
		out.push_back(revisions_[i].id);
	return out;
}

std::vector<RevisionGraph::PrefixMatch>
RevisionGraph::match_prefix(std::string_view prefix) const {
	auto it = std::lower_bound(keys_.begin(), keys_.end(), prefix,
	                           [this](const Key &k, std::string_view p) { return key_text(k) < p; });
	std::vector<PrefixMatch> out;
	for (; it != keys_.end(); ++it) {
		std::string_view text = key_text(*it);
		if (text.substr(0, prefix.size()) != prefix)
			break;
		out.push_back({it->revision, text});
	}
	return out;
}

std::vector<RevisionGraph::Index>
RevisionGraph::distinct(const std::vector<Index> &set) const {
	std::vector<bool> seen(size(), false);
	std::vector<Index> out;
	for (Index i : set)
		if (!seen[i]) {
			seen[i] = true;
			out.push_back(i);
		}
	return out;
}

} // namespace migrate
