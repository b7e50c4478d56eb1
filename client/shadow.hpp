// The two shadow databases behind `revision --autogenerate` and `check --schema`: one holds the
// migrations upgraded to a target, the other the desired schema (plain DDL files). Both are
// created on the target's server (or --shadow-url's), read with the engine's introspection and
// dropped again, also on failure or Ctrl-C. The target database itself is never touched. Only
// this role may connect to them (CONNECT revoked from PUBLIC); those a killed run left behind are
// dropped by the next run (see ScratchDatabase::drop_stale).
#pragma once

#include "context.hpp"
#include "migrate/schema_model.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace pgmigrate {

struct ShadowOptions {
	std::string schema_path = "./schema"; // a .sql file, or a directory of them applied in name order
	std::string shadow_url;               // a server to create the shadow databases on instead of -d's
};

struct SchemaFile {
	std::filesystem::path path;
	std::string content;
};

// The desired schema's files. Throws Failure naming the path when it is missing or empty.
std::vector<SchemaFile> read_schema_files(const std::string &path);

// The schema of a connected database, through the engine's introspection.
migrate::schema::Schema read_schema(Connection &conn);

struct ShadowSchemas {
	migrate::schema::Schema head;    // the migrations, upgraded to the targets
	migrate::schema::Schema desired; // the schema files
};

// `targets`: what to upgrade the migrations to (revision ids or "heads"; empty: base).
ShadowSchemas read_shadow_schemas(Context &ctx, const Project &project, const std::vector<std::string> &targets,
                                  const ShadowOptions &options);

} // namespace pgmigrate
