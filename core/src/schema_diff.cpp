// Comparing two schemas: which objects are added, dropped, altered in place or dropped and
// created again, and the order PostgreSQL needs for all of it.
#include "migrate/schema_diff.hpp"

#include "ddl_emit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace migrate::schema {

namespace {

using Map = std::map<std::string, const Object *>;

Map
by_id(const Schema &s) {
	Map m;
	for (const auto &o : s.objects)
		m.emplace(id(o), &o);
	return m;
}

bool
is_sql_function(const Object &o) {
	return o.kind == Kind::function && o.definition.find(" LANGUAGE sql") != std::string::npos;
}

// Creation order: the kinds' order, with two exceptions placed right after views. SQL-language
// functions: their bodies are checked at creation and usually read tables (other functions, and
// SQL ones that a default, constraint or index calls, come before the tables). Indexes on
// materialized views: they need the view.
int
slot(const Object &o) {
	if ((is_sql_function(o) && !o.needed_by_tables) || (o.kind == Kind::index && o.parent.rfind("view ", 0) == 0))
		return static_cast<int>(Kind::view) * 2 + 1;
	return static_cast<int>(o.kind) * 2;
}

// A foreign key to another table goes before its own table's DROP TABLE: the other table may be
// dropped too, and it cannot go while this key references it.
bool
drops_with_table(const Object &o) {
	return o.kind != Kind::foreign_key || o.definition.find("REFERENCES " + o.table + "(") != std::string::npos;
}

bool
is_base_kind(Kind k) {
	return k == Kind::schema || k == Kind::extension || k == Kind::enum_type || k == Kind::sequence ||
	       k == Kind::function;
}

// Objects others depend on are dropped last, except functions created after views: those may
// depend on tables (a row type in their signature), so they go with the dependents.
bool
drops_last(const Object &o) {
	return is_base_kind(o.kind) && slot(o) == static_cast<int>(o.kind) * 2;
}

// Position of each view in an order where a view comes after the views it reads.
std::map<std::string, int>
view_order(const Map &objects) {
	std::map<std::string, int> order;
	std::set<std::string> visiting;
	int next = 0;
	auto visit = [&](auto &self, const std::string &vid) -> void {
		if (order.count(vid) || visiting.count(vid))
			return;
		visiting.insert(vid);
		auto it = objects.find(vid);
		if (it != objects.end())
			for (const auto &dep : it->second->depends_on)
				if (dep.rfind("view ", 0) == 0)
					self(self, dep);
		order[vid] = next++;
	};
	for (const auto &[oid, o] : objects)
		if (o->kind == Kind::view)
			visit(visit, oid);
	return order;
}

struct Keyed {
	int slot;
	int sub;
	std::string key;
	Step step;
};

class Differ {
public:
	Differ(const Schema &from, const Schema &to) : f_(by_id(from)), t_(by_id(to)) {}

	std::vector<Step> run() {
		classify();
		rebuild_views();
		rebuild_foreign_keys();
		emit();
		std::vector<Step> out;
		auto take = [&](std::vector<Keyed> &list, bool reverse) {
			std::stable_sort(list.begin(), list.end(), [&](const Keyed &a, const Keyed &b) {
				if (a.slot != b.slot)
					return reverse ? a.slot > b.slot : a.slot < b.slot;
				if (a.sub != b.sub)
					return reverse ? a.sub > b.sub : a.sub < b.sub;
				return a.key < b.key;
			});
			for (auto &k : list)
				out.push_back(std::move(k.step));
		};
		take(drops_, true);
		take(creates_, false);
		take(base_drops_, true);
		return out;
	}

private:
	void classify() {
		for (const auto &[oid, o] : f_) {
			auto it = t_.find(oid);
			if (it == t_.end())
				removed_.insert(oid);
			else if (!o->same_definition(*it->second))
				changed_.insert(oid);
		}
		for (const auto &[oid, o] : t_)
			if (!f_.count(oid))
				added_.insert(oid);
		for (const auto &oid : changed_) {
			const Object &a = *f_.at(oid), &b = *t_.at(oid);
			bool in_place = false;
			switch (b.kind) {
			case Kind::column:
				in_place = a.column.generated == b.column.generated;
				if (a.column.type != b.column.type || a.column.collation != b.column.collation || !in_place) {
					retyped_tables_.insert("table " + b.table);
					retyped_columns_.insert(oid);
				}
				break;
			case Kind::enum_type:
				in_place = true;
				if (!ddl::labels_kept_in_order(a.labels, b.labels))
					rebuilt_enums_.insert(b.name);
				break;
			default:
				in_place = !ddl::alter_in_place(a, b).empty();
			}
			(in_place ? altered_ : replaced_).insert(oid);
		}
		for (const auto &oid : removed_) {
			const Object &o = *f_.at(oid);
			if (o.kind == Kind::column)
				retyped_tables_.insert("table " + o.table);
		}
		// Columns of a rebuilt enum change type too.
		for (const auto &[oid, o] : t_)
			if (o->kind == Kind::column && rebuilt_enums_.count(o->column.type)) {
				retyped_tables_.insert("table " + o->table);
				retyped_columns_.insert(oid);
			}
	}

	// A view that reads a table whose columns change type or go away, or a view dropped or
	// replaced, blocks that change: drop it first and create it again afterwards.
	void rebuild_views() {
		for (bool more = true; more;) {
			more = false;
			for (const auto &[oid, o] : f_) {
				if (o->kind != Kind::view || removed_.count(oid) || replaced_.count(oid))
					continue;
				for (const auto &dep : o->depends_on)
					if (retyped_tables_.count(dep) || removed_.count(dep) || replaced_.count(dep)) {
						replaced_.insert(oid);
						changed_.insert(oid);
						more = true;
						break;
					}
			}
		}
	}

	// A foreign key blocks dropping the key it references, and PostgreSQL re-checks it after each
	// column type change on either side (failing while only one side has changed): drop it first
	// and create it again once its key and columns are in place.
	void rebuild_foreign_keys() {
		for (const auto &[oid, o] : f_) {
			if (o->kind != Kind::foreign_key || removed_.count(oid) || replaced_.count(oid))
				continue;
			for (const auto &dep : o->depends_on)
				if (removed_.count(dep) || replaced_.count(dep) || retyped_columns_.count(dep)) {
					replaced_.insert(oid);
					changed_.insert(oid);
					rebuilt_because_[oid] = dep;
					break;
				}
		}
	}

	// Why a foreign key of unchanged definition is dropped and created again: "" for other objects.
	std::string because(const std::string &oid) const {
		auto it = rebuilt_because_.find(oid);
		if (it == rebuilt_because_.end())
			return {};
		const std::string &dep = it->second;
		if (retyped_columns_.count(dep))
			return fmt::format(", as {} changes type", dep);
		return fmt::format(", as it depends on {}, which is {}", dep,
		                   removed_.count(dep) ? "dropped" : "dropped and created again");
	}

	bool parent_dropped(const Object &o) const {
		return !o.parent.empty() && (removed_.count(o.parent) || replaced_.count(o.parent));
	}

	bool parent_created(const Object &o) const {
		return !o.parent.empty() && (added_.count(o.parent) || replaced_.count(o.parent));
	}

	// "public.t.c", "public.t_idx on public.t".
	static std::string summary_name(const Object &o) {
		std::string name = o.table.empty() ? o.name : o.table + "." + o.name;
		if (o.kind == Kind::index)
			name += " on " + o.detail;
		return name;
	}

	static std::string summary(const char *verb, const Object &o) {
		return fmt::format("{} {} {}", verb, kind_name(o.kind), summary_name(o));
	}

	// `listed`: false for the drop half of an object created again, listed once as "change".
	void add_drop(const Object &o, std::vector<std::string> notes = {}, bool listed = true) {
		Step s;
		s.phase = drops_last(o) ? Phase::drop_bases : Phase::drop_dependents;
		if (listed)
			s.summary = summary("drop", o);
		s.sql = {ddl::drop(o)};
		if (o.kind == Kind::table)
			notes.insert(notes.begin(), fmt::format("WARNING: data loss: drops table {} and every row in it", o.name));
		if (o.kind == Kind::column && !replaced_.count(id(o)))
			notes.insert(notes.begin(),
			             fmt::format("WARNING: data loss: drops column {} of {} and its values", o.name, o.table));
		s.data_loss = o.kind == Kind::table || (o.kind == Kind::column && !replaced_.count(id(o)));
		s.notes = std::move(notes);
		auto &list = s.phase == Phase::drop_bases ? base_drops_ : drops_;
		list.push_back({slot(o), sub(o, from_views_), id(o), std::move(s)});
	}

	void add_create(const Object &o, std::vector<std::string> sql, const char *verb,
	                std::vector<std::string> notes = {}, bool data_loss = false) {
		Step s;
		s.phase = Phase::create_and_alter;
		s.summary = summary(verb, o);
		s.sql = std::move(sql);
		s.notes = std::move(notes);
		s.data_loss = data_loss;
		creates_.push_back({slot(o), sub(o, to_views_), id(o), std::move(s)});
	}

	int sub(const Object &o, const std::map<std::string, int> &views) const {
		auto it = views.find(id(o));
		return it == views.end() ? 0 : it->second;
	}

	// Columns and non-FK constraints of a new table go inside its CREATE TABLE.
	bool inlined(const Object &o) const {
		return (o.kind == Kind::column || (o.kind == Kind::constraint && !o.definition.ends_with(" NOT VALID"))) &&
		       added_.count(o.parent);
	}

	std::vector<const Object *> inline_parts(const Object &table) const {
		std::vector<const Object *> parts;
		for (const auto &[oid, o] : t_)
			if (o->kind == Kind::column && o->table == table.name)
				parts.push_back(o);
		// Columns in the order introspection read them (attnum), then constraints.
		std::stable_sort(parts.begin(), parts.end(), [](const Object *a, const Object *b) { return a < b; });
		for (const auto &[oid, o] : t_)
			if (o->kind == Kind::constraint && o->table == table.name && inlined(*o))
				parts.push_back(o);
		return parts;
	}

	void emit() {
		from_views_ = view_order(f_);
		to_views_ = view_order(t_);
		auto hints = rename_hints();

		for (const auto &oid : removed_) {
			const Object &o = *f_.at(oid);
			// What goes with its parent is not dropped by itself, except a sequence's ownership (released
			// first, so DROP TABLE leaves the sequence to its own DROP) and foreign keys to other tables.
			if (parent_dropped(o) && o.kind != Kind::sequence_owner && drops_with_table(o))
				continue;
			std::vector<std::string> notes;
			if (auto h = hints.find(oid); h != hints.end())
				notes.push_back(h->second);
			add_drop(o, std::move(notes));
		}
		for (const auto &oid : replaced_) {
			const Object &a = *f_.at(oid), &b = *t_.at(oid);
			if (is_base_kind(b.kind)) { // same name: the old one must go right before the new one
				add_create(b, {ddl::drop(a), ddl::create(b)}, "replace");
				continue;
			}
			// Said on both sides, so a reviewer reading one of them knows about the other.
			if (!parent_dropped(a))
				add_drop(a,
				         {fmt::format("{} {}: dropped here, created again below{}", kind_name(a.kind), summary_name(a),
				                      because(oid))},
				         inlined(b));
			if (!inlined(b))
				add_create(b, {ddl::create(b)}, "change",
				           {fmt::format("{} {}: created again (dropped above){}", kind_name(b.kind), summary_name(b),
				                        because(oid))});
		}
		for (const auto &oid : added_) {
			const Object &o = *t_.at(oid);
			if (inlined(o))
				continue;
			add_create(o, {o.kind == Kind::table ? ddl::create(o, inline_parts(o)) : ddl::create(o)}, "add");
		}
		// Unchanged objects whose parent is created again (a rebuilt view's comments and grants).
		for (const auto &[oid, o] : t_)
			if (f_.count(oid) && !changed_.count(oid) && parent_created(*o) && !inlined(*o))
				add_create(*o, {ddl::create(*o)}, "restore");
		for (const auto &oid : altered_)
			emit_alter(*f_.at(oid), *t_.at(oid));
	}

	void emit_alter(const Object &a, const Object &b) {
		if (b.kind == Kind::column) {
			std::vector<std::string> notes;
			bool loss = false;
			if (a.column.type != b.column.type && !ddl::is_widening(a.column.type, b.column.type)) {
				notes.push_back(fmt::format("WARNING: data loss: column {} of {} changes type from {} to {}; values "
				                            "that do not fit make this fail or lose precision",
				                            b.name, b.table, a.column.type, b.column.type));
				loss = true;
			}
			add_create(b, ddl::alter_column(a, b), "alter", std::move(notes), loss);
			return;
		}
		if (b.kind == Kind::enum_type) {
			if (rebuilt_enums_.count(b.name))
				emit_enum_rebuild(a, b);
			else
				add_create(b, ddl::add_enum_values(a, b), "alter",
				           {"New enum values cannot be used in the transaction that adds them."});
			return;
		}
		add_create(b, {ddl::alter_in_place(a, b)}, "alter");
	}

	// Values removed or reordered: a new type under the old name, every column converted.
	void emit_enum_rebuild(const Object &a, const Object &b) {
		std::vector<std::string> lost;
		for (const auto &l : a.labels)
			if (std::find(b.labels.begin(), b.labels.end(), l) == b.labels.end())
				lost.push_back("'" + l + "'");
		std::vector<std::string> notes;
		if (!lost.empty())
			notes.push_back(fmt::format("WARNING: data loss: type {} loses value(s) {}; rows holding them make this "
			                            "fail. The type is rebuilt and its columns converted.",
			                            b.name, fmt::join(lost, ", ")));
		else
			notes.push_back(fmt::format("Type {} changes the order of its values: it is rebuilt and its columns "
			                            "converted.",
			                            b.name));
		const std::string bare = b.name.substr(b.name.rfind('.') + 1);
		const std::string old_bare = bare.front() == '"' ? bare.substr(0, bare.size() - 1) + "__old\"" : bare + "__old";
		const std::string old_name = b.name.substr(0, b.name.size() - bare.size()) + old_bare;
		std::vector<std::string> sql = {fmt::format("ALTER TYPE {} RENAME TO {};", b.name, old_bare), ddl::create(b)};
		for (const auto &[oid, o] : t_) {
			if (o->kind != Kind::column || o->column.type != b.name)
				continue;
			auto before = f_.find(oid);
			if (before == f_.end() || before->second->column.type != a.name)
				continue;
			const std::string prefix = fmt::format("ALTER TABLE {} ALTER COLUMN {} ", o->table, o->name);
			const std::string &old_default = before->second->column.default_expr;
			if (!old_default.empty())
				sql.push_back(prefix + "DROP DEFAULT;");
			sql.push_back(fmt::format("{}TYPE {} USING {}::text::{};", prefix, b.name, o->name, b.name));
			// The column's own alter (if any) sets a changed default; an unchanged one is set here.
			if (!old_default.empty() && old_default == o->column.default_expr)
				sql.push_back(prefix + "SET DEFAULT " + o->column.default_expr + ";");
		}
		sql.push_back(fmt::format("DROP TYPE {};", old_name));
		add_create(b, std::move(sql), "rebuild", std::move(notes), !lost.empty());
	}

	// A table that loses a column and gains one of the same type may be a rename.
	std::map<std::string, std::string> rename_hints() const {
		std::map<std::string, std::string> hints;
		for (const auto &oid : removed_) {
			const Object &gone = *f_.at(oid);
			if (gone.kind != Kind::column || removed_.count(gone.parent))
				continue;
			for (const auto &nid : added_) {
				const Object &fresh = *t_.at(nid);
				if (fresh.kind == Kind::column && fresh.table == gone.table && fresh.column.type == gone.column.type) {
					hints[oid] = fmt::format(
					    "{} loses column {} and gains column {} of the same type ({}): a rename cannot be told from "
					    "a drop and an add. If it is one, replace the DROP and the ADD with: ALTER TABLE {} RENAME "
					    "COLUMN {} TO {};",
					    gone.table, gone.name, fresh.name, gone.column.type, gone.table, gone.name, fresh.name);
					break;
				}
			}
		}
		return hints;
	}

	Map f_, t_;
	std::set<std::string> removed_, added_, changed_, altered_, replaced_;
	std::set<std::string> retyped_tables_, retyped_columns_, rebuilt_enums_;
	std::map<std::string, std::string> rebuilt_because_; // foreign key -> what it depends on that changes
	std::map<std::string, int> from_views_, to_views_;
	std::vector<Keyed> drops_, creates_, base_drops_;
};

} // namespace

std::vector<Step>
diff(const Schema &from, const Schema &to) {
	return Differ(from, to).run();
}

std::vector<std::string>
changes(const std::vector<Step> &steps) {
	std::vector<std::string> lines;
	for (const auto &step : steps)
		if (!step.summary.empty())
			lines.push_back(step.summary);
	return lines;
}

std::string
render(const std::vector<Step> &steps) {
	static const char *headings[] = {
	    "-- Drop what goes away or must be created again (dependent objects first)",
	    "-- Create and alter, in dependency order",
	    "-- Drop what nothing uses any more",
	};
	std::string out;
	int shown = -1;
	for (const auto &step : steps) {
		int phase = static_cast<int>(step.phase);
		if (phase != shown) {
			out += (out.empty() ? "" : "\n") + std::string(headings[phase]) + "\n";
			shown = phase;
		}
		out += "\n";
		for (const auto &note : step.notes)
			out += "-- " + note + "\n";
		for (const auto &sql : step.sql)
			out += sql + "\n";
	}
	return out;
}

} // namespace migrate::schema
