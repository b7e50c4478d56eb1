// libpq, RAII-wrapped: one connection, results, server errors with every field, notices
// delivered as they arrive, and Ctrl-C turned into a cancel request.
#pragma once

#include "errors.hpp"
#include "url.hpp"

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgmigrate {

// An error the server (or libpq) reported, with PostgreSQL's fields.
class ServerError : public Failure {
public:
	using Failure::Failure;
	int position = 0; // 1-based character position in the statement, 0 if none
	bool connection_lost = false;
	bool refused_by_client = false; // pgmigrate's own refusal (COPY to the client), not the server's
};

struct Notice {
	std::string severity; // NOTICE, WARNING, INFO... (not localised)
	std::string message;
	std::string detail;
	std::string hint;
	std::string sqlstate;
};

class Result {
public:
	Result() = default;
	explicit Result(PGresult *res) : res_(res, &PQclear) {}

	int rows() const { return res_ ? PQntuples(res_.get()) : 0; }
	int columns() const { return res_ ? PQnfields(res_.get()) : 0; }
	bool is_null(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
	std::string get(int row, int col) const; // "" for NULL
	std::optional<std::string> value(int row, int col) const;
	bool get_bool(int row, int col) const { return get(row, col) == "t"; }

private:
	std::shared_ptr<PGresult> res_;
};

class Connection {
public:
	using Params = std::vector<std::optional<std::string>>;

	// Connects (libpq parameters from `target`, application_name defaulting to pgmigrate);
	// `dbname` overrides the database. Throws Failure with a redacted message.
	static std::unique_ptr<Connection> open(const DatabaseTarget &target, const std::string &dbname = {});
	~Connection();
	Connection(const Connection &) = delete;
	Connection &operator=(const Connection &) = delete;

	// One statement over the extended protocol, with text parameters $1, $2...
	Result query(std::string_view sql, const Params &params = {});
	// The same with `text` parameters given as views (none NULL): libpq copies each straight into
	// its message, so a large upload is not copied once more into strings or an array literal.
	Result query_text_views(std::string_view sql, const std::vector<std::string_view> &params);
	// One or more statements over the simple protocol (no parameters); the last result. With
	// `completed`, the number of statements that completed before an error (or all of them).
	Result simple(std::string_view sql, int *completed = nullptr);

	std::string database() const { return PQdb(conn_); }
	std::string user() const { return PQuser(conn_); }
	int backend_pid() const { return PQbackendPID(conn_); }
	bool in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }
	PGconn *raw() const noexcept { return conn_; }

	// Called for every notice, as it arrives. The default prints `Running ...` lines as
	// progress and other notices on stderr.
	void on_notice(std::function<void(const Notice &)> handler) { notice_ = std::move(handler); }
	// Called about ten times a second while a statement runs (for the status line).
	void on_tick(std::function<void()> tick) { tick_ = std::move(tick); }

	static void default_notice(const Notice &notice);

	// Whether Ctrl-C cancels the running statement (default). Cleanup after Ctrl-C (dropping a
	// scratch database) turns it off so that it runs to the end.
	void set_cancellable(bool cancellable) { cancellable_ = cancellable; }

private:
	explicit Connection(PGconn *conn);
	Result wait_for_result(int *completed = nullptr);
	static void receive_notice(void *arg, const PGresult *res);

	PGconn *conn_;
	std::function<void(const Notice &)> notice_ = &Connection::default_notice;
	std::function<void()> tick_;
	bool cancellable_ = true;
};

// BEGIN ... COMMIT, rolled back if the scope is left without commit().
class Transaction {
public:
	explicit Transaction(Connection &conn, std::string_view begin = "BEGIN ISOLATION LEVEL READ COMMITTED");
	~Transaction();
	Transaction(const Transaction &) = delete;
	Transaction &operator=(const Transaction &) = delete;
	void commit();

private:
	Connection &conn_;
	bool open_ = true;
};

// A libpq error on a result as a ServerError (every field kept).
ServerError server_error(const PGresult *res, PGconn *conn);

// Ctrl-C: while a statement runs it sends a cancel request instead of killing the client.
void install_interrupt_handler();
bool interrupted();
// After SIGINT or SIGTERM that a command unwound from: 128 + the signal (130, 143), as a shell
// reports a process that the signal ended; else 0.
int interrupt_exit_code();
// Between steps of a command that cleans up after itself: Failure("interrupted") after a Ctrl-C.
void throw_if_interrupted();
// While deferred, Ctrl-C between statements only sets the flag (for commands that must clean up).
void defer_interrupts(bool defer);

// SQL identifier quoting (for the extension's schema).
std::string quote_ident(std::string_view ident);

} // namespace pgmigrate
