// The engine's Database interface over SPI.
#pragma once

// C++ and the engine's headers first: postgres.h (through boundary.h) defines macros such as
// printf and _ that must not reach them.
#include "migrate/database.hpp"
#include "migrate/lock_retry.hpp"
#include "migrate/lock_trace.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boundary.h"

extern "C" {
#include "executor/spi.h"
#include "utils/resowner.h"
}

namespace migrate::pg {

// migrate::Database inside a backend. Engine SQL runs with search_path pinned to
// `pg_catalog, pg_temp`; user migration SQL runs between begin_revision and end_revision with the
// caller's search_path (and the revision's lock_timeout).
class SpiDatabase final : public Database {
public:
	// read_only: SPI runs every query read-only (STABLE functions; any write is refused).
	// caller_search_path: the search_path user SQL gets (state-changing calls only).
	// commit: how this call commits between revisions (procedures only; empty: it cannot).
	SpiDatabase(bool read_only, std::optional<std::string> caller_search_path, std::function<void()> commit = {});

	std::vector<Row> query(std::string_view sql, const std::vector<Value> &params) override;
	std::vector<Row> query_repeated(std::string_view sql, const std::vector<Value> &params) override;
	std::vector<Row> query_as_caller(std::string_view sql, const std::vector<Value> &params) override;
	std::vector<StatementSpan> split(std::string_view sql, const StatementContext &where) override;
	std::optional<Value> run_statement(std::string_view sql, const StatementContext &ctx) override;
	void begin_revision(const Revision &revision) override;
	void end_revision() override;
	void notice(std::string_view message, std::size_t step, std::size_t steps) override;
	bool can_run_non_transactional() const override { return false; }
	void commit() override;
	void begin_attempt() override;
	void end_attempt(bool keep) override;
	LockPolicy lock_policy() const override;
	std::vector<std::string> relations_of(std::string_view statement) override;
	std::vector<RelationState> held_locks(const std::vector<RelationState> &before) override;
	std::vector<lint::Statement> lint_statements(std::string_view sql, const StatementContext &where) override;
	lint::Policy lint_policy() const override;
	void report(std::string_view message) override;
	void pause(double seconds) override;

private:
	// `plan`: where query_repeated keeps the statement's plan (nullptr: plan it for this run only).
	std::vector<Row> query_scoped(const std::string &sql, const std::vector<Value> &params, SPIPlanPtr *plan);
	std::vector<Row> query_pinned(const std::string &sql, const std::vector<Value> &params, SPIPlanPtr *plan);

	bool read_only_;
	Oid state_owner_; // state-changing calls: engine SQL runs as this role; InvalidOid: as the caller
	std::optional<std::string> caller_search_path_;
	int revision_level_ = 0; // GUC nest level of the open revision scope; 0: none
	// The open attempt's subtransaction: what to return to when it ends.
	MemoryContext attempt_context_ = nullptr;
	ResourceOwner attempt_owner_ = nullptr;
	std::function<void()> commit_;
};

} // namespace migrate::pg
