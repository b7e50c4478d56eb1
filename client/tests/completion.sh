#!/usr/bin/env bash
# completion.sh PGMIGRATE COMPLETION MANPAGE: the bash completion (the file the build generated,
# the one the package installs) offers exactly the commands and options that each `--help` lists,
# nested commands included; it steps over option values; and the man page has a section for every
# command, naming each of its options. No server needed.
set -uo pipefail
pgmigrate=$1 completion=$2 manpage=$3
failed=0 checked=0
fail() {
	echo "FAIL: $*" >&2
	failed=$((failed + 1))
}
for file in "$pgmigrate" "$completion" "$manpage"; do
	[[ -r $file ]] || { echo "FAIL: cannot read $file (build the target pgmigrate_docs)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# offers WORD...: what completing the last word offers (bash splits the line into WORDs), sorted.
offers() {
	bash --norc -c 'source "$1" && shift && COMP_WORDS=("$@") && COMP_CWORD=$(($# - 1)) && _pgmigrate &&
		printf "%s\n" "${COMPREPLY[@]}"' sh "$completion" "$@" | sort
}
# expect_offers "EXPECTED (sorted lines)" WORD...
expect_offers() {
	local expected=$1 got
	shift
	checked=$((checked + 1))
	got=$(offers "$@")
	[[ $got == "$expected" ]] || fail "completing [$*] offers [${got//$'\n'/ }], expected [${expected//$'\n'/ }]"
}
# From a --help on stdin: the commands under "Subcommands:", the option names under "Options:".
commands_of() { sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && /^  [a-z]/ { print $1 }' | sort; }
options_of() {
	sed -n '/^Options:/,/^$/p' | awk '/^  -/ { print $1 }' | tr ',' '\n' | sort
}

[[ $("$pgmigrate" completion bash) == "$(cat "$completion")" ]] ||
	fail "$completion is not what pgmigrate completion bash prints (a stale build?)"
[[ $(bash --norc -c 'source "$1" && complete -p pgmigrate' sh "$completion") == "complete -F _pgmigrate pgmigrate" ]] ||
	fail "sourcing $completion does not register _pgmigrate for pgmigrate"

man=$(gzip -dc "$manpage" | sed 's/\\-/-/g') || fail "$manpage is not a gzipped man page"
[[ $man == *'.TH PGMIGRATE "1"'* ]] || fail "$manpage has no .TH PGMIGRATE 1 header"

# check WORDS...: the command `pgmigrate WORDS...` (none: pgmigrate itself) and its subcommands.
commands_seen=0
check() {
	local help commands options sub option
	help=$("$pgmigrate" "$@" --help) || {
		fail "pgmigrate $* --help failed"
		return
	}
	commands=$(commands_of <<<"$help")
	options=$(options_of <<<"$help")
	[[ -n $options ]] || fail "no options found in pgmigrate $* --help"
	expect_offers "$commands" pgmigrate "$@" ""
	expect_offers "$options" pgmigrate "$@" -
	if (($#)); then
		commands_seen=$((commands_seen + 1))
		[[ $'\n'$man$'\n' == *$'\n'".SS \"pgmigrate $*\""$'\n'* ]] || fail "the man page has no section for pgmigrate $*"
		for option in $options; do
			[[ $man == *"$option"* ]] || fail "the man page does not name $option of pgmigrate $*"
		done
	fi
	for sub in $commands; do
		check "$@" "$sub"
	done
}
check
# Every command the parser has is there (the recursion found them from --help): a floor, so an
# empty help cannot pass.
((commands_seen >= 19)) || fail "only $commands_seen commands found in pgmigrate --help"
for command in upgrade downgrade history completion; do
	grep -qx "$command" <<<"$(offers pgmigrate "")" || fail "pgmigrate <TAB> does not offer $command"
done

# Option values are stepped over, so the command after them is found: -d's URL (which bash splits
# at ':'), --wait with and without its optional number. A value that is a command name stays a value.
upgrade_options=$("$pgmigrate" upgrade --help | options_of)
expect_offers "$upgrade_options" pgmigrate -d postgresql : //u@h/db upgrade -
expect_offers "upgrade" pgmigrate --wait 30 up
expect_offers "upgrade" pgmigrate --wait up
expect_offers "$("$pgmigrate" --help | commands_of)" pgmigrate --dir history ""
expect_offers "--sql" pgmigrate upgrade head --s
# A value: a directory for --dir, a file for --targets and --schema, nothing for a number.
mkdir "$work/project" && touch "$work/fleet.txt"
expect_offers "$work/project" pgmigrate --dir "$work/"
expect_offers "$work/fleet.txt"$'\n'"$work/project" pgmigrate --targets "$work/"
expect_offers "$work/fleet.txt" pgmigrate revision --schema "$work/f"
expect_offers "" pgmigrate --jobs ""

out=$("$pgmigrate" completion zsh 2>&1)
rc=$?
[[ $rc -eq 2 && $out == *zsh* ]] || fail "pgmigrate completion zsh: expected exit 2 naming zsh, got $rc: $out"

echo "completion: $checked completions checked over $commands_seen commands, $failed failed"
((failed == 0))
