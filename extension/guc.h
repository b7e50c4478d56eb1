// GUC nest levels: how a call pins the engine's search_path, and a revision sets the caller's (and
// its lock_timeout), each undone by popping its level (or by the (sub)transaction abort).
#pragma once

#include "boundary.h"

namespace migrate {
struct LockPolicy;
namespace lint {
enum class Policy;
}
} // namespace migrate

namespace migrate::pg {

// Sets a GUC for the current nest level only (GUC_ACTION_SAVE: restored when the level is popped,
// like a function's SET clause). Runs inside pg_call.
void set_guc_saved(const char *name, const char *value);

// A new GUC nest level with the engine's search_path, `pg_catalog, pg_temp`.
int push_engine_search_path();

// Pops `level` and every level above it.
void pop_guc_level(int level);

// migrate.lock_timeout and migrate.lock_retries (lock_retry.hpp, included first by the caller),
// defined by _PG_init.
LockPolicy lock_policy();

// migrate.lint (lint.hpp, included first by the caller), defined by _PG_init.
lint::Policy session_lint_policy();

} // namespace migrate::pg
