// One command over many databases: a forked process per target, --jobs at a time.
#include "fleet.hpp"

#include "output.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pgmigrate {

namespace {

using Clock = std::chrono::steady_clock;

struct TargetResult {
	std::string display;
	bool started = false;
	int exit_code = -1;
	double seconds = 0;
	std::string outcome; // "upgraded", "already at head", "failed"... for the summary
	std::string line;    // the text after "display: "
	nlohmann::json doc;  // the target's own --json document
};

// A running target: its process and what it has written so far.
struct Child {
	pid_t pid;
	std::size_t index;
	int out_fd, err_fd;
	std::string out, err;
	Clock::time_point start;
};

std::string
trim_line(std::string_view s) {
	while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
		s.remove_suffix(1);
	while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
		s.remove_prefix(1);
	return std::string(s);
}

// What a finished target's document says, in a few words.
void
describe(TargetResult &r, const std::string &command, const std::string &stderr_text) {
	const nlohmann::json &doc = r.doc;
	if (r.exit_code != 0) {
		r.outcome = "failed";
		std::string message;
		if (doc.is_object() && doc.contains("error") && doc["error"].contains("message"))
			message = doc["error"]["message"].get<std::string>();
		else if (auto at = stderr_text.rfind("FAILED: "); at != std::string::npos)
			message = trim_line(stderr_text.substr(at + 8, stderr_text.find('\n', at) - at - 8));
		else
			message = trim_line(stderr_text.empty() ? "no output" : stderr_text);
		r.line = "FAILED: " + message;
		return;
	}
	const bool moves = command == "upgrade" || command == "downgrade";
	if (moves && doc.contains("steps") && doc["steps"].is_array()) {
		const std::size_t steps = doc["steps"].size();
		const std::string target = doc.value("target", std::string("the target"));
		r.outcome = steps == 0 ? "already at " + target : command + "d";
		r.line = steps == 0 ? r.outcome : fmt::format("{} ({} step{})", r.outcome, steps, steps == 1 ? "" : "s");
	} else if (command == "current" && doc.contains("current") && doc["current"].is_array()) {
		std::vector<std::string> revs;
		for (const auto &row : doc["current"])
			revs.push_back(row.value("revision", std::string()) + (row.value("is_head", false) ? " (head)" : ""));
		r.outcome = "ok";
		r.line = revs.empty() ? "at base" : fmt::format("at {}", fmt::join(revs, ", "));
	} else if (command == "check") {
		r.outcome = "up to date";
		r.line = r.outcome;
	} else {
		r.outcome = "ok";
		r.line = "ok";
	}
}

// Reads what is there on the child's pipes; false once both are closed.
bool
drain(Child &c) {
	char buf[65536];
	for (int *fd : {&c.out_fd, &c.err_fd}) {
		if (*fd < 0)
			continue;
		for (;;) {
			ssize_t n = ::read(*fd, buf, sizeof buf);
			if (n > 0) {
				(fd == &c.out_fd ? c.out : c.err).append(buf, static_cast<std::size_t>(n));
				continue;
			}
			if (n < 0 && (errno == EINTR))
				continue;
			if (n == 0) { // closed
				::close(*fd);
				*fd = -1;
			}
			break; // EAGAIN: nothing more for now
		}
	}
	return c.out_fd >= 0 || c.err_fd >= 0;
}

} // namespace

std::vector<std::string>
read_targets(const std::string &path) {
	std::ifstream file;
	if (path != "-") {
		file.open(path);
		if (!file)
			throw Failure(fmt::format("cannot read the targets file {}: {}", path, std::strerror(errno)));
	}
	std::istream &in = path == "-" ? std::cin : file;
	std::vector<std::string> targets;
	for (std::string line; std::getline(in, line);) {
		std::string t = trim_line(line);
		if (!t.empty() && t.front() != '#')
			targets.push_back(std::move(t));
	}
	return targets;
}

int
run_fleet(Context &ctx, const FleetOptions &options, const std::function<int(Context &)> &run_one) {
	const std::string command = out().doc().value("command", std::string());
	const std::size_t n = options.targets.size();
	if (n == 0)
		throw Failure("no database targets", {}, "Give -d URL once per database, or --targets FILE.");

	// Every URL checked, and every password known, before anything runs.
	std::vector<TargetResult> results(n);
	std::vector<std::string> secrets;
	for (std::size_t i = 0; i < n; ++i) {
		DatabaseTarget t = parse_database_url(options.targets[i]);
		results[i].display = t.display;
		secrets.insert(secrets.end(), t.secrets.begin(), t.secrets.end());
	}
	out().set_secrets(secrets);
	// The files, read and parsed once: every child inherits them.
	if (Project &files = ctx.files(); files.exists())
		files.graph();

	const std::size_t jobs = static_cast<std::size_t>(std::max(1, options.jobs));
	std::size_t canary = std::min<std::size_t>(static_cast<std::size_t>(std::max(0, options.canary)), n);
	std::size_t phase_end = canary > 0 ? canary : n;
	std::size_t next = 0, done = 0, failed = 0;
	bool stop = false;
	std::vector<Child> running;
	const auto fleet_start = Clock::now();

	auto start = [&](std::size_t index) {
		int out_pipe[2], err_pipe[2];
		if (::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0)
			throw Failure(
			    fmt::format("cannot start a process for {}: {}", results[index].display, std::strerror(errno)));
		const pid_t pid = ::fork();
		if (pid < 0)
			throw Failure(
			    fmt::format("cannot start a process for {}: {}", results[index].display, std::strerror(errno)));
		if (pid == 0) {
			for (const Child &c : running) {
				::close(c.out_fd);
				::close(c.err_fd);
			}
			::close(out_pipe[0]);
			::close(err_pipe[0]);
			::dup2(out_pipe[1], STDOUT_FILENO);
			::dup2(err_pipe[1], STDERR_FILENO);
			::close(out_pipe[1]);
			::close(err_pipe[1]);
			out().configure(true, true);
			ctx.retarget(options.targets[index]);
			::_exit(run_one(ctx));
		}
		::close(out_pipe[1]);
		::close(err_pipe[1]);
		for (int fd : {out_pipe[0], err_pipe[0]})
			::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
		results[index].started = true;
		running.push_back({pid, index, out_pipe[0], err_pipe[0], {}, {}, Clock::now()});
	};

	auto finish = [&](Child &c) {
		int status = 0;
		while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
		}
		TargetResult &r = results[c.index];
		r.seconds = std::chrono::duration<double>(Clock::now() - c.start).count();
		r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		r.doc = nlohmann::json::parse(c.out, nullptr, false);
		if (r.doc.is_discarded())
			r.doc = nullptr;
		if (WIFSIGNALED(status) && c.err.empty())
			c.err = fmt::format("the process for this target ended on signal {}", WTERMSIG(status));
		describe(r, command, c.err);
		++done;
		if (r.exit_code != 0) {
			++failed;
			if (!options.continue_on_error)
				stop = true;
		}
		out().result(fmt::format("{}: {} ({:.2f} s)", r.display, r.line, r.seconds));
	};

	while (true) {
		while (!stop && !interrupted() && running.size() < jobs && next < phase_end)
			start(next++);
		if (running.empty()) {
			// The canary phase is over: the rest, unless a canary failed.
			if (phase_end < n && failed == 0 && !stop && !interrupted()) {
				phase_end = n;
				continue;
			}
			break;
		}
		std::vector<pollfd> fds;
		for (const Child &c : running)
			for (int fd : {c.out_fd, c.err_fd})
				if (fd >= 0)
					fds.push_back({fd, POLLIN, 0});
		if (::poll(fds.data(), fds.size(), 200) < 0 && errno != EINTR)
			throw Failure(fmt::format("poll failed: {}", std::strerror(errno)));
		for (std::size_t k = 0; k < running.size();) {
			if (drain(running[k])) {
				++k;
				continue;
			}
			finish(running[k]);
			running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
		}
		out().status(fmt::format("{}/{} done, {} running, {} failed", done, n, running.size(), failed));
	}
	out().clear_status();

	// The summary: how many of each outcome, then the failures by name.
	std::vector<std::pair<std::string, std::size_t>> counts;
	std::vector<std::string> failures;
	nlohmann::json list = nlohmann::json::array();
	for (auto &r : results) {
		if (!r.started) {
			r.outcome = "not started";
			r.line = "not started";
		}
		auto it = std::find_if(counts.begin(), counts.end(), [&](const auto &c) { return c.first == r.outcome; });
		if (it == counts.end())
			counts.push_back({r.outcome, 1});
		else
			++it->second;
		if (r.started && r.exit_code != 0)
			failures.push_back(fmt::format("{}: {}", r.display, r.line));
		nlohmann::json item = {{"target", r.display}, {"outcome", r.outcome}, {"ok", r.started && r.exit_code == 0}};
		if (r.started) {
			item["exit_code"] = r.exit_code;
			item["seconds"] = r.seconds;
			item["result"] = r.doc;
		}
		list.push_back(std::move(item));
	}
	std::vector<std::string> parts;
	for (const auto &[outcome, count] : counts)
		parts.push_back(fmt::format("{} {}", count, outcome));
	const double total = std::chrono::duration<double>(Clock::now() - fleet_start).count();
	out().result(fmt::format("{} database{} in {:.1f} s: {}", n, n == 1 ? "" : "s", total, fmt::join(parts, ", ")));
	out().doc()["targets"] = list;
	nlohmann::json summary = nlohmann::json::object();
	for (const auto &[outcome, count] : counts)
		summary[outcome] = count;
	out().doc()["summary"] = summary;
	if (failures.empty() && done == n)
		return exit_ok;
	Failure f(failures.empty() ? fmt::format("{} of {} databases were not reached", n - done, n)
	                           : fmt::format("{} of {} databases failed", failures.size(), n));
	constexpr std::size_t shown = 20;
	for (std::size_t k = 0; k < failures.size() && k < shown; ++k)
		f.items.push_back(failures[k]);
	if (failures.size() > shown)
		f.items.push_back(fmt::format("... and {} more", failures.size() - shown));
	throw f;
}

} // namespace pgmigrate
