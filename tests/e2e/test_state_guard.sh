#!/usr/bin/env bash
# Client mode (--no-extension, given explicitly here): the state tables are ordinary tables owned by
# a plain role, and written by whoever migrates, superusers included. Before using them pgmigrate
# refuses anything their owner attached that would run with the migrator's privileges (a trigger, a
# rule, a view in a table's place, a policy, a function in a default, a log id that is not from a
# sequence), naming it; nothing runs. A superuser migrating over state another role owns gets a
# one-line warning.
source "$(dirname "$0")/lib.sh"
unset PGMIGRATE_NO_EXTENSION
cd "$WORK"
OWNER=e2e_guard_owner
PGOPTIONS="-c client_min_messages=warning" sql "$BASE_URL/postgres" "DO \$\$ BEGIN CREATE ROLE $OWNER LOGIN;
	EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END \$\$" >/dev/null
name="e2e_${TEST}_main"
PGOPTIONS="-c client_min_messages=warning" "$PSQL" -XqAt "$BASE_URL/postgres" \
	-c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" -c "CREATE DATABASE \"$name\" OWNER $OWNER" >/dev/null
APP="postgresql://$OWNER@127.0.0.1:$PORT/$name" # the owner of the state
SUPER="$BASE_URL/$name"                           # a superuser
linear_project migrations

pgm -d "$APP" --no-extension upgrade 002
expect_rc 0 "the plain role sets up client mode"
expect_nowhere "warning:"
# What the owner plants records who ran it.
sql "$APP" "CREATE TABLE public.ran (who name, super boolean);
CREATE FUNCTION public.pwn() RETURNS trigger LANGUAGE plpgsql AS
  \$\$BEGIN INSERT INTO public.ran SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user; RETURN NEW; END\$\$;
CREATE FUNCTION public.pwnf() RETURNS text LANGUAGE plpgsql AS
  \$\$BEGIN INSERT INTO public.ran SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user; RETURN 'x'; END\$\$;
GRANT ALL ON public.ran TO PUBLIC;" >/dev/null
expect_eq "0" "$?" "the traps are in place"
ran() { sql "$SUPER" "SELECT count(*) FROM public.ran"; }

# refused RUN_ARGS...: a superuser's upgrade head and current are refused; nothing ran or changed.
refused() {
	local what=$1
	shift
	pgm -d "$SUPER" --no-extension upgrade head
	expect_rc 1 "$what: upgrade refused"
	expect_err_has "FAILED: the state tables in schema migrate of database \"$name\" carry objects that would run with the privileges of whoever migrates"
	for line in "$@"; do expect_err_has "$line"; done
	expect_err_has "Nothing was run"
	expect_err_has "$OWNER, or a superuser"
	expect_eq "002" "$(sql "$SUPER" "SELECT revision FROM migrate.version" 2>&1)" "$what: version unchanged"
	expect_eq "" "$(sql "$SUPER" "SELECT to_regclass('t3')")" "$what: 003 did not run"
	pgm -d "$SUPER" --no-extension current
	expect_rc 1 "$what: read-only commands refused too"
	expect_eq "0" "$(ran)" "$what: the planted code never ran"
}

# 1. A trigger on migrate.version (what pg_dump of a hostile database could also bring).
sql "$APP" "CREATE TRIGGER pwn BEFORE INSERT OR DELETE ON migrate.version FOR EACH ROW EXECUTE FUNCTION public.pwn()" >/dev/null
refused "trigger" "trigger pwn on migrate.version: a trigger on migrate.version would run with the privileges of whoever migrates"
pgm -d "$APP" --no-extension upgrade head
expect_rc 1 "its owner is refused as well"
sql "$APP" "DROP TRIGGER pwn ON migrate.version" >/dev/null

# 2. A rule on migrate.log.
sql "$APP" "CREATE RULE pwn AS ON INSERT TO migrate.log DO ALSO SELECT public.pwnf()" >/dev/null
refused "rule" "rule pwn on migrate.log: a rule on migrate.log would run with the privileges of whoever migrates"
sql "$APP" "DROP RULE pwn ON migrate.log" >/dev/null

# 3. migrate.version replaced by a view whose query calls a function.
sql "$APP" "ALTER TABLE migrate.version RENAME TO version_t;
CREATE VIEW migrate.version AS SELECT revision FROM migrate.version_t WHERE public.pwnf() IS NOT NULL" >/dev/null
pgm -d "$SUPER" --no-extension upgrade head
expect_rc 1 "a view in the table's place"
expect_err_has "migrate.version is a view, not an ordinary table"
expect_eq "0" "$(ran)" "the view's function never ran"
sql "$APP" "DROP VIEW migrate.version; ALTER TABLE migrate.version_t RENAME TO version" >/dev/null

# 4. A default that calls a function of the owner's; a check constraint too.
sql "$APP" "ALTER TABLE migrate.log ALTER COLUMN checksum SET DEFAULT public.pwnf();
ALTER TABLE migrate.revisions ADD CONSTRAINT pwn CHECK (public.pwnf() IS NOT NULL) NOT VALID" >/dev/null
refused "default" "migrate.log uses function public.pwnf() (in a default, constraint, index or column type), which is not PostgreSQL's own" \
	"migrate.revisions uses function public.pwnf()"
sql "$APP" "ALTER TABLE migrate.log ALTER COLUMN checksum DROP DEFAULT; ALTER TABLE migrate.revisions DROP CONSTRAINT pwn" >/dev/null

# 5. A row security policy.
sql "$APP" "CREATE POLICY pwn ON migrate.version USING (public.pwnf() IS NOT NULL)" >/dev/null
refused "policy" "row security policy pwn on migrate.version"
sql "$APP" "DROP POLICY pwn ON migrate.version" >/dev/null

# 6. The log's ids from something that is not a sequence.
sql "$APP" "CREATE VIEW public.not_a_seq AS SELECT 1 AS x;
ALTER TABLE migrate.log ALTER COLUMN id SET DEFAULT nextval('public.not_a_seq'::regclass)" >/dev/null
pgm -d "$SUPER" --no-extension upgrade head
expect_rc 1 "a log id that is not from a sequence"
expect_err_has "migrate.log's id default uses public.not_a_seq, which is not a plain sequence"
sql "$APP" "ALTER TABLE migrate.log ALTER COLUMN id SET DEFAULT nextval('migrate.log_id_seq'::regclass); DROP VIEW public.not_a_seq" >/dev/null

# 7. Clean again: the superuser migrates, with a one-line warning about who owns the state.
pgm -d "$SUPER" --no-extension upgrade head
expect_rc 0 "clean state: the superuser migrates"
expect_out "Running upgrade 002 -> 003, create t3"
expect_err_has "warning: the state tables in schema migrate are owned by $OWNER, and you migrate as superuser postgres"
expect_eq "1" "$(printf '%s\n' "$ERR" | grep -c 'warning:')" "one warning line"
expect_eq "0" "$(ran)" "nothing planted ran"
pgm -d "$APP" --no-extension downgrade 002
expect_rc 0 "the owner migrates without a warning"
expect_nowhere "warning:"

finish
