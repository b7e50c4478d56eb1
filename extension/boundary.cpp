// The two directions of the error boundary (see boundary.h) and the SPI session.
#include <cstring>

#include "boundary.h"

extern "C" {
#include "executor/spi.h"
}

namespace migrate::pg {

namespace {

std::string
copy(const char *s) {
	return s ? std::string(s) : std::string();
}

// A palloc'd copy that never raises: nullptr when out of memory (or when empty and optional).
char *
dup(const char *s, std::size_t n, bool optional = true) noexcept {
	if (n == 0 && optional)
		return nullptr;
	auto *p = static_cast<char *>(
	    MemoryContextAllocExtended(CurrentMemoryContext, n + 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM));
	if (p != nullptr) {
		std::memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *
dup(const std::string &s) noexcept {
	return dup(s.data(), s.size());
}

int
pack_sqlstate(const char *s) noexcept {
	auto valid = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); };
	if (s == nullptr || std::strlen(s) != 5 || !valid(s[0]) || !valid(s[1]) || !valid(s[2]) || !valid(s[3]) ||
	    !valid(s[4]))
		return ERRCODE_INTERNAL_ERROR;
	return MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]);
}

ErrorData *
new_error_data(const char *sqlstate, const char *file, int line, const char *func) noexcept {
	auto *edata = static_cast<ErrorData *>(
	    MemoryContextAllocExtended(CurrentMemoryContext, sizeof(ErrorData), MCXT_ALLOC_ZERO | MCXT_ALLOC_NO_OOM));
	if (edata == nullptr)
		return nullptr;
	edata->elevel = ERROR;
	edata->sqlerrcode = pack_sqlstate(sqlstate);
	edata->filename = file;
	edata->lineno = line;
	edata->funcname = func;
	return edata;
}

} // namespace

void
throw_error_data(ErrorData *edata) {
	PgError error(copy(unpack_sql_state(edata->sqlerrcode)), copy(edata->message), copy(edata->detail),
	              copy(edata->hint));
	error.context = copy(edata->context);
	error.internal_query = copy(edata->internalquery);
	error.internal_position = edata->internalpos;
	error.cursor_position = edata->cursorpos;
	error.detail_log = copy(edata->detail_log);
	error.schema_name = copy(edata->schema_name);
	error.table_name = copy(edata->table_name);
	error.column_name = copy(edata->column_name);
	error.datatype_name = copy(edata->datatype_name);
	error.constraint_name = copy(edata->constraint_name);
	error.filename = edata->filename;
	error.lineno = edata->lineno;
	error.funcname = edata->funcname;
	FreeErrorData(edata);
	throw error;
}

namespace detail {

ErrorData *
error_data(const Error &e, const char *file, int line, const char *func) noexcept {
	const auto *pg = dynamic_cast<const PgError *>(&e);
	if (pg != nullptr && pg->filename != nullptr) {
		file = pg->filename;
		line = pg->lineno;
		func = pg->funcname;
	}
	ErrorData *edata = new_error_data(e.sqlstate().c_str(), file, line, func);
	if (edata == nullptr)
		return nullptr;
	edata->message = dup(e.what(), std::strlen(e.what()), false);
	edata->detail = dup(e.detail());
	edata->hint = dup(e.hint());
	edata->context = dup(e.context);
	edata->internalquery = dup(e.internal_query);
	edata->internalpos = e.internal_position;
	edata->cursorpos = e.cursor_position;
	if (pg != nullptr) {
		edata->detail_log = dup(pg->detail_log);
		edata->schema_name = dup(pg->schema_name);
		edata->table_name = dup(pg->table_name);
		edata->column_name = dup(pg->column_name);
		edata->datatype_name = dup(pg->datatype_name);
		edata->constraint_name = dup(pg->constraint_name);
	}
	return edata;
}

ErrorData *
error_data(const char *sqlstate, const char *message, const char *file, int line, const char *func) noexcept {
	ErrorData *edata = new_error_data(sqlstate, file, line, func);
	if (edata != nullptr)
		edata->message = dup(message, std::strlen(message), false);
	return edata;
}

void
raise(ErrorData *edata) {
	if (edata == nullptr || edata->message == nullptr)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	ThrowErrorData(edata);
	pg_unreachable(); // ThrowErrorData does not return at level ERROR
}

} // namespace detail

SpiSession::SpiSession(bool nonatomic) : uncaught_at_start_(std::uncaught_exceptions()) {
	pg_call([nonatomic] {
		if (SPI_connect_ext(nonatomic ? SPI_OPT_NONATOMIC : 0) != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
	});
	connected_ = true;
}

SpiSession::~SpiSession() {
	// Only SPI_finish, and only on a normal path (see boundary.h).
	if (connected_ && std::uncaught_exceptions() == uncaught_at_start_)
		SPI_finish();
}

void
SpiSession::finish() {
	if (!connected_)
		return;
	connected_ = false;
	pg_call([] {
		int rc = SPI_finish();
		if (rc != SPI_OK_FINISH)
			elog(ERROR, "SPI_finish failed: %s", SPI_result_code_string(rc));
	});
}

} // namespace migrate::pg
