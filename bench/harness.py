#!/usr/bin/python3
"""Measures pgmigrate against Alembic, Sqitch, dbmate and the psql floor on one server.

Called by bench/run.sh, which builds pgmigrate, installs the peers and starts the server. Every
measurement is a whole process, exec to exit, timed by this script around fork/exec/wait4. Peak
RSS comes from separate, untimed runs under /usr/bin/time. Tools alternate within each run
(the order rotates from run to run), so drift in the machine's load spreads over all of them.
Results go to a JSON file that report.py turns into a table, a plot and docs/benchmarks.md.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Server:
    def __init__(self, args):
        self.host = "127.0.0.1"
        self.port = args.port
        self.cluster = args.cluster
        self.admin = psycopg2.connect(host=self.host, port=self.port, user="postgres", dbname="postgres")
        self.admin.autocommit = True

    def url(self, db):
        return f"postgresql://postgres@{self.host}:{self.port}/{db}"

    def sql(self, query, db=None):
        if db is None:
            with self.admin.cursor() as c:
                c.execute(query)
                return c.fetchall() if c.description else None
        conn = psycopg2.connect(host=self.host, port=self.port, user="postgres", dbname=db)
        conn.autocommit = True
        try:
            with conn.cursor() as c:
                c.execute(query)
                return c.fetchall() if c.description else None
        finally:
            conn.close()

    def create_db(self, db):
        self.sql(f'DROP DATABASE IF EXISTS "{db}"')
        self.sql(f'CREATE DATABASE "{db}"')

    def drop_db(self, db):
        self.sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

    def setting(self, name):
        return self.sql(f"SELECT current_setting('{name}')")[0][0]

    def restart(self, settings):
        """ALTER SYSTEM the settings, then restart with the same options (postmaster.opts)."""
        for k, v in settings.items():
            self.sql(f"ALTER SYSTEM SET {k} = '{v}'")
        self.admin.close()
        data = os.path.join(self.cluster, "data")
        cmd = ["pg_ctl", "-D", data, "-l", os.path.join(self.cluster, "server.log"), "-m", "fast", "-w", "-t", "120",
               "restart"]
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        cmd[0] = os.path.join(bindir, "pg_ctl")
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"restarting the server failed: {r.stdout[-500:]}{r.stderr[-500:]}")
        self.admin = psycopg2.connect(host=self.host, port=self.port, user="postgres", dbname="postgres")
        self.admin.autocommit = True


def run_process(argv, logfile, env=None, rss=False):
    """Runs argv to completion; returns (seconds, peak RSS in KiB or 0, exit status).

    With rss, argv runs under /usr/bin/time and the peak RSS is its %M: the largest resident set of
    the process or of any of its children (Sqitch's psql). Not wait4's ru_maxrss of our own child:
    that starts from this Python process's RSS, inherited through fork before the exec. Timed runs
    go without the wrapper, so the time is the tool's alone (fork, exec, run, exit)."""
    rssfile = logfile + ".rss"
    if rss:
        argv = ["/usr/bin/time", "-f", "%M", "-o", rssfile] + list(argv)
    with open(logfile, "wb") as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                             close_fds=True)
        _, status, _ = os.wait4(p.pid, 0)
        t1 = time.perf_counter()
    p.returncode = os.waitstatus_to_exitcode(status)
    kb = 0
    if rss:
        try:
            kb = int(open(rssfile).read().split()[-1])
        except (OSError, ValueError, IndexError):
            kb = 0
    return t1 - t0, kb, p.returncode


def tail(path, n=8):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


# --- backend memory --------------------------------------------------------------------------------

def proc_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmHWM:", "VmRSS:", "RssAnon:")):
                    k, v = line.split(":", 1)
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def backend_pids(db):
    """Server backends connected to database `db` (their title is `postgres: USER DB HOST ...`)."""
    pids = []
    needle = f"postgres: postgres {db} ".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if f.read(len(needle) + 8).startswith(needle):
                    pids.append(int(entry))
        except OSError:
            pass
    return pids


class BackendSampler:
    """Polls /proc for the backends of one database (or one pid) while a workload runs: the largest
    peak RSS (VmHWM: includes the shared buffers it touched) and the largest private memory
    (RssAnon) any one of them reached."""

    def __init__(self, db=None, pid=None, interval=0.005):
        self.db, self.pid, self.interval = db, pid, interval
        self.hwm_kb = 0
        self.anon_kb = 0
        self.backends = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        last_scan = 0.0
        pids = [self.pid] if self.pid else []
        while not self._stop.is_set():
            now = time.perf_counter()
            if self.db and now - last_scan > 0.05:
                pids = backend_pids(self.db)
                last_scan = now
            for pid in pids:
                s = proc_status(pid)
                if s:
                    self.backends.add(pid)
                    self.hwm_kb = max(self.hwm_kb, s.get("VmHWM", 0))
                    self.anon_kb = max(self.anon_kb, s.get("RssAnon", 0))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# --- tools ---------------------------------------------------------------------------------------

class Tool:
    name = "?"
    # Largest N it runs W1 at, and W3 at (None: no limit); why it stops there.
    max_n = None
    max_n_w3 = None
    why_skipped = ""

    def __init__(self, h):
        self.h = h  # the harness: paths, server, options

    def prepare(self, db, hist):
        self.h.server.create_db(db)

    def upgrade(self, db, hist, variant=None):
        raise NotImplementedError

    def downgrade(self, db, hist):
        raise NotImplementedError

    def noop(self, db, hist):
        return self.upgrade(db, hist)

    def current(self, db, hist):
        raise NotImplementedError

    def env(self):
        return None


class Floor(Tool):
    """The same DDL, concatenated, run by psql -1 -f (one transaction). W2/W4: psql -c 'SELECT 1',
    the cost of any client that starts, connects and asks one question."""
    name = "psql floor"

    def psql(self, db, *args):
        return [self.h.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.h.server.url(db), *args]

    def upgrade(self, db, hist, variant=None):
        if variant == "per-revision":  # autocommit: every statement commits
            return [self.psql(db, "-f", os.path.join(hist, "floor_up.sql"))]
        return [self.psql(db, "-1", "-f", os.path.join(hist, "floor_up.sql"))]

    def downgrade(self, db, hist):
        return [self.psql(db, "-1", "-f", os.path.join(hist, "floor_down.sql"))]

    def noop(self, db, hist):
        return [self.psql(db, "-At", "-c", "SELECT 1")]

    current = noop


class Pgmigrate(Tool):
    name = "pgmigrate"

    def prepare(self, db, hist):
        self.h.server.create_db(db)
        self.h.server.sql("CREATE EXTENSION migrate", db)

    def base(self, db, hist):
        return [self.h.pgmigrate, "-q", "-d", self.h.server.url(db), "--dir", os.path.join(hist, "migrations")]

    def upgrade(self, db, hist, variant=None):
        extra = ["--transaction-per-revision"] if variant == "per-revision" else []
        return [self.base(db, hist) + ["upgrade", "head"] + extra]

    def downgrade(self, db, hist):
        return [self.base(db, hist) + ["downgrade", "base"]]

    def current(self, db, hist):
        return [self.base(db, hist) + ["current"]]


class Alembic(Tool):
    name = "alembic"

    def ini(self, db, hist):
        return gen.alembic_ini(hist, self.h.server.url(db))

    def cmd(self, db, hist, *args):
        return [self.h.python, "-m", "alembic", "-c", self.ini(db, hist), *args]

    def upgrade(self, db, hist, variant=None):
        return [self.cmd(db, hist, "upgrade", "head")]

    def upgrade_env(self, variant):
        env = dict(os.environ)
        if variant == "per-revision":
            env["BENCH_TRANSACTION_PER_MIGRATION"] = "1"
        return env

    def downgrade(self, db, hist):
        return [self.cmd(db, hist, "downgrade", "base")]

    def current(self, db, hist):
        return [self.cmd(db, hist, "current")]


class Sqitch(Tool):
    name = "sqitch"
    max_n = 100
    max_n_w3 = 100
    why_skipped = ("Sqitch spawns one psql per change and writes its registry with several statements per change: "
                   "0.2–0.4 s per change here, so N = 1,000 would take several minutes per run")

    def target(self, db):
        return f"db:pg://postgres@{self.h.server.host}:{self.h.server.port}/{db}"

    def cmd(self, db, hist, *args):
        return [self.h.sqitch, "-C", os.path.join(hist, "sqitch"), *args]

    def env(self):
        env = dict(os.environ)
        env.update(SQITCH_FULLNAME="Bench", SQITCH_EMAIL="bench@example.com", SQITCH_PAGER="cat")
        return env

    def upgrade(self, db, hist, variant=None):
        return [self.cmd(db, hist, "deploy", self.target(db))]

    def downgrade(self, db, hist):
        return [self.cmd(db, hist, "revert", "-y", self.target(db))]

    def current(self, db, hist):
        return [self.cmd(db, hist, "status", self.target(db))]


class Dbmate(Tool):
    name = "dbmate"
    max_n_w3 = 100
    why_skipped_w3 = ("dbmate has no `down to base`: `dbmate rollback` undoes one migration per process, so W3 is "
                      "N processes; N = 1,000 would take minutes per run")

    def cmd(self, db, hist, *args):
        return [self.h.dbmate, "--url", self.h.server.url(db) + "?sslmode=disable", "--migrations-dir",
                os.path.join(hist, "dbmate"), "--no-dump-schema", *args]

    def upgrade(self, db, hist, variant=None):
        return [self.cmd(db, hist, "migrate")]

    def downgrade(self, db, hist):
        n = int(open(os.path.join(hist, "N")).read())
        return [self.cmd(db, hist, "rollback")] * n

    def current(self, db, hist):
        return [self.cmd(db, hist, "status")]


# --- the harness ----------------------------------------------------------------------------------

class Harness:
    def __init__(self, args):
        self.args = args
        self.work = args.work
        self.pgmigrate = args.pgmigrate
        self.python = "/usr/bin/python3"
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        self.psql = os.path.join(bindir, "psql")
        self.sqitch = shutil.which("sqitch")
        self.dbmate = args.dbmate if args.dbmate and os.access(args.dbmate, os.X_OK) else None
        self.server = Server(args)
        self.results = {"meta": {}, "rows": [], "memory": [], "skipped": [], "failures": []}
        self.logdir = os.path.join(self.work, "logs")
        os.makedirs(self.logdir, exist_ok=True)
        self.tools = [Floor(self), Pgmigrate(self)]
        if self.alembic_ok():
            self.tools.append(Alembic(self))
        else:
            self.results["skipped"].append({"tool": "alembic", "why": "python3-alembic/psycopg2 not importable"})
        if self.dbmate:
            self.tools.append(Dbmate(self))
        else:
            self.results["skipped"].append({"tool": "dbmate", "why": "dbmate binary not installed"})
        if self.sqitch and self.sqitch_ok():
            self.tools.append(Sqitch(self))
        else:
            self.results["skipped"].append({"tool": "sqitch", "why": "sqitch or DBD::Pg not installed"})
        self.hists = {}
        self.seq = 0

    def alembic_ok(self):
        return subprocess.run([self.python, "-c", "import alembic, psycopg2"], capture_output=True).returncode == 0

    def sqitch_ok(self):
        return subprocess.run(["perl", "-MDBD::Pg", "-e", "1"], capture_output=True).returncode == 0

    def tool(self, name):
        return next((t for t in self.tools if t.name == name), None)

    def history(self, n):
        if n not in self.hists:
            root = os.path.join(self.work, f"hist{n}")
            log(f"generating a history of {n} revisions in {root}")
            gen.generate(root, n)
            with open(os.path.join(root, "N"), "w") as f:
                f.write(str(n))
            # Alembic's env.py toggles transaction_per_migration from the environment.
            env_py = os.path.join(root, "alembic", "env.py")
            text = open(env_py).read().replace(
                "target_metadata=None)",
                "target_metadata=None,\n"
                "                          transaction_per_migration=os.environ.get("
                "'BENCH_TRANSACTION_PER_MIGRATION') == '1')").replace("from alembic", "import os\nfrom alembic", 1)
            open(env_py, "w").write(text)
            subprocess.run(["chmod", "-R", "a+rX", root], check=True)
            self.hists[n] = root
        return self.hists[n]

    def dbname(self, tool, tag):
        self.seq += 1
        short = {"psql floor": "floor"}.get(tool.name, tool.name)
        return f"b_{short}_{tag}_{self.seq}"

    def measure(self, tool, cmds, env=None, label="", rss=False):
        """Runs the commands of one measurement back to back: (seconds, peak RSS KiB, ok)."""
        total, rss_kb = 0.0, 0
        for i, argv in enumerate(cmds):
            logfile = os.path.join(self.logdir, f"{label}.log")
            secs, kb, rc = run_process(argv, logfile, env=env if env is not None else tool.env(), rss=rss)
            total += secs
            rss_kb = max(rss_kb, kb)
            if rc != 0:
                msg = tail(logfile)
                log(f"  FAILED ({tool.name}, {label}, exit {rc}):\n{msg}")
                self.results["failures"].append({"tool": tool.name, "label": label, "exit": rc, "output": msg})
                return total, rss_kb, False
        return total, rss_kb, True

    def record(self, workload, n, tool, variant, times, rss, ok=True, note=""):
        row = {"workload": workload, "n": n, "tool": tool.name, "variant": variant or "", "times": times,
               "rss_kb": rss, "ok": ok, "note": note}
        if times:
            row.update(median=statistics.median(times), min=min(times), max=max(times))
        rss = [kb for kb in rss if kb]
        row["rss_kb"] = max(rss) if rss else 0
        self.results["rows"].append(row)
        if times:
            mem = f", client peak RSS {row['rss_kb'] / 1024:.1f} MiB" if rss else ""
            log(f"  {workload} N={n} {tool.name}{' ' + variant if variant else ''}: median {row['median']:.3f} s "
                f"(min {row['min']:.3f}, max {row['max']:.3f}, {len(times)} runs){mem}{'' if ok else ' [FAILED]'}")
        self.save()

    def skip(self, workload, n, tool, why):
        self.results["skipped"].append({"workload": workload, "n": n, "tool": tool.name, "why": why})
        log(f"  {workload} N={n} {tool.name}: skipped ({why})")

    def save(self):
        with open(self.args.out, "w") as f:
            json.dump(self.results, f, indent=1)

    # --- workloads ---

    def w1(self, n, runs, tools, variant=None, keep=False, workload="W1"):
        """Fresh database to head, `runs` times per tool, alternating. Returns {tool: [dbs at head]}."""
        hist = self.history(n)
        times = {t.name: [] for t in tools}
        rss = {t.name: [] for t in tools}
        ok = {t.name: True for t in tools}
        kept = {t.name: [] for t in tools}
        for r in range(runs):
            order = tools[r % len(tools):] + tools[:r % len(tools)]
            for t in order:
                if not ok[t.name] or r >= self.runs_for(t, n, runs):
                    continue
                db = self.dbname(t, f"w1n{n}")
                t.prepare(db, hist)
                env = t.upgrade_env(variant) if hasattr(t, "upgrade_env") else t.env()
                secs, kb, good = self.measure(t, t.upgrade(db, hist, variant), env=env,
                                              label=f"{workload}_{n}_{t.name.replace(' ', '_')}_{variant}_{r}")
                if good:
                    times[t.name].append(secs)
                    rss[t.name].append(kb)
                else:
                    ok[t.name] = False
                    times[t.name].append(secs)  # time to the failure, reported as failed
                if keep and good:
                    kept[t.name].append(db)
                else:
                    self.server.drop_db(db)
        for t in tools:
            self.record(workload, n, t, variant, times[t.name], rss[t.name], ok[t.name])
        return kept

    def runs_for(self, tool, n, runs):
        if n >= self.args.big_n and tool.name in ("alembic", "dbmate", "sqitch"):
            return min(runs, self.args.slow_runs_10k)
        return runs

    def repeat(self, workload, n, tools, dbs, runs, cmd_of):
        """A read-only (or no-op) command run `runs` times per tool against a database at head."""
        hist = self.history(n)
        times = {t.name: [] for t in tools}
        rss = {t.name: [] for t in tools}
        ok = {t.name: True for t in tools}
        for r in range(runs):
            order = tools[r % len(tools):] + tools[:r % len(tools)]
            for t in order:
                if not ok[t.name]:
                    continue
                secs, kb, good = self.measure(t, cmd_of(t, dbs[t.name], hist),
                                              label=f"{workload}_{n}_{t.name.replace(' ', '_')}_{r}")
                if good:
                    times[t.name].append(secs)
                else:
                    ok[t.name] = False
        for t in tools:  # one more run each, under /usr/bin/time, for the client's peak RSS
            if ok[t.name]:
                _, kb, _ = self.measure(t, cmd_of(t, dbs[t.name], hist), rss=True,
                                        label=f"{workload}_{n}_{t.name.replace(' ', '_')}_rss")
                rss[t.name].append(kb)
        for t in tools:
            self.record(workload, n, t, None, times[t.name], rss[t.name], ok[t.name])

    def w3(self, n, tools, kept):
        """Downgrade to base, once per database W1 left at head (so as many runs as W1 had)."""
        hist = self.history(n)
        times = {t.name: [] for t in tools}
        rss = {t.name: [] for t in tools}
        ok = {t.name: True for t in tools}
        runs = max(len(v) for v in kept.values())
        for r in range(runs):
            order = tools[r % len(tools):] + tools[:r % len(tools)]
            for t in order:
                if not ok[t.name] or r >= len(kept[t.name]):
                    continue
                db = kept[t.name][r]
                secs, kb, good = self.measure(t, t.downgrade(db, hist),
                                              label=f"W3_{n}_{t.name.replace(' ', '_')}_{r}")
                if good:
                    times[t.name].append(secs)
                    rss[t.name].append(kb)
                else:
                    ok[t.name] = False
        for t in tools:
            self.record("W3", n, t, None, times[t.name], rss[t.name], ok[t.name])

    def eligible(self, workload, n, limit_attr):
        tools = []
        for t in self.tools:
            limit = getattr(t, limit_attr)
            if limit is not None and n > limit:
                why = getattr(t, "why_skipped_w3", "") if limit_attr == "max_n_w3" else t.why_skipped
                self.skip(workload, n, t, why or t.why_skipped)
                continue
            tools.append(t)
        return tools

    def backend_memory(self, n, tools):
        """One untimed W1 per tool with a sampler on its server backends; for pgmigrate also the
        migrate_upgrade call alone (revisions uploaded first by `pgmigrate stamp base`), and for the
        floor the same DDL sent by one session in one transaction."""
        hist = self.history(n)
        for t in tools:
            db = self.dbname(t, f"memn{n}")
            t.prepare(db, hist)
            env = t.upgrade_env(None) if hasattr(t, "upgrade_env") else t.env()
            with BackendSampler(db=db) as s:
                secs, kb, good = self.measure(t, t.upgrade(db, hist), env=env, label=f"mem_{n}_{t.name}", rss=True)
            self.results["memory"].append({"n": n, "tool": t.name, "what": "W1 (whole run)", "ok": good,
                                           "client_rss_kb": kb, "backend_hwm_kb": s.hwm_kb,
                                           "backend_anon_kb": s.anon_kb, "backends": len(s.backends)})
            log(f"  memory N={n} {t.name}: client {kb / 1024:.1f} MiB, backend peak RSS {s.hwm_kb / 1024:.1f} MiB "
                f"(private {s.anon_kb / 1024:.1f} MiB) over {len(s.backends)} backend(s)")
            self.server.drop_db(db)
        # migrate_upgrade alone, and the floor's DDL in one session, on an exact backend pid.
        pg = self.tool("pgmigrate")
        for what in ("migrate_upgrade('head')", "floor DDL, one transaction"):
            db = self.dbname(pg, f"memcall{n}")
            pg.prepare(db, hist)
            if what.startswith("migrate"):
                # Uploaded by a state-changing command that changes nothing (read-only commands such
                # as `current` read the files without uploading them).
                self.measure(pg, [pg.base(db, hist) + ["stamp", "base"]], label=f"memupload_{n}")
                sql = "SELECT count(*) FROM migrate_upgrade('head')"
            else:
                sql = open(os.path.join(hist, "floor_up.sql")).read()
            conn = psycopg2.connect(host=self.server.host, port=self.server.port, user="postgres", dbname=db)
            with conn.cursor() as c:
                c.execute("SELECT pg_backend_pid()")
                pid = c.fetchone()[0]
                before = proc_status(pid)
                with BackendSampler(pid=pid, interval=0.002) as s:
                    t0 = time.perf_counter()
                    c.execute(sql)
                    secs = time.perf_counter() - t0
                conn.commit()
                after = proc_status(pid)
            conn.close()
            self.results["memory"].append({"n": n, "tool": "pgmigrate" if what.startswith("migrate") else "psql floor",
                                           "what": what, "ok": True, "seconds": secs,
                                           "backend_hwm_kb": max(s.hwm_kb, after.get("VmHWM", 0)),
                                           "backend_anon_kb": max(s.anon_kb, after.get("RssAnon", 0)),
                                           "backend_anon_before_kb": before.get("RssAnon", 0)})
            log(f"  memory N={n} {what}: {secs:.2f} s, backend peak RSS {s.hwm_kb / 1024:.1f} MiB, "
                f"private peak {s.anon_kb / 1024:.1f} MiB (before {before.get('RssAnon', 0) / 1024:.1f})")
            self.server.drop_db(db)
        self.save()

    def hyperfine_w2(self, n, dbs, tools):
        """Cross-check of W2 with hyperfine (no shell, warm-up runs), when it is installed."""
        hf = shutil.which("hyperfine")
        if not hf:
            return
        hist = self.history(n)
        cmds, names = [], []
        for t in tools:
            argv = t.noop(dbs[t.name], hist)[0]
            cmds.append(" ".join(shlex_quote(a) for a in argv))
            names.append(t.name)
        out = os.path.join(self.work, "hyperfine_w2.json")
        args = [hf, "-N", "--warmup", "2", "--runs", str(self.args.hyperfine_runs), "--export-json", out, "--style",
                "none"]
        for name, c in zip(names, cmds):
            args += ["-n", name, c]
        env = dict(os.environ)
        env.update(SQITCH_FULLNAME="Bench", SQITCH_EMAIL="bench@example.com")
        r = subprocess.run(args, env=env, capture_output=True, text=True)
        if r.returncode == 0:
            data = json.load(open(out))
            self.results["hyperfine_w2"] = [
                {"tool": res["command"], "mean": res["mean"], "stddev": res["stddev"], "median": res["median"],
                 "min": res["min"], "max": res["max"], "user": res["user"], "system": res["system"]}
                for res in data["results"]]
            self.save()
        else:
            log(f"hyperfine failed: {r.stderr[-500:]}")

    def one_revision(self, statements, runs):
        """One revision of CREATE TABLE + `statements` INSERTs (a seed or data migration): psql -1 -f
        of the same text, pgmigrate through the extension, and pgmigrate --no-extension (client
        mode), alternating. Recorded as workload S1 at n = statements, variant "" (extension) and
        "no-extension", each with the same floor runs."""
        root = os.path.join(self.work, f"seed{statements}")
        log(f"== one revision of {statements:,} INSERTs ({root})")
        gen.generate_inserts(root, statements)
        subprocess.run(["chmod", "-R", "a+rX", root], check=True)
        floor, pg = self.tool("psql floor"), self.tool("pgmigrate")
        migrations = os.path.join(root, "migrations")
        variants = [("floor", floor), ("", pg), ("no-extension", pg)]
        times = {v: [] for v, _ in variants}
        rss = {v: [] for v, _ in variants}
        ok = {v: True for v, _ in variants}
        for r in range(runs):
            order = variants[r % 3:] + variants[:r % 3]
            for v, t in order:
                if not ok[v]:
                    continue
                db = self.dbname(t, f"s1n{statements}")
                self.server.create_db(db)
                if v == "floor":
                    cmds = [floor.psql(db, "-1", "-f", os.path.join(root, "floor.sql"))]
                else:
                    if v == "":
                        self.server.sql("CREATE EXTENSION migrate", db)
                    cmds = [[self.pgmigrate, "-q", "-d", self.server.url(db), "--dir", migrations] +
                            (["--no-extension"] if v else []) + ["upgrade", "head"]]
                secs, kb, good = self.measure(t, cmds, rss=True, label=f"S1_{statements}_{v or 'extension'}_{r}")
                times[v].append(secs)
                rss[v].append(kb)
                ok[v] = ok[v] and good
                self.server.drop_db(db)
        for v in ("", "no-extension"):
            self.record("S1", statements, floor, v, times["floor"], rss["floor"], ok["floor"])
            self.record("S1", statements, pg, v, times[v], rss[v], ok[v])
        shutil.rmtree(root, ignore_errors=True)

    def safety_overhead(self, n, runs):
        """What lock-safe apply's bookkeeping costs: W1 at N = n through pgmigrate with the defaults
        (lint warn, lock trace on) against the same run with each turned off, in both modes,
        alternating. Recorded as workload SAFE at n, the variant naming the settings."""
        hist = self.history(n)
        pg = self.tool("pgmigrate")
        off = {"lint off": "-c migrate.lint=off", "trace off": "-c migrate.lock_trace=off",
               "both off": "-c migrate.lint=off -c migrate.lock_trace=off"}
        variants = [(mode, setting) for mode in ("extension", "no-extension")
                    for setting in ("defaults", "lint off", "trace off", "both off")]
        times = {v: [] for v in variants}
        rss = {v: [] for v in variants}
        ok = {v: True for v in variants}
        log(f"== lint and lock trace overhead, W1 N = {n}")
        for r in range(runs):
            order = variants[r % len(variants):] + variants[:r % len(variants)]
            for v in order:
                mode, setting = v
                if not ok[v]:
                    continue
                db = self.dbname(pg, f"safe{n}")
                self.server.create_db(db)
                if mode == "extension":
                    self.server.sql("CREATE EXTENSION migrate", db)
                env = dict(os.environ)
                if setting in off:
                    env["PGOPTIONS"] = off[setting]
                cmd = pg.base(db, hist) + (["--no-extension"] if mode == "no-extension" else []) + ["upgrade", "head"]
                secs, kb, good = self.measure(pg, [cmd], env=env, label=f"SAFE_{n}_{mode}_{setting.replace(' ', '_')}_{r}")
                times[v].append(secs)
                rss[v].append(kb)
                ok[v] = ok[v] and good
                self.server.drop_db(db)
        for (mode, setting) in variants:
            self.record("SAFE", n, pg, f"{mode}, {setting}", times[(mode, setting)], rss[(mode, setting)],
                        ok[(mode, setting)])
        self.save()

    def retry_scenario(self, hold):
        """Lock-safe apply against a blocker: a session holds ACCESS SHARE on a table for `hold`
        seconds (idle in transaction) while an application SELECTs from it every 20 ms; pgmigrate
        then adds a column. With the default lock_timeout (500 ms, retried) the application's worst
        query stays near the timeout; with --lock-timeout 0, what every tool without one does (Alembic,
        dbmate, Flyway), the application queues behind the ALTER until the blocker ends. Records the
        worst and 99th-percentile query time and when the migration finished, from the blocker's end."""
        import psycopg2
        import threading
        root = os.path.join(self.work, "retry")
        os.makedirs(os.path.join(root, "migrations"), exist_ok=True)
        files = {"20260101_0000_001_agents.sql": ("001", "none", "CREATE TABLE agents (id bigint PRIMARY KEY); "
                                                  "INSERT INTO agents SELECT g FROM generate_series(1, 1000) g;",
                                                  "DROP TABLE agents;"),
                 "20260101_0001_002_column.sql": ("002", "001", "ALTER TABLE agents ADD COLUMN note text;",
                                                  "ALTER TABLE agents DROP COLUMN note;")}
        for name, (rev, down, up, downsql) in files.items():
            with open(os.path.join(root, "migrations", name), "w") as f:
                f.write(f"-- revision: {rev}\n-- down_revision: {down}\n-- message: {name}\n\n"
                        f"-- migrate:upgrade\n{up}\n\n-- migrate:downgrade\n{downsql}\n")
        subprocess.run(["chmod", "-R", "a+rX", root], check=True)
        pg = self.tool("pgmigrate")
        out = []
        for label, extra in (("lock_timeout 500ms (default)", []), ("lock_timeout 0 (no timeout)", ["--lock-timeout", "0"])):
            db = self.dbname(pg, "retry")
            pg.prepare(db, root)
            base = [self.pgmigrate, "-q", "-d", self.server.url(db), "--dir", os.path.join(root, "migrations")]
            subprocess.run(base + ["upgrade", "001"], check=True, capture_output=True)
            blocker = psycopg2.connect(self.server.url(db), application_name="blocker")
            blocker.cursor().execute("SELECT count(*) FROM agents")  # ACCESS SHARE until rollback
            latencies, stop = [], threading.Event()

            def app():
                conn = psycopg2.connect(self.server.url(db), application_name="app")
                conn.autocommit = True
                cur = conn.cursor()
                while not stop.is_set():
                    t0 = time.monotonic()
                    cur.execute("SELECT count(*) FROM agents")
                    cur.fetchone()
                    latencies.append(time.monotonic() - t0)
                    time.sleep(0.02)
                conn.close()

            thread = threading.Thread(target=app)
            thread.start()
            started = time.monotonic()
            migration = subprocess.Popen(base + extra + ["upgrade", "head"], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            time.sleep(max(0.0, hold - (time.monotonic() - started)))
            blocker.rollback()
            released = time.monotonic()
            rc = migration.wait()
            finished = time.monotonic()
            time.sleep(0.5)
            stop.set()
            thread.join()
            blocker.close()
            lat = sorted(latencies)
            row = {"setting": label, "hold_s": hold, "ok": rc == 0, "queries": len(lat),
                   "worst_ms": round(lat[-1] * 1000, 1), "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 1),
                   "finished_after_release_s": round(finished - released, 2)}
            if rc == 0:
                row["attempts"] = self.server.sql("SELECT coalesce(jsonb_array_length(lock_waits), 0) + 1 "
                                                  "FROM migrate.log WHERE revision = '002'", db)[0][0]
            out.append(row)
            log(f"  retry, {label}: worst query {row['worst_ms']} ms, p99 {row['p99_ms']} ms, migration done "
                f"{row['finished_after_release_s']} s after the blocker ended (exit {rc})")
            self.server.drop_db(db)
        self.results["retry"] = out
        self.save()

    def fleet(self, count, jobs):
        """Many databases: `count` fresh databases (made from a template with the extension) to head
        with one `pgmigrate --targets FILE --jobs J upgrade head`, against a shell loop of
        single-target pgmigrate and a shell loop of Alembic over the same count; then each again at
        head (the no-op a deploy runs). The history is the example's memory schema for the fleet and
        the loop of pgmigrate, and gen.py's 10-revision history in all three for a like-for-like
        line. Recorded as workload FLEET at n = count."""
        hist = self.history(10)
        example = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")
        template = "b_fleet_template"
        self.server.sql(f'DROP DATABASE IF EXISTS "{template}"')
        self.server.sql(f'CREATE DATABASE "{template}"')
        self.server.sql("CREATE EXTENSION migrate", template)
        log(f"== fleet of {count:,} databases (--jobs {jobs})")
        out = []
        pg, alembic = self.tool("pgmigrate"), self.tool("alembic")

        def make(tag):
            dbs = [f"b_fleet_{tag}_{i}" for i in range(count)]
            for db in dbs:
                self.server.sql(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
            return dbs

        def drop(dbs):
            for db in dbs:
                self.server.drop_db(db)

        def timed(label, argv):
            secs, _, good = self.measure(pg, [argv], label=f"FLEET_{count}_{label.replace(' ', '_')}")
            return secs, good

        runs = [("pgmigrate --targets, example", "example", "fleet"),
                ("pgmigrate --targets, 10 revisions", hist, "fleet"),
                ("shell loop of pgmigrate, 10 revisions", hist, "loop")]
        if alembic:
            runs.append(("shell loop of alembic, 10 revisions", hist, "alembic"))
        for label, history, how in runs:
            dbs = make(len(out))
            targets = os.path.join(self.work, f"fleet_{len(out)}.txt")
            with open(targets, "w") as f:
                f.write("".join(self.server.url(db) + "\n" for db in dbs))
            migrations = example if history == "example" else os.path.join(history, "migrations")
            row = {"how": label, "count": count}
            for phase in ("to head", "no-op at head"):
                if how == "fleet":
                    argv = [self.pgmigrate, "-q", "--targets", targets, "--jobs", str(jobs), "--dir", migrations,
                            "upgrade", "head"]
                elif how == "loop":
                    argv = ["bash", "-c", f'while read -r u; do "{self.pgmigrate}" -q -d "$u" --dir "{migrations}" '
                            f'upgrade head || exit 1; done < "{targets}"']
                else:
                    inis = " ".join(shlex_quote(alembic.ini(db, hist)) for db in dbs)
                    argv = ["bash", "-c", f'for ini in {inis}; do {self.python} -m alembic -c "$ini" upgrade head '
                            '>/dev/null || exit 1; done']
                secs, good = timed(f"{label} {phase}", argv)
                row[phase] = {"seconds": round(secs, 2), "ok": good}
                log(f"  {label}, {phase}: {secs:.2f} s{'' if good else ' (FAILED)'}")
            out.append(row)
            drop(dbs)
        self.server.sql(f'DROP DATABASE IF EXISTS "{template}"')
        self.results["fleet"] = {"count": count, "jobs": jobs, "rows": out}
        self.save()

    def copy_seed(self, lines):
        """A revision with COPY ... FROM stdin and `lines` data lines: psql -1 -f runs it; pgmigrate
        refuses COPY FROM stdin in a revision (SPEC section 1), and its error is what is recorded."""
        root = os.path.join(self.work, f"copy{lines}")
        log(f"== COPY ... FROM stdin of {lines:,} lines ({root})")
        gen.generate_copy(root, lines)
        subprocess.run(["chmod", "-R", "a+rX", root], check=True)
        floor, pg = self.tool("psql floor"), self.tool("pgmigrate")
        out = {"lines": lines, "bytes": os.path.getsize(os.path.join(root, "floor.sql"))}
        db = self.dbname(floor, "copy")
        self.server.create_db(db)
        secs, kb, good = self.measure(floor, [floor.psql(db, "-1", "-f", os.path.join(root, "floor.sql"))], rss=True,
                                      label=f"COPY_{lines}_floor")
        out.update(floor_seconds=secs, floor_ok=good, floor_rss_kb=kb)
        self.server.drop_db(db)
        db = self.dbname(pg, "copy")
        pg.prepare(db, root)
        label = f"COPY_{lines}_pgmigrate"
        secs, kb, good = self.measure(pg, [pg.upgrade(db, root)[0]], rss=True, label=label)
        out.update(pgmigrate_seconds=secs, pgmigrate_ok=good, pgmigrate_rss_kb=kb,
                   pgmigrate_output=tail(os.path.join(self.logdir, f"{label}.log"), 8))
        if not good:  # the expected refusal is not a failure of the run
            self.results["failures"] = [f for f in self.results["failures"] if f["label"] != label]
        self.server.drop_db(db)
        self.results["copy_stdin"] = out
        log(f"  COPY {lines:,} lines: psql -1 -f {out['floor_seconds']:.2f} s; pgmigrate "
            f"{'ran it' if good else 'refused it'} in {out['pgmigrate_seconds']:.2f} s")
        self.save()
        shutil.rmtree(root, ignore_errors=True)

    # --- the run ---

    def run(self):
        a = self.args
        meta = self.results["meta"]
        meta.update(big_n=a.big_n, started=time.strftime("%Y-%m-%d %H:%M:%S"), quick=a.quick, ns=a.ns, runs=a.runs,
                    server_version=self.server.setting("server_version"),
                    cpus=os.cpu_count(), tools=[t.name for t in self.tools],
                    settings={k: self.server.setting(k) for k in (
                        "max_locks_per_transaction", "max_connections", "shared_buffers", "fsync",
                        "synchronous_commit")})
        meta["versions"] = self.versions()
        if a.only:
            only = a.only.split(",")
            if "safety" in only:
                self.safety_overhead(a.safety_n, a.safety_runs)
            if "retry" in only:
                self.retry_scenario(a.retry_hold)
            if "fleet" in only:
                self.fleet(a.fleet, a.fleet_jobs)
            meta["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
            self.save()
            return
        w2n, w3ns = a.w2_n, a.w3_ns
        for n in [n for n in a.ns if n != a.big_n]:
            log(f"== N = {n}")
            tools = self.eligible("W1", n, "max_n")
            keep = n in w3ns or n == w2n
            kept = self.w1(n, a.runs, tools, keep=keep)
            if n == w2n:
                at_head = {t.name: kept[t.name][0] for t in tools if kept[t.name]}
                ready = [t for t in tools if t.name in at_head]
                self.repeat("W2", n, ready, at_head, a.repeat_runs, lambda t, db, h: t.noop(db, h))
                self.repeat("W4", n, ready, at_head, a.repeat_runs, lambda t, db, h: t.current(db, h))
                self.hyperfine_w2(n, at_head, ready)
            if n in w3ns:
                w3tools = [t for t in self.eligible("W3", n, "max_n_w3") if kept[t.name]]
                self.w3(n, w3tools, {t.name: kept[t.name] for t in w3tools})
            for dbs in kept.values():
                for db in dbs:
                    self.server.drop_db(db)
        # Sqitch stops at 100, so its W2/W4 are measured at the largest N it ran.
        sq = self.tool("sqitch")
        if sq and w2n > sq.max_n and sq.max_n in a.ns:
            n = sq.max_n
            log(f"== W2/W4 for sqitch at N = {n} (it skips N = {w2n})")
            db = self.dbname(sq, f"w2n{n}")
            sq.prepare(db, self.history(n))
            _, _, good = self.measure(sq, sq.upgrade(db, self.history(n)), label=f"W2prep_{n}_sqitch")
            if good:
                self.repeat("W2", n, [sq], {"sqitch": db}, a.repeat_runs, lambda t, d, h: t.noop(d, h))
                self.repeat("W4", n, [sq], {"sqitch": db}, a.repeat_runs, lambda t, d, h: t.current(d, h))
            self.server.drop_db(db)
        if a.memory_n:
            log(f"== memory, N = {a.memory_n}")
            self.backend_memory(a.memory_n, [t for t in self.eligible("memory", a.memory_n, "max_n")])
        if a.big_n in a.ns:
            n = a.big_n
            log(f"== N = {n}, server defaults (max_locks_per_transaction "
                f"{self.server.setting('max_locks_per_transaction')}): one commit per revision")
            tools = [t for t in self.eligible("W1", n, "max_n")]
            self.w1(n, a.runs_10k, tools, variant="per-revision", workload="W1")
            # What one transaction does on default settings: fails for lack of lock slots.
            pg = self.tool("pgmigrate")
            db = self.dbname(pg, f"w1n{n}tx")
            pg.prepare(db, self.history(n))
            secs, kb, good = self.measure(pg, pg.upgrade(db, self.history(n)), label=f"W1_{n}_pgmigrate_1tx_defaults")
            self.results["one_tx_on_defaults"] = {"seconds": secs, "ok": good,
                                                  "output": tail(os.path.join(self.logdir,
                                                                              f"W1_{n}_pgmigrate_1tx_defaults.log"), 6)}
            self.server.drop_db(db)
            self.save()
            log(f"== N = {n}, one transaction: restart with max_locks_per_transaction = {a.big_locks}")
            self.server.restart({"max_locks_per_transaction": a.big_locks})
            meta["settings_10k_one_tx"] = {"max_locks_per_transaction": self.server.setting("max_locks_per_transaction")}
            tools = [t for t in self.eligible("W1", n, "max_n") if t.name in ("psql floor", "pgmigrate", "alembic")]
            self.w1(n, a.runs_10k, tools, workload="W1")
            if a.memory_n_big:
                log(f"== memory, N = {a.memory_n_big}")
                self.backend_memory(a.memory_n_big, [t for t in tools if t.name in ("psql floor", "pgmigrate")])
            self.server.restart({"max_locks_per_transaction": "64"})
        for statements in a.statements:
            self.one_revision(statements, a.statement_runs)
        if a.safety_n:
            self.safety_overhead(a.safety_n, a.safety_runs)
        if a.retry_hold:
            self.retry_scenario(a.retry_hold)
        if a.fleet:
            self.fleet(a.fleet, a.fleet_jobs)
        if a.copy_lines:
            self.copy_seed(a.copy_lines)
        meta["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
        self.save()

    def versions(self):
        v = {}

        def out(cmd, env=None):
            try:
                r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
                return (r.stdout + r.stderr).strip().splitlines()[0] if (r.stdout + r.stderr).strip() else ""
            except Exception as e:  # noqa: BLE001
                return f"? ({e})"

        v["pgmigrate"] = out([self.pgmigrate, "--version"])
        v["psql"] = out([self.psql, "--version"])
        if self.tool("alembic"):
            v["alembic"] = out([self.python, "-c", "import alembic, sqlalchemy, psycopg2; print('alembic', "
                                "alembic.__version__, 'SQLAlchemy', sqlalchemy.__version__, 'psycopg2', "
                                "psycopg2.__version__.split()[0])"])
        if self.tool("sqitch"):
            v["sqitch"] = out([self.sqitch, "--version"])
        if self.tool("dbmate"):
            v["dbmate"] = out([self.dbmate, "--version"])
        return v


def shlex_quote(s):
    import shlex
    return shlex.quote(s)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cluster", required=True, help="the cluster directory (cluster.sh start DIR)")
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--pgmigrate", required=True)
    p.add_argument("--dbmate")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--ns", type=lambda s: [int(x) for x in s.split(",")], default=[10, 100, 1000, 10000])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--runs-10k", type=int, default=3)
    p.add_argument("--slow-runs-10k", type=int, default=1)
    p.add_argument("--repeat-runs", type=int, default=10)
    p.add_argument("--hyperfine-runs", type=int, default=10)
    p.add_argument("--w2-n", type=int, default=1000)
    p.add_argument("--w3-ns", type=lambda s: [int(x) for x in s.split(",")], default=[100, 1000])
    p.add_argument("--memory-n", type=int, default=1000)
    p.add_argument("--memory-n-big", type=int, default=10000)
    p.add_argument("--big-locks", default="1024")
    p.add_argument("--statements", type=lambda s: [int(x) for x in s.split(",") if x], default=[1000, 10000, 40000],
                   help="one revision of this many INSERTs (S1), for each value")
    p.add_argument("--statement-runs", type=int, default=3)
    p.add_argument("--copy-lines", type=int, default=1000000,
                   help="a revision with COPY ... FROM stdin of this many lines (0: skip)")
    p.add_argument("--safety-n", type=int, default=1000,
                   help="W1 at this N with lint and the lock trace on and off (0: skip)")
    p.add_argument("--safety-runs", type=int, default=5)
    p.add_argument("--retry-hold", type=float, default=8,
                   help="seconds a blocker holds its lock in the retry scenario (0: skip)")
    p.add_argument("--fleet", type=int, default=1000, help="databases in the fleet workload (0: skip)")
    p.add_argument("--fleet-jobs", type=int, default=4)
    p.add_argument("--only", default="",
                   help="comma-separated: run only these parts (safety, retry, fleet), on top of nothing else")
    p.add_argument("--big-n", type=int, default=10000,
                   help="the N measured twice: commit per revision on defaults, then one transaction")
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    Harness(args).run()


if __name__ == "__main__":
    main()
