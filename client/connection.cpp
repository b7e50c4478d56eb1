// libpq connection: asynchronous execution so notices stream, the status line ticks and
// Ctrl-C cancels the running statement.
#include "connection.hpp"

#include "migrate/sql_text.hpp"
#include "output.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <poll.h>

namespace pgmigrate {

namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};
std::atomic<bool> g_in_statement{false};
std::atomic<bool> g_defer{false};

// SIGINT and SIGTERM.
void
on_signal(int sig) {
	if (!g_in_statement.load() && !g_defer.load()) {
		// Nothing is running on the server: stop at once, as any command-line tool does, dying of
		// the signal received (the shell reports 128 + its number: 130, 143).
		std::signal(sig, SIG_DFL);
		std::raise(sig);
		return;
	}
	int none = 0;
	g_signal.compare_exchange_strong(none, sig);
	g_interrupted.store(true);
}

std::string
field(const PGresult *res, int code) {
	const char *v = PQresultErrorField(res, code);
	return v ? v : "";
}

std::string
trim_newlines(std::string s) {
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

// RAII guard for the "a statement is running" flag the signal handler reads.
struct InStatement {
	InStatement() { g_in_statement.store(true); }
	~InStatement() { g_in_statement.store(false); }
};

} // namespace

void
install_interrupt_handler() {
	struct sigaction sa {};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
}

void
defer_interrupts(bool defer) {
	g_defer.store(defer);
}

bool
interrupted() {
	return g_interrupted.load();
}

int
interrupt_exit_code() {
	int sig = g_signal.load();
	return sig ? 128 + sig : 0;
}

void
throw_if_interrupted() {
	if (g_interrupted.load())
		throw Failure("interrupted");
}

std::string
quote_ident(std::string_view ident) {
	std::string out = "\"";
	for (char c : ident) {
		if (c == '"')
			out += '"';
		out += c;
	}
	return out + "\"";
}

std::string
Result::get(int row, int col) const {
	if (!res_ || PQgetisnull(res_.get(), row, col))
		return {};
	return PQgetvalue(res_.get(), row, col);
}

std::optional<std::string>
Result::value(int row, int col) const {
	if (!res_ || PQgetisnull(res_.get(), row, col))
		return std::nullopt;
	return std::string(PQgetvalue(res_.get(), row, col));
}

ServerError
server_error(const PGresult *res, PGconn *conn) {
	std::string message = res ? field(res, PG_DIAG_MESSAGE_PRIMARY) : "";
	if (message.empty())
		message = trim_newlines(res ? PQresultErrorMessage(res) : "");
	if (message.empty())
		message = trim_newlines(PQerrorMessage(conn));
	ServerError e(message);
	if (res) {
		e.set_detail(field(res, PG_DIAG_MESSAGE_DETAIL));
		e.set_hint(field(res, PG_DIAG_MESSAGE_HINT));
		e.context = field(res, PG_DIAG_CONTEXT);
		e.set_sqlstate(field(res, PG_DIAG_SQLSTATE));
		std::string pos = field(res, PG_DIAG_STATEMENT_POSITION);
		if (!pos.empty())
			e.position = std::stoi(pos);
	}
	if (PQstatus(conn) == CONNECTION_BAD) {
		e.connection_lost = true;
		if (e.sqlstate().empty())
			e.set_sqlstate(migrate::sqlstate::connection_failure);
	}
	return e;
}

std::unique_ptr<Connection>
Connection::open(const DatabaseTarget &target, const std::string &dbname) {
	std::vector<const char *> keys = {"dbname", "fallback_application_name"};
	std::vector<const char *> values = {target.conninfo.c_str(), "pgmigrate"};
	if (!dbname.empty()) {
		keys.push_back("dbname");
		values.push_back(dbname.c_str());
	}
	keys.push_back(nullptr);
	values.push_back(nullptr);
	PGconn *conn = PQconnectdbParams(keys.data(), values.data(), 1);
	if (!conn)
		throw Failure("out of memory while connecting");
	if (PQstatus(conn) != CONNECTION_OK) {
		std::string message = trim_newlines(PQerrorMessage(conn));
		PQfinish(conn);
		// libpq's text is "connection to server at ... failed: reason\n\thint"; keep it whole.
		std::string first = message, rest;
		if (auto nl = message.find('\n'); nl != std::string::npos) {
			first = message.substr(0, nl);
			rest = message.substr(nl + 1);
			while (!rest.empty() && (rest.front() == '\t' || rest.front() == ' '))
				rest.erase(0, 1);
		}
		Failure f(fmt::format("could not connect to the database {}: {}", target.display, first), rest);
		f.set_sqlstate(migrate::sqlstate::unable_to_connect);
		throw f;
	}
	return std::unique_ptr<Connection>(new Connection(conn));
}

Connection::Connection(PGconn *conn) : conn_(conn) {
	PQsetNoticeReceiver(conn_, &Connection::receive_notice, this);
}

Connection::~Connection() {
	PQfinish(conn_);
}

void
Connection::receive_notice(void *arg, const PGresult *res) {
	auto *self = static_cast<Connection *>(arg);
	Notice n;
	n.severity = field(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	if (n.severity.empty())
		n.severity = field(res, PG_DIAG_SEVERITY);
	n.message = field(res, PG_DIAG_MESSAGE_PRIMARY);
	n.detail = field(res, PG_DIAG_MESSAGE_DETAIL);
	n.hint = field(res, PG_DIAG_MESSAGE_HINT);
	n.sqlstate = field(res, PG_DIAG_SQLSTATE);
	if (self->notice_)
		self->notice_(n);
}

void
Connection::default_notice(const Notice &notice) {
	if (notice.message.starts_with("Running ")) {
		out().progress(notice.message);
		return;
	}
	std::string text = fmt::format("{}: {}", notice.severity.empty() ? "NOTICE" : notice.severity, notice.message);
	if (!notice.detail.empty())
		text += "\nDETAIL: " + notice.detail;
	if (!notice.hint.empty())
		text += "\nHINT: " + notice.hint;
	if (notice.severity == "WARNING")
		out().warning(text.substr(9)); // "warning: " prefix instead of "WARNING: "
	else
		out().note(text);
}

Result
Connection::query(std::string_view sql, const Params &params) {
	std::string text(sql);
	std::vector<const char *> values;
	values.reserve(params.size());
	for (const auto &p : params)
		values.push_back(p ? p->c_str() : nullptr);
	if (!PQsendQueryParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
	                       nullptr, 0))
		throw server_error(nullptr, conn_);
	return wait_for_result();
}

Result
Connection::query_text_views(std::string_view sql, const std::vector<std::string_view> &params) {
	std::string text(sql);
	constexpr Oid text_oid = 25; // pg_type.h's TEXTOID: the server need not infer a type from the SQL
	std::vector<Oid> types(params.size(), text_oid);
	std::vector<const char *> values;
	std::vector<int> lengths, formats(params.size(), 1);
	values.reserve(params.size());
	lengths.reserve(params.size());
	for (std::string_view p : params) {
		values.push_back(p.data());
		lengths.push_back(static_cast<int>(p.size()));
	}
	// Binary format: a text value's binary form is its bytes, with their length, so a view needs no
	// terminating NUL. The server still checks the encoding, as for text format.
	if (!PQsendQueryParams(conn_, text.c_str(), static_cast<int>(values.size()), types.data(), values.data(),
	                       lengths.data(), formats.data(), 0))
		throw server_error(nullptr, conn_);
	return wait_for_result();
}

Result
Connection::simple(std::string_view sql, int *completed) {
	std::string text(sql);
	if (!PQsendQuery(conn_, text.c_str()))
		throw server_error(nullptr, conn_);
	return wait_for_result(completed);
}

Result
Connection::wait_for_result(int *completed) {
	InStatement running;
	bool cancel_sent = false;
	PGresult *error = nullptr;
	PGresult *last = nullptr;
	if (completed)
		*completed = 0;
	// A simple-protocol query of several statements yields one result per statement that
	// completed, then the error (if any) that stopped the rest.
	// COPY to or from the client has no place in a migration (the extension refuses it too): the
	// data is drained or refused, so the connection stays usable, and the statement fails.
	int copy_at = -1;
	auto take = [&](PGresult *r) {
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_COPY_OUT || st == PGRES_COPY_IN || st == PGRES_COPY_BOTH) {
			PQclear(r);
			if (copy_at < 0)
				copy_at = completed ? *completed : 0;
			if (st == PGRES_COPY_OUT) {
				char *buffer = nullptr;
				while (PQgetCopyData(conn_, &buffer, 0) > 0)
					PQfreemem(buffer);
			} else {
				PQputCopyEnd(conn_, migrate::copy_client_message);
			}
			return;
		}
		if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR) {
			if (!error)
				error = r;
			else
				PQclear(r);
		} else {
			if (completed && !error)
				++*completed;
			if (last)
				PQclear(last);
			last = r;
		}
	};
	for (;;) {
		if (!PQconsumeInput(conn_))
			break;
		bool done = false;
		while (!PQisBusy(conn_)) {
			PGresult *r = PQgetResult(conn_);
			if (!r) {
				done = true;
				break;
			}
			take(r);
		}
		if (done)
			break;
		if (g_interrupted.load() && !cancel_sent && cancellable_) {
			cancel_sent = true;
			if (PGcancel *c = PQgetCancel(conn_)) {
				char buf[256];
				PQcancel(c, buf, sizeof buf);
				PQfreeCancel(c);
			}
		}
		pollfd pfd{PQsocket(conn_), POLLIN, 0};
		int rc = poll(&pfd, 1, 100);
		if (rc < 0 && errno != EINTR)
			break;
		if (tick_)
			tick_();
	}
	if (PQstatus(conn_) == CONNECTION_BAD && !error) {
		if (last)
			PQclear(last);
		ServerError e = server_error(nullptr, conn_);
		e.connection_lost = true;
		e.set_sqlstate(migrate::sqlstate::connection_failure);
		throw e;
	}
	if (copy_at >= 0) {
		if (error)
			PQclear(error);
		if (last)
			PQclear(last);
		if (completed)
			*completed = copy_at;
		ServerError e(migrate::copy_client_message);
		e.set_sqlstate(migrate::sqlstate::feature_not_supported);
		e.refused_by_client = true;
		throw e;
	}
	if (error) {
		ServerError e = server_error(error, conn_);
		PQclear(error);
		if (last)
			PQclear(last);
		if (cancel_sent && e.sqlstate() == migrate::sqlstate::query_canceled)
			e = ServerError("interrupted: the running statement was cancelled");
		throw e;
	}
	return Result(last);
}

Transaction::Transaction(Connection &conn, std::string_view begin) : conn_(conn) {
	conn_.simple(begin);
}

Transaction::~Transaction() {
	if (!open_ || PQstatus(conn_.raw()) != CONNECTION_OK || !conn_.in_transaction())
		return;
	try {
		conn_.simple("ROLLBACK");
	} catch (...) {
		// the connection is gone or broken: the server rolls back by itself
	}
}

void
Transaction::commit() {
	open_ = false;
	conn_.simple("COMMIT");
}

} // namespace pgmigrate
