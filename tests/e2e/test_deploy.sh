#!/usr/bin/env bash
# docs/deploy.md's deploy recipes, run as the page shows them: the start command (and Railway's
# railway.toml holding it), `railway run`, the container entrypoint, and the Kubernetes Job with
# the init container that waits for it. Each command line is read from the page (its section
# "From a start command"), the files in examples/deploy must be the blocks the page shows, and
# each runs against a database of its own with the real pgmigrate as `pgmigrate` on PATH.
source "$(dirname "$0")/lib.sh"
DOC="$E2E_SOURCE_DIR/docs/deploy.md"
EXAMPLES="$E2E_SOURCE_DIR/examples/deploy"

# section: the page's "## From a start command", up to the next "## ".
section() { awk '/^## / { inside = ($0 == "## From a start command") } inside' "$DOC"; }
# block LANG: the fenced blocks of the section whose info string is LANG, without the fences.
block() { section | awk -v lang="$1" '/^```/ { if (inside) { inside = 0 } else { inside = ($0 == "```" lang) }; next } inside'; }

# Stand-ins on PATH: pgmigrate is the real binary; `the-app` records the database version it
# starts on, its arguments and its pid; `railway run` injects the service's DATABASE_URL
# (RAILWAY_DATABASE_URL here) as the Railway CLI does; `sleep` notes that a wait loop slept.
mkdir -p "$WORK/bin" "$WORK/app"
ln -s "$PGMIGRATE" "$WORK/bin/pgmigrate"
cat >"$WORK/bin/the-app" <<APP
#!/usr/bin/env bash
{ echo "pid \$\$"; echo "args \$*"
  echo "version \$("$PSQL" -XqAt "\$DATABASE_URL" -c "SELECT string_agg(revision, ',') FROM migrate.version")"; } >"$WORK/app.log"
APP
cat >"$WORK/bin/railway" <<'RAILWAY'
#!/usr/bin/env bash
[[ $1 == run ]] || { echo "railway stand-in: only 'run'" >&2; exit 2; }
shift
DATABASE_URL=$RAILWAY_DATABASE_URL exec "$@"
RAILWAY
cat >"$WORK/bin/sleep" <<SLEEP
#!/usr/bin/env bash
touch "$WORK/slept"
exec /bin/sleep 0.1
SLEEP
chmod +x "$WORK/bin/"*
cp -r "$E2E_SOURCE_DIR/migrations" "$WORK/app/migrations"
export PATH="$WORK/bin:$PATH"
cd "$WORK/app"
head=$("$PGMIGRATE" heads | awk '{ print $1 }')
app_saw() { sed -n "s/^$1 //p" "$WORK/app.log" 2>/dev/null; }

# --- The start command, and railway.toml holding it.
start=$(section | sed -n 's/^    \(pgmigrate .*\)$/\1/p' | head -1)
expect_eq "pgmigrate --wait upgrade head && exec the-app" "$start" "the page's start command"
toml=$(block toml)
expect_eq "$toml" "$(cat "$EXAMPLES/railway.toml")" "examples/deploy/railway.toml is the page's block"
railway_start=$(python3 -c 'import sys, tomllib; print(tomllib.loads(sys.stdin.read())["deploy"]["startCommand"])' <<<"$toml")
expect_eq "$start" "$railway_start" "railway.toml's startCommand is the start command"

db=$(new_db railway)
RC=0
DATABASE_URL=$db sh -c "$railway_start" >"$WORK/out" 2>&1 || RC=$?
expect_rc 0 "the start command"
expect_eq "$head" "$(app_saw version)" "the app starts on a database at head"
rm -f "$WORK/app.log"
RC=0
DATABASE_URL=$db sh -c "$railway_start" >"$WORK/out" 2>&1 || RC=$?
expect_rc 0 "the start command again (a second replica, a redeploy)"
expect_eq "$head" "$(app_saw version)" "the app starts again, nothing left to do"

# A release whose migration fails never starts the app.
broken=$(new_db broken)
mkdir "$WORK/broken" && cp -r migrations "$WORK/broken/migrations"
rev "$WORK/broken/migrations/20990101_0000_999_broken.sql" 999 "$head" "broken" "SELECT * FROM no_such_table;" ""
rm -f "$WORK/app.log"
RC=0
(cd "$WORK/broken" && DATABASE_URL=$broken sh -c "$railway_start") >"$WORK/out" 2>&1 || RC=$?
expect_rc 1 "the start command with a failing migration"
[[ ! -e $WORK/app.log ]] && pass || fail "the app started although its migration failed"
grep -q 'FAILED:' "$WORK/out" && pass || fail "the failure is reported: $(cat "$WORK/out")"

# --- railway run, from a checkout, with the service's variables.
line=$(block sh | grep '^railway run ')
expect_eq "railway run pgmigrate upgrade head" "$line" "the page's railway run line"
db=$(new_db railway_run)
RC=0
RAILWAY_DATABASE_URL=$db sh -c "$line" >"$WORK/out" 2>&1 || RC=$?
expect_rc 0 "$line"
expect_eq "$head" "$(sql "$db" "SELECT string_agg(revision, ',') FROM migrate.version")" "railway run migrated to head"

# --- The container entrypoint: migrates, then becomes the CMD (same pid, its arguments).
entry=$(block sh | sed -n '/^#!/,$p')
expect_eq "$entry" "$(cat "$EXAMPLES/entrypoint.sh")" "examples/deploy/entrypoint.sh is the page's block"
[[ -x $EXAMPLES/entrypoint.sh ]] && pass || fail "examples/deploy/entrypoint.sh is not executable"
db=$(new_db entrypoint)
rm -f "$WORK/app.log"
DATABASE_URL=$db "$EXAMPLES/entrypoint.sh" the-app --port 8080 >"$WORK/out" 2>&1 &
pid=$!
wait $pid
RC=$?
expect_rc 0 "the entrypoint"
expect_eq "$head" "$(app_saw version)" "the entrypoint's app starts at head"
expect_eq "--port 8080" "$(app_saw args)" "the entrypoint passes the CMD's arguments"
expect_eq "$pid" "$(app_saw pid)" "the app replaces the entrypoint (exec: same pid, gets the signals)"

# --- Kubernetes: the page's YAML is the example file; the Job's command migrates, and the init
# container's command waits until it has.
yaml=$(block yaml)
expect_eq "$yaml" "$(cat "$EXAMPLES/kubernetes.yaml")" "examples/deploy/kubernetes.yaml is the page's block"
# argv of the Job's container and of the Deployment's init container, one per line; images.
python3 - "$EXAMPLES/kubernetes.yaml" >"$WORK/k8s" <<'PY' || fail "kubernetes.yaml does not parse: $(cat "$WORK/k8s")"
import sys, yaml
docs = {d["kind"]: d for d in yaml.safe_load_all(open(sys.argv[1]))}
job = docs["Job"]["spec"]["template"]["spec"]
pod = docs["Deployment"]["spec"]["template"]["spec"]
assert job["restartPolicy"] == "Never", "the Job's pod must not restart in place"
assert len(job["containers"]) == 1 and len(pod["initContainers"]) == 1
images = {job["containers"][0]["image"], pod["initContainers"][0]["image"], pod["containers"][0]["image"]}
assert len(images) == 1, "the Job, the init container and the app run the same image: %s" % images
print("\0".join(job["containers"][0]["command"]))
print("\0".join(pod["initContainers"][0]["command"]))
PY
mapfile -t -d $'\0' job_argv < <(sed -n 1p "$WORK/k8s" | tr -d '\n')
mapfile -t -d $'\0' wait_argv < <(sed -n 2p "$WORK/k8s" | tr -d '\n')
expect_eq "${start%% && *}" "${job_argv[*]}" "the Job runs the start command's migration"
db=$(new_db kubernetes)
rm -f "$WORK/slept"
DATABASE_URL=$db "${wait_argv[@]}" >"$WORK/wait.out" 2>&1 &
waiter=$!
# The waiter has checked, found the database behind and slept (the sleep stand-in's mark).
while [[ ! -e $WORK/slept ]] && kill -0 $waiter 2>/dev/null; do /bin/sleep 0.05; done
[[ -e $WORK/slept ]] && kill -0 $waiter 2>/dev/null && pass ||
	fail "the init container did not wait for the migration: $(cat "$WORK/wait.out")"
RC=0
DATABASE_URL=$db "${job_argv[@]}" >"$WORK/out" 2>&1 || RC=$?
expect_rc 0 "the Job's command"
wait $waiter
RC=$?
expect_rc 0 "the init container, once the Job has migrated"
expect_eq "$head" "$(sql "$db" "SELECT string_agg(revision, ',') FROM migrate.version")" "the Job migrated to head"

finish
