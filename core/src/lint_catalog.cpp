// lint::Catalog over Database::query: the same engine-written SQL in both hosts.
#include "migrate/database.hpp"
#include "migrate/lint.hpp"

#include <map>
#include <string>

namespace migrate::lint {

namespace {

// The name as written ("public.agents", "Agents" when it was quoted) in the form to_regclass
// reads without folding case again: each part double-quoted.
std::string
regclass_text(std::string_view name) {
	std::string out;
	std::size_t start = 0;
	while (true) {
		const std::size_t dot = name.find('.', start);
		const std::string_view part = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
		out += '"';
		for (char c : part)
			out += c == '"' ? std::string("\"\"") : std::string(1, c);
		out += '"';
		if (dot == std::string_view::npos)
			break;
		out += '.';
		start = dot + 1;
	}
	return out;
}

double
to_double(const Value &v) {
	return v ? std::stod(*v) : 0;
}

// The typmods of a column of type `name` as PostgreSQL stores them in one int (atttypmod).
std::vector<int>
typmods(const std::string &name, int typmod) {
	if (typmod < 0)
		return {};
	if (name == "varchar" || name == "bpchar")
		return {typmod - 4};
	if (name == "numeric")
		return {((typmod - 4) >> 16) & 0xffff, (typmod - 4) & 0xffff};
	return {typmod};
}

class DatabaseCatalog : public Catalog {
public:
	explicit DatabaseCatalog(Database &db) : db_(db) {}

	// relpages is only as fresh as the last VACUUM or ANALYZE (0 for a table filled since it was
	// created): the file's size in blocks is read too, and the larger one wins.
	std::optional<TableSize> table(std::string_view name) override {
		const auto rows = db_.query_as_caller(
		    "SELECT c.reltuples::pg_catalog.float8, GREATEST(c.relpages::pg_catalog.int8, "
		    "pg_catalog.pg_relation_size(c.oid) OPERATOR(pg_catalog./) "
		    "pg_catalog.current_setting('block_size')::pg_catalog.int8) "
		    "FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1)",
		    {regclass_text(name)});
		std::optional<TableSize> size;
		if (!rows.empty())
			size = TableSize{to_double(rows[0].at(0)), to_double(rows[0].at(1))};
		sizes_.emplace(name, size);
		return size;
	}

	std::optional<TypeName> column_type(std::string_view table, std::string_view column) override {
		const auto rows = db_.query_as_caller(
		    "SELECT t.typname, a.atttypmod, a.attndims OPERATOR(pg_catalog.>) 0 OR t.typcategory "
		    "OPERATOR(pg_catalog.=) 'A' "
		    "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid "
		    "WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.to_regclass($1) "
		    "AND a.attname OPERATOR(pg_catalog.=) $2 AND NOT a.attisdropped",
		    {regclass_text(table), std::string(column)});
		if (rows.empty() || !rows[0].at(0))
			return std::nullopt;
		TypeName type;
		type.schema = "pg_catalog";
		type.name = *rows[0].at(0);
		type.array = rows[0].at(2) == Value("t") || rows[0].at(2) == Value("true");
		if (type.array && type.name.starts_with("_"))
			type.name.erase(0, 1);
		type.typmods = typmods(type.name, rows[0].at(1) ? std::stoi(*rows[0].at(1)) : -1);
		return type;
	}

private:
	Database &db_;
	std::map<std::string, std::optional<TableSize>, std::less<>> sizes_;
};

} // namespace

std::unique_ptr<Catalog>
database_catalog(Database &db) {
	return std::make_unique<DatabaseCatalog>(db);
}

} // namespace migrate::lint
