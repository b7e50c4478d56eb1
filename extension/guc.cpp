// GUC nest levels (see guc.h).
#include "guc.h"

extern "C" {
#include "miscadmin.h"
#include "utils/guc.h"
}

namespace migrate::pg {

namespace {
constexpr const char *engine_search_path = "pg_catalog, pg_temp";
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
