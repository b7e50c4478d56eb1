// Reading a schema from PostgreSQL's catalogs through Database::query(), so either host can do
// it (the client over libpq today; the extension over SPI could later).
#pragma once

#include "migrate/database.hpp"
#include "migrate/schema_model.hpp"

namespace migrate::schema {

// Every user object of the connected database, leaving out system schemas, schema migrate and
// objects that belong to extensions. Runs its queries with an empty search_path (so every name
// comes back schema-qualified) and restores the session's search_path afterwards.
Schema introspect(Database &db);

} // namespace migrate::schema
