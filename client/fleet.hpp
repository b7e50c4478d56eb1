// Fleets: one command over many databases (-d repeated, --targets FILE), --jobs at a time, each
// target with every single-database guarantee (its own connection, lock, transaction and log).
#pragma once

#include "context.hpp"

#include <functional>
#include <string>
#include <vector>

namespace pgmigrate {

struct FleetOptions {
	std::vector<std::string> targets; // URLs or libpq keyword/value strings, as given
	int jobs = 4;
	int canary = 0;                 // run the first N alone first; stop everything if one fails
	bool continue_on_error = false; // otherwise start no new target after the first failure
};

// --targets FILE ("-": stdin): one URL or conninfo per line; blank lines and `#` comments skipped.
std::vector<std::string> read_targets(const std::string &path);

// Runs `action` (the command) once per target, each in a process of its own, forked after the
// migration files were read and parsed here: the files are read once for the whole fleet, memory
// and connections stay bounded by `jobs`, and one target's failure (or crash) cannot touch another.
// `run_one` turns the action's outcome into the exit code, reporting a failure as a single
// database command does. Prints one line per target as it finishes and a summary (or, with --json,
// one document); returns 0 only when every target succeeded.
int run_fleet(Context &ctx, const FleetOptions &options, const std::function<int(Context &)> &run_one);

} // namespace pgmigrate
