"""The same linear history of N revisions, written in each tool's own format.

Revision i (1-based) creates one small table and its index; its downgrade drops the table:

    CREATE TABLE bench_00042 (org_id uuid NOT NULL, payload jsonb NOT NULL DEFAULT '{}',
                              created_at timestamptz NOT NULL DEFAULT now());
    CREATE INDEX bench_00042_org_id_idx ON bench_00042 (org_id);

Formats: pgmigrate (SPEC section 1), Alembic (a script directory, op.execute), Sqitch (plan +
deploy/revert scripts, BEGIN/COMMIT as `sqitch add` writes them), dbmate (-- migrate:up/down),
and the psql floor (every upgrade concatenated; every downgrade, last first).
"""

import os
import shutil


def rev_id(i, width):
    return str(i).zfill(width)


def table(i, width):
    return f"bench_{rev_id(i, width)}"


def up_sql(i, width):
    t = table(i, width)
    return (f"CREATE TABLE {t} (\n"
            f"    org_id uuid NOT NULL,\n"
            f"    payload jsonb NOT NULL DEFAULT '{{}}',\n"
            f"    created_at timestamptz NOT NULL DEFAULT now()\n"
            f");\n"
            f"CREATE INDEX {t}_org_id_idx ON {t} (org_id);\n")


def down_sql(i, width):
    return f"DROP TABLE {table(i, width)};\n"


def width_for(n):
    return max(5, len(str(n)))


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def gen_pgmigrate(root, n, width):
    d = os.path.join(root, "migrations")
    os.makedirs(d)
    for i in range(1, n + 1):
        r = rev_id(i, width)
        down = "none" if i == 1 else rev_id(i - 1, width)
        # Minutes advance with i so the names sort like the history (the header is the truth).
        day, minute = divmod(i, 1440)
        name = f"2026{1 + day // 28:02d}{1 + day % 28:02d}_{minute // 60:02d}{minute % 60:02d}_{r}_create_bench_{r}.sql"
        _write(os.path.join(d, name),
               f"-- revision: {r}\n-- down_revision: {down}\n-- message: create {table(i, width)}\n\n"
               f"-- migrate:upgrade\n{up_sql(i, width)}\n-- migrate:downgrade\n{down_sql(i, width)}")
    return d


ALEMBIC_ENV = '''\
from alembic import context
from sqlalchemy import create_engine, pool

config = context.config


def run_migrations_online():
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
'''


def gen_alembic(root, n, width):
    d = os.path.join(root, "alembic")
    versions = os.path.join(d, "versions")
    os.makedirs(versions)
    # The URL comes from the command line (-x is not needed: the ini is rewritten per database).
    _write(os.path.join(d, "env.py"), ALEMBIC_ENV)
    _write(os.path.join(d, "script.py.mako"), "")
    for i in range(1, n + 1):
        r = rev_id(i, width)
        down = "None" if i == 1 else repr(rev_id(i - 1, width))
        _write(os.path.join(versions, f"{r}_create_bench_{r}.py"),
               f'"""create {table(i, width)}\n\nRevision ID: {r}\nRevises: {down}\n"""\n'
               f"from alembic import op\n\n"
               f"revision = {r!r}\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\n"
               f"def upgrade():\n    op.execute({up_sql(i, width)!r})\n\n\n"
               f"def downgrade():\n    op.execute({down_sql(i, width)!r})\n")
    return d


def alembic_ini(root, url):
    """An alembic.ini for one database (alembic reads the URL from it, as projects do)."""
    path = os.path.join(root, f"alembic-{abs(hash(url))}.ini")
    _write(path, f"[alembic]\nscript_location = {os.path.join(root, 'alembic')}\n"
                 f"sqlalchemy.url = {url.replace('%', '%%')}\n")
    return path


def gen_sqitch(root, n, width):
    d = os.path.join(root, "sqitch")
    for sub in ("deploy", "revert", "verify"):
        os.makedirs(os.path.join(d, sub))
    _write(os.path.join(d, "sqitch.conf"), "[core]\n\tengine = pg\n\tplan_file = sqitch.plan\n\ttop_dir = .\n")
    plan = ["%syntax-version=1.0.0", "%project=bench", ""]
    for i in range(1, n + 1):
        name = f"bench_{rev_id(i, width)}"
        plan.append(f"{name} 2026-01-01T00:00:00Z Bench <bench@example.com> # create {name}")
        _write(os.path.join(d, "deploy", f"{name}.sql"), f"BEGIN;\n\n{up_sql(i, width)}\nCOMMIT;\n")
        _write(os.path.join(d, "revert", f"{name}.sql"), f"BEGIN;\n\n{down_sql(i, width)}\nCOMMIT;\n")
    _write(os.path.join(d, "sqitch.plan"), "\n".join(plan) + "\n")
    return d


def gen_dbmate(root, n, width):
    d = os.path.join(root, "dbmate")
    os.makedirs(d)
    for i in range(1, n + 1):
        version = f"2026{i:010d}"
        _write(os.path.join(d, f"{version}_create_bench_{rev_id(i, width)}.sql"),
               f"-- migrate:up\n{up_sql(i, width)}\n-- migrate:down\n{down_sql(i, width)}")
    return d


def gen_floor(root, n, width):
    up = os.path.join(root, "floor_up.sql")
    down = os.path.join(root, "floor_down.sql")
    _write(up, "".join(up_sql(i, width) for i in range(1, n + 1)))
    _write(down, "".join(down_sql(i, width) for i in range(n, 0, -1)))
    return up, down


def generate(root, n):
    """Writes every format for N revisions under root (emptied first)."""
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    width = width_for(n)
    gen_pgmigrate(root, n, width)
    gen_alembic(root, n, width)
    gen_sqitch(root, n, width)
    gen_dbmate(root, n, width)
    gen_floor(root, n, width)
    return root


# --- one large revision (a seed or data migration) --------------------------------------------

SEED_TABLE = ("CREATE TABLE seed (id int PRIMARY KEY, org_id uuid NOT NULL, name text NOT NULL, "
              "payload jsonb NOT NULL DEFAULT '{}');\n")


def seed_insert(i):
    return (f"INSERT INTO seed (id, org_id, name, payload) VALUES "
            f"({i}, '00000000-0000-0000-0000-{i:012d}', 'name {i}', '{{\"k\": {i}}}');\n")


def _one_revision(root, slug, body):
    """A directory holding one pgmigrate revision with `body` as its upgrade, and floor.sql (the
    same body for psql -1 -f)."""
    if os.path.exists(root):
        shutil.rmtree(root)
    d = os.path.join(root, "migrations")
    os.makedirs(d)
    _write(os.path.join(d, f"20260101_0000_001_{slug}.sql"),
           f"-- revision: 001\n-- down_revision: none\n-- message: {slug}\n\n"
           f"-- migrate:upgrade\n{body}\n-- migrate:downgrade\nDROP TABLE seed;\n")
    _write(os.path.join(root, "floor.sql"), body)
    return root


def generate_inserts(root, statements):
    """One revision: CREATE TABLE seed, then `statements` single-row INSERTs."""
    return _one_revision(root, f"seed_{statements}_inserts",
                         SEED_TABLE + "".join(seed_insert(i) for i in range(statements)))


def generate_copy(root, lines):
    """One revision: CREATE TABLE seed, then COPY seed FROM stdin with `lines` data lines (what
    pg_dump writes). pgmigrate refuses COPY FROM stdin in a revision (the bench records its error);
    psql -1 -f runs it."""
    rows = "".join(f"{i}\t00000000-0000-0000-0000-{i:012d}\tname {i}\t{{\"k\": {i}}}\n" for i in range(lines))
    return _one_revision(root, f"seed_copy_{lines}",
                         SEED_TABLE + "COPY seed (id, org_id, name, payload) FROM stdin;\n" + rows + "\\.\n")
