// Everything the client prints goes through here: text or one JSON document per command,
// secrets scrubbed, `FAILED:` on stderr, and a status line on stderr when it is a terminal.
#pragma once

#include "errors.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace pgmigrate {

class Output {
public:
	static Output &get();

	void configure(bool json, bool quiet);
	void set_secrets(std::vector<std::string> secrets) { secrets_ = std::move(secrets); }
	bool json() const noexcept { return json_; }
	bool quiet() const noexcept { return quiet_; }

	// A line of the command's result on stdout (text mode only; --json puts it in doc()).
	void result(std::string_view line);
	// Text printed exactly as it is (an SQL script), secrets scrubbed; text mode only.
	void raw(std::string_view text);
	// Progress of the work (`Running upgrade 001 -> 002, ...`): stdout in text mode, stderr with
	// --json, nothing with -q. Flushed at once so it shows as it happens.
	void progress(std::string_view line);
	// Messages about the run (`Waiting for ...`) on stderr; nothing with -q.
	void note(std::string_view line);
	// Warnings on stderr, even with -q.
	void warning(std::string_view line);

	// The --json document of this command.
	nlohmann::json &doc() { return doc_; }

	// Reports a failure: `FAILED: <message>` and its DETAIL/HINT/CONTEXT lines on stderr; with
	// --json also the error object in the document.
	void fail(const migrate::Error &failure); // a Failure adds its items
	// Prints the JSON document (with --json) and returns the exit code.
	int finish(int exit_code);

	// The terminal status line (stderr, only when it is a terminal and not --json/-q).
	bool status_enabled() const noexcept { return status_enabled_; }
	void status(std::string_view text);
	void clear_status();

	std::string redacted(std::string_view text) const;
	std::string scrubbed(std::string_view text) const;

private:
	Output() = default;
	void write(int fd, std::string_view text);

	bool json_ = false;
	bool quiet_ = false;
	bool status_enabled_ = false;
	bool status_shown_ = false;
	std::string last_status_;
	std::vector<std::string> secrets_;
	nlohmann::json doc_ = nlohmann::json::object();
};

inline Output &
out() {
	return Output::get();
}

} // namespace pgmigrate
