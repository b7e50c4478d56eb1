// Child processes for the importers (child_process.hpp).
#include "child_process.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pgmigrate {

namespace fs = std::filesystem;

namespace {

void
close_fd(int &fd) {
	if (fd >= 0)
		::close(fd);
	fd = -1;
}

// In the child, after fork: only async-signal-safe calls until exec.
[[noreturn]] void
exec_child(const std::vector<char *> &args, const char *dir, int out_fd, int err_fd) {
	::setpgid(0, 0); // its own group, so a timeout kills what it started too
	int null_fd = ::open("/dev/null", O_RDONLY);
	if (null_fd >= 0)
		::dup2(null_fd, 0);
	::dup2(out_fd, 1);
	::dup2(err_fd, 2);
	if (::chdir(dir) != 0) {
		const char *msg = "cannot change to the project directory\n";
		(void)!::write(2, msg, std::strlen(msg));
		::_exit(127);
	}
	::execvp(args[0], args.data());
	const char *msg = "cannot run the program: ";
	(void)!::write(2, msg, std::strlen(msg));
	const char *why = std::strerror(errno);
	(void)!::write(2, why, std::strlen(why));
	(void)!::write(2, "\n", 1);
	::_exit(127);
}

} // namespace

fs::path
find_program(const std::string &name) {
	if (name.empty())
		return {};
	std::error_code ec;
	if (name.find('/') != std::string::npos)
		return ::access(name.c_str(), X_OK) == 0 ? fs::path(name) : fs::path();
	const char *path = std::getenv("PATH");
	std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
	std::size_t start = 0;
	while (start <= dirs.size()) {
		std::size_t end = dirs.find(':', start);
		if (end == std::string::npos)
			end = dirs.size();
		fs::path candidate = fs::path(end > start ? dirs.substr(start, end - start) : ".") / name;
		if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0)
			return candidate;
		start = end + 1;
	}
	return {};
}

ChildResult
run_child(const std::vector<std::string> &argv, const fs::path &cwd, std::chrono::milliseconds timeout) {
	ChildResult result;
	if (argv.empty()) {
		result.exit_code = 127;
		result.err = "no program to run";
		return result;
	}
	int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
	if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
		result.exit_code = 127;
		result.err = fmt::format("cannot create a pipe: {}", std::strerror(errno));
		close_fd(out_pipe[0]);
		close_fd(out_pipe[1]);
		return result;
	}
	// Everything the child needs is built before fork (no allocation after it).
	std::vector<char *> args;
	for (const auto &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);
	const std::string dir = cwd.string();
	const pid_t pid = ::fork();
	if (pid == 0)
		exec_child(args, dir.c_str(), out_pipe[1], err_pipe[1]);
	close_fd(out_pipe[1]);
	close_fd(err_pipe[1]);
	if (pid < 0) {
		close_fd(out_pipe[0]);
		close_fd(err_pipe[0]);
		result.exit_code = 127;
		result.err = fmt::format("cannot start {}: {}", argv[0], std::strerror(errno));
		return result;
	}
	::setpgid(pid, pid); // also from here, so the group exists before any kill below

	const auto deadline = std::chrono::steady_clock::now() + timeout;
	pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
	std::string *sinks[2] = {&result.out, &result.err};
	char buf[65536];
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
		if (left.count() <= 0) {
			result.timed_out = true;
			::kill(-pid, SIGKILL);
			break;
		}
		int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
		if (ready < 0 && errno != EINTR) {
			::kill(-pid, SIGKILL); // cannot read it any more: do not wait for it below
			break;
		}
		for (int i = 0; i < 2; ++i) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
			if (n > 0)
				sinks[i]->append(buf, static_cast<std::size_t>(n));
			else if (n == 0 || errno != EINTR) {
				close_fd(fds[i].fd);
			}
		}
	}
	for (auto &f : fds)
		close_fd(f.fd);
	int status = 0;
	while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	if (!result.timed_out && WIFEXITED(status))
		result.exit_code = WEXITSTATUS(status);
	return result;
}

} // namespace pgmigrate
