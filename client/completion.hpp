// `pgmigrate completion bash`: the bash completion script, generated from the argument parser
// itself, so the commands and options it offers cannot drift from the ones pgmigrate accepts.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace pgmigrate {

// A bash script defining _pgmigrate and `complete -F _pgmigrate pgmigrate`. It offers the
// subcommands (nested ones too) and each command's options; after an option whose value names a
// directory (type name DIR) or a file (FILE, PATH) it offers those. Needs bash 4 (associative
// arrays), not the bash-completion package.
std::string bash_completion(const CLI::App &app);

} // namespace pgmigrate
