// DDL text for one schema object: how to create it, drop it, or change one column or enum.
// The diff decides what happens and in which order; this file only writes the statements.
#pragma once

#include "migrate/schema_model.hpp"

#include <string>
#include <vector>

namespace migrate::schema::ddl {

// The statement that creates `object`. For a table, `inline_parts` are its columns and
// constraints, written inside CREATE TABLE.
std::string create(const Object &object, const std::vector<const Object *> &inline_parts = {});
std::string drop(const Object &object);

// `name type COLLATE ... DEFAULT ... NOT NULL ...`, as in CREATE TABLE and ADD COLUMN.
std::string column_clause(const Object &column);

// The statements that turn column `from` into `to` (same table and name).
std::vector<std::string> alter_column(const Object &from, const Object &to);

// ALTER TYPE ... ADD VALUE for the values of `to` that `from` lacks, placed where `to` has them.
// Only valid when from's values appear in `to` in the same order (see labels_kept_in_order).
std::vector<std::string> add_enum_values(const Object &from, const Object &to);
bool labels_kept_in_order(const std::vector<std::string> &from, const std::vector<std::string> &to);

// The statement that alters `from` into `to` in place, for kinds that allow it (sequence,
// extension schema, table persistence, comment text, function body); empty when it must be
// dropped and created again.
std::string alter_in_place(const Object &from, const Object &to);

// Whether a column type change keeps every value (int -> bigint, varchar(10) -> text...).
bool is_widening(const std::string &from, const std::string &to);

} // namespace migrate::schema::ddl
