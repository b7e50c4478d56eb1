// CallScope (see call_scope.h).
#include "call_scope.h"

#include "guc.h"

extern "C" {
#include "executor/spi.h"
#include "storage/proc.h"
#include "utils/guc.h"
}

// The local id of the current top-level transaction (PostgreSQL 17 moved it into vxid).
#if PG_VERSION_NUM >= 170000
#define MIGRATE_LXID (MyProc->vxid.lxid)
#else
#define MIGRATE_LXID (MyProc->lxid)
#endif

namespace migrate::pg {

namespace {

std::optional<std::string>
caller_search_path(CallScope::Mode mode) {
	if (mode == CallScope::Mode::read_only)
		return std::nullopt;
	const char *value = pg_call([] { return GetConfigOption("search_path", false, false); });
	return std::string(value != nullptr ? value : "");
}

// The top-level transaction (its local id) in which a state-changing call is running; 0: none.
// Keyed by transaction so that a flag left behind by an aborted call can never block later ones.
LocalTransactionId change_in_progress = InvalidLocalTransactionId;

} // namespace

CallScope::ChangeGuard::ChangeGuard(Mode mode) {
	if (mode == Mode::read_only || mode == Mode::read_as_caller)
		return;
	if (change_in_progress != InvalidLocalTransactionId && change_in_progress == MIGRATE_LXID)
		throw Error(sqlstate::not_in_prerequisite_state,
		            "a migration cannot call migrate_add, migrate_upgrade, migrate_downgrade or migrate_stamp", {},
		            "Only the read-only migrate functions may be used inside migration SQL.");
	change_in_progress = MIGRATE_LXID;
	owner_ = true;
}

void
CallScope::ChangeGuard::renew() {
	if (owner_)
		change_in_progress = MIGRATE_LXID;
}

CallScope::ChangeGuard::~ChangeGuard() {
	if (owner_)
		change_in_progress = InvalidLocalTransactionId;
}

CallScope::CallScope(Mode mode)
    : guard_(mode), caller_search_path_(caller_search_path(mode)),
      guc_level_(mode == Mode::read_only ? 0 : push_engine_search_path()), spi_(mode == Mode::change_per_revision),
      db_(mode == Mode::read_only || mode == Mode::read_as_caller, caller_search_path_,
          mode == Mode::change_per_revision ? std::function<void()>([this] { commit(); }) : std::function<void()>()) {}

void
CallScope::commit() {
	pg_call([] { SPI_commit(); });
	guard_.renew();
	guc_level_ = push_engine_search_path();
}

void
CallScope::finish() {
	spi_.finish();
	if (guc_level_ != 0) {
		int level = guc_level_;
		guc_level_ = 0;
		pop_guc_level(level);
	}
}

} // namespace migrate::pg
