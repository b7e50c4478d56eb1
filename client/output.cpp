// Text, JSON and the terminal status line; redaction is applied to everything written.
#include "output.hpp"

#include "url.hpp"

#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace pgmigrate {

Output &
Output::get() {
	static Output instance;
	return instance;
}

void
Output::configure(bool json, bool quiet) {
	json_ = json;
	quiet_ = quiet;
	const char *term = std::getenv("TERM");
	status_enabled_ = !json && !quiet && isatty(STDERR_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
}

std::string
Output::redacted(std::string_view text) const {
	return redact(text, secrets_);
}

std::string
Output::scrubbed(std::string_view text) const {
	return scrub(text, secrets_);
}

void
Output::write(int fd, std::string_view text) {
	if (status_shown_)
		clear_status();
	while (!text.empty()) {
		ssize_t n = ::write(fd, text.data(), text.size());
		if (n <= 0)
			return; // a closed pipe: nothing more to say
		text.remove_prefix(static_cast<std::size_t>(n));
	}
}

void
Output::result(std::string_view line) {
	if (json_)
		return;
	write(STDOUT_FILENO, redacted(line) + "\n");
}

void
Output::raw(std::string_view text) {
	if (json_)
		return;
	std::string clean = scrubbed(text);
	if (clean != text)
		warning("the output contained the database password; it was masked as ***");
	write(STDOUT_FILENO, clean);
}

void
Output::progress(std::string_view line) {
	if (quiet_)
		return;
	write(json_ ? STDERR_FILENO : STDOUT_FILENO, redacted(line) + "\n");
}

void
Output::note(std::string_view line) {
	if (quiet_)
		return;
	write(STDERR_FILENO, redacted(line) + "\n");
}

void
Output::warning(std::string_view line) {
	write(STDERR_FILENO, redacted("warning: " + std::string(line)) + "\n");
}

void
Output::fail(const migrate::Error &failure) {
	static const std::vector<std::string> no_items;
	const auto *client = dynamic_cast<const Failure *>(&failure);
	const std::vector<std::string> &items = client ? client->items : no_items;
	std::string text = "FAILED: " + std::string(failure.what()) + "\n";
	for (const auto &item : items)
		text += "  " + item + "\n";
	if (!failure.detail().empty())
		text += "DETAIL: " + failure.detail() + "\n";
	if (!failure.hint().empty())
		text += "HINT: " + failure.hint() + "\n";
	if (!failure.context.empty())
		text += "CONTEXT: " + failure.context + "\n";
	if (!failure.sqlstate().empty())
		text += "SQLSTATE: " + failure.sqlstate() + "\n";
	write(STDERR_FILENO, redacted(text));
	if (json_) {
		nlohmann::json error = {{"message", redacted(failure.what())}};
		if (!items.empty()) {
			nlohmann::json lines = nlohmann::json::array();
			for (const auto &item : items)
				lines.push_back(redacted(item));
			error["items"] = lines;
		}
		if (!failure.detail().empty())
			error["detail"] = redacted(failure.detail());
		if (!failure.hint().empty())
			error["hint"] = redacted(failure.hint());
		if (!failure.context.empty())
			error["context"] = redacted(failure.context);
		if (!failure.sqlstate().empty())
			error["sqlstate"] = failure.sqlstate();
		doc_["error"] = error;
	}
}

int
Output::finish(int exit_code) {
	clear_status();
	if (json_) {
		doc_["ok"] = exit_code == 0;
		// Scrub the document as text: every string in it went through redacted() or is data.
		write(STDOUT_FILENO, scrubbed(doc_.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) + "\n");
	}
	return exit_code;
}

void
Output::status(std::string_view text) {
	if (!status_enabled_ || (status_shown_ && text == last_status_))
		return;
	last_status_ = std::string(text);
	std::string line = "\r\033[K" + redacted(text);
	status_shown_ = false; // write() must not clear what it is about to draw
	write(STDERR_FILENO, line);
	status_shown_ = true;
}

void
Output::clear_status() {
	if (!status_shown_)
		return;
	status_shown_ = false;
	write(STDERR_FILENO, "\r\033[K");
}

} // namespace pgmigrate
