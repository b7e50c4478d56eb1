// The only place where PostgreSQL's longjmp world and C++ exceptions meet.
//
//   call_entry  C++ -> PostgreSQL: every SQL-callable function runs its body through it; any C++
//               exception becomes an ERROR with the right SQLSTATE, raised once no C++ object is alive.
//   pg_call     PostgreSQL -> C++: every PostgreSQL call that can ereport runs inside it; an ERROR
//               becomes a migrate::Error (a PgError keeping every field) thrown after PG_END_TRY.
//   SpiSession  SPI_connect / SPI_finish.
//
// Rules (ARCHITECTURE.md, "C++ inside a PostgreSQL backend"): the lambda given to pg_call is C-like
// (no throw, no C++ allocation, no owning locals, no return out of PG_TRY); nothing ereports inside
// a catch block; a caught PostgreSQL error is never swallowed, only carried up and re-raised.
#pragma once

#include "migrate/error.hpp"

#include <exception>
#include <new>
#include <string>
#include <type_traits>

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}

namespace migrate::pg {

// An error raised by PostgreSQL, carried through the engine as a migrate::Error together with the
// fields ThrowErrorData can put back, so the caller sees exactly what PostgreSQL said.
class PgError : public Error {
public:
	using Error::Error;
	std::string detail_log;
	std::string schema_name, table_name, column_name, datatype_name, constraint_name;
	// __FILE__ / __func__ of the original ereport: static strings, so keeping the pointers is safe.
	const char *filename = nullptr;
	int lineno = 0;
	const char *funcname = nullptr;
};

// Copies a caught ErrorData into a PgError, frees it and throws. Only called after PG_END_TRY.
[[noreturn]] void throw_error_data(ErrorData *edata);

// Runs fn, which calls PostgreSQL, as the deepest frame: an ERROR inside it is copied out, flushed
// and rethrown as a PgError once PG_TRY is over. error_context_stack is emptied for the call so
// that only the inner CONTEXT lines are captured; the outer ones are added again (once) when the
// error is finally re-raised by call_entry.
template <typename Fn>
auto
pg_call(Fn &&fn) -> decltype(fn()) {
	using R = decltype(fn());
	static_assert(std::is_void_v<R> || std::is_trivially_copyable_v<R>, "pg_call returns plain data only");
	MemoryContext volatile saved_cxt = CurrentMemoryContext;
	ErrorData *volatile edata = nullptr;
	std::conditional_t<std::is_void_v<R>, char, R> result{};
	auto *volatile result_ptr = &result;
	PG_TRY();
	{
		error_context_stack = nullptr; // PG_CATCH / PG_END_TRY restore it
		if constexpr (std::is_void_v<R>)
			fn();
		else
			*result_ptr = fn();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(saved_cxt); // CopyErrorData must not run in ErrorContext
		edata = CopyErrorData();
		FlushErrorState();
	}
	PG_END_TRY();
	if (edata != nullptr)
		throw_error_data(edata);
	if constexpr (!std::is_void_v<R>)
		return *result_ptr;
}

namespace detail {
// Build a palloc'd ErrorData without ever raising (allocation failures degrade to a static
// "out of memory" report in raise). Safe to call inside a catch block.
ErrorData *error_data(const Error &e, const char *file, int line, const char *func) noexcept;
ErrorData *error_data(const char *sqlstate, const char *message, const char *file, int line, const char *func) noexcept;
// ThrowErrorData: the longjmp. Called only after the catch blocks, with only plain data alive.
[[noreturn]] void raise(ErrorData *edata);
} // namespace detail

// The body of every SQL-callable function. Catches from the most specific to `...`; inside a catch
// it only copies data out (into memory of the function's own context); the ERROR is raised after
// the last catch block has ended.
template <typename Fn>
Datum
call_entry(Fn &&fn) {
	MemoryContext entry_cxt = CurrentMemoryContext;
	ErrorData *edata = nullptr;
	try {
		return fn();
	} catch (const Error &e) { // PgError included: error_data keeps its extra fields
		MemoryContextSwitchTo(entry_cxt);
		edata = detail::error_data(e, __FILE__, __LINE__, __func__);
	} catch (const std::bad_alloc &) {
		MemoryContextSwitchTo(entry_cxt);
		edata = detail::error_data(sqlstate::out_of_memory, "out of memory", __FILE__, __LINE__, __func__);
	} catch (const std::exception &e) {
		MemoryContextSwitchTo(entry_cxt);
		edata = detail::error_data(sqlstate::internal_error, e.what(), __FILE__, __LINE__, __func__);
	} catch (...) {
		MemoryContextSwitchTo(entry_cxt);
		edata = detail::error_data(sqlstate::internal_error, "unknown C++ exception", __FILE__, __LINE__, __func__);
	}
	detail::raise(edata);
}

// Defines the SQL-callable C function `name` (the symbol its CREATE FUNCTION names), whose body is
// `name##_impl(fcinfo)`, run through call_entry. Use it outside any namespace.
#define MIGRATE_FUNCTION(name)                                                                                         \
	extern "C" {                                                                                                       \
	PG_FUNCTION_INFO_V1(name);                                                                                         \
	Datum name(PG_FUNCTION_ARGS) {                                                                                     \
		return migrate::pg::call_entry([&] { return name##_impl(fcinfo); });                                           \
	}                                                                                                                  \
	}

// An SPI connection for the duration of one call. finish() disconnects (call it before building
// result Datums: SPI_finish frees everything palloc'd meanwhile). When the session dies during
// exception unwinding it does nothing: that exception always ends in an ERROR, and the (sub)
// transaction abort pops this connection together with any inner one an aborted nested call left
// behind (SPI_finish here could pop the wrong one).
class SpiSession {
public:
	// nonatomic: the connection of a procedure CALLed outside a transaction block, which may commit.
	explicit SpiSession(bool nonatomic = false);
	~SpiSession();
	SpiSession(const SpiSession &) = delete;
	SpiSession &operator=(const SpiSession &) = delete;
	void finish();

private:
	bool connected_ = false;
	int uncaught_at_start_ = 0;
};

} // namespace migrate::pg
