// GUC nest levels (see guc.h), and the extension's own settings.
#include "migrate/lock_retry.hpp"
#include "migrate/lint.hpp"
#include "migrate/lock_trace.hpp"

#include <climits>
#include <string>

#include "guc.h"

extern "C" {
#include "miscadmin.h"
#include "utils/guc.h"
}

namespace {
constexpr const char *engine_search_path = "pg_catalog, pg_temp";
int lock_timeout_ms = migrate::default_lock_timeout_ms;
int lock_retries = migrate::default_lock_retries;
bool lock_trace = true;
int lint_policy = static_cast<int>(migrate::lint::Policy::warn);
const struct config_enum_entry lint_policies[] = {
    {"off", static_cast<int>(migrate::lint::Policy::off), false},
    {"warn", static_cast<int>(migrate::lint::Policy::warn), false},
    {"error", static_cast<int>(migrate::lint::Policy::error), false},
    {nullptr, 0, false},
};
} // namespace

// Plain C calls only: _PG_init runs outside any C++ boundary.
extern "C" void
_PG_init(void) {
	DefineCustomIntVariable(migrate::lock_timeout_setting,
	                        "How long each statement of a migration waits for a lock before the attempt is undone "
	                        "and retried (0: no limit; a revision's lock_timeout header overrides it).",
	                        nullptr, &lock_timeout_ms, migrate::default_lock_timeout_ms, 0, INT_MAX, PGC_USERSET,
	                        GUC_UNIT_MS, nullptr, nullptr, nullptr);
	DefineCustomIntVariable(migrate::lock_retries_setting,
	                        "How many times a migration that timed out waiting for a lock is tried again, after "
	                        "growing pauses.",
	                        nullptr, &lock_retries, migrate::default_lock_retries, 0, 1000, PGC_USERSET, 0, nullptr,
	                        nullptr, nullptr);
	DefineCustomBoolVariable(migrate::lock_trace_setting,
	                         "Whether the audit log records, for each step, the relations it locked (strongest mode) "
	                         "and the ones it rewrote.",
	                         nullptr, &lock_trace, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
	DefineCustomEnumVariable(migrate::lint::lint_setting,
	                         "What applying a revision does with its lint warnings: off, warn (a NOTICE each) or "
	                         "error (the revision is refused; '-- migrate:allow RULE: reason' waives a rule).",
	                         nullptr, &lint_policy, static_cast<int>(migrate::lint::Policy::warn), lint_policies,
	                         PGC_USERSET, 0, nullptr, nullptr, nullptr);
}

namespace migrate::pg {

LockPolicy
lock_policy() {
	return {lock_timeout_ms == 0 ? std::string() : std::to_string(lock_timeout_ms) + "ms", lock_retries, lock_trace};
}

lint::Policy
session_lint_policy() {
	return static_cast<lint::Policy>(lint_policy);
}

void
set_guc_saved(const char *name, const char *value) {
	(void)set_config_option(name, value, superuser() ? PGC_SUSET : PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
	                        false);
}

int
push_engine_search_path() {
	return pg_call([] {
		int level = NewGUCNestLevel();
		set_guc_saved("search_path", engine_search_path);
		return level;
	});
}

void
pop_guc_level(int level) {
	pg_call([level] { AtEOXact_GUC(true, level); });
}

} // namespace migrate::pg
