// Running another program (Alembic) as a child: an argument vector, never a shell, with a
// timeout, its stdout and stderr captured.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace pgmigrate {

struct ChildResult {
	int exit_code = -1;     // the program's status; -1 when it was killed or did not exit
	bool timed_out = false; // killed (with its process group) after the timeout
	std::string out;
	std::string err;
};

// Runs argv[0] (looked up on PATH when it has no '/') with `argv` in directory `cwd`, stdin closed.
// A program that cannot be started gives exit code 127 and the reason in `err`.
ChildResult run_child(const std::vector<std::string> &argv, const std::filesystem::path &cwd,
                      std::chrono::milliseconds timeout);

// The program argv[0] names, looked up on PATH as execvp would; empty when not found.
std::filesystem::path find_program(const std::string &name);

} // namespace pgmigrate
