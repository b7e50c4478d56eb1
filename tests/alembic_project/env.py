"""Alembic's environment for the import test: the URL comes from ALEMBIC_DATABASE_URL."""
import os

from alembic import context
from sqlalchemy import create_engine

url = os.environ["ALEMBIC_DATABASE_URL"]


def run_migrations_offline():
    context.configure(url=url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
