// The scope one SQL-callable call runs in: its GUC levels, its SPI connection and its Database.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "spi_database.h"

namespace migrate::pg {

// Everything one SQL-callable call holds, in order: (state-changing calls) the caller's
// search_path and a GUC nest level pinning `pg_catalog, pg_temp`; an SPI connection; the Database.
// finish() releases them on the normal path; on an error the (sub)transaction abort does.
class CallScope {
public:
	// change_per_revision: a procedure CALLed outside a transaction block, committing per revision.
	// read_as_caller: read-only, keeping the caller's search_path for names the user's SQL wrote
	// (migrate_lint's catalog lookups), the engine's own SQL pinned as in the others.
	enum class Mode { read_only, read_as_caller, change, change_per_revision };
	explicit CallScope(Mode mode);
	CallScope(const CallScope &) = delete;
	CallScope &operator=(const CallScope &) = delete;

	Database &db() { return db_; }
	void finish();

private:
	// Commits (which pops every GUC level) and sets the call up again in the new transaction.
	void commit();

private:
	// A state-changing call made by the migration SQL of another one (say, a migration that calls
	// migrate_upgrade) is refused: it would plan against half-applied state.
	class ChangeGuard {
	public:
		explicit ChangeGuard(Mode mode);
		~ChangeGuard();
		void renew(); // a commit started a new transaction
		ChangeGuard(const ChangeGuard &) = delete;
		ChangeGuard &operator=(const ChangeGuard &) = delete;

	private:
		bool owner_ = false;
	};

	ChangeGuard guard_;
	std::optional<std::string> caller_search_path_;
	int guc_level_ = 0;
	SpiSession spi_;
	SpiDatabase db_;
};

} // namespace migrate::pg
