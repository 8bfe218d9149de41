"""Run Alembic migrations from code (launcher, tests, containers).

`python -m shared.migrate [upgrade [REV] | downgrade [REV]]`
"""

from __future__ import annotations

import sys

from alembic import command
from alembic.config import Config

from shared.settings import ROOT


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def main(argv: list[str]) -> None:
    action = argv[0] if argv else "upgrade"
    if action == "upgrade":
        upgrade(revision=argv[1] if len(argv) > 1 else "head")
    elif action == "downgrade":
        downgrade(revision=argv[1] if len(argv) > 1 else "base")
    else:
        raise SystemExit("uso: python -m shared.migrate [upgrade [REV] | downgrade [REV]]")


if __name__ == "__main__":
    main(sys.argv[1:])
