"""Flask CLI commands (`flask --app ingest_api COMANDO`), in Portuguese. Thin: the logic lives in `shared/`.

The first version's English names of the user commands stay as hidden aliases (`create-user`, ...).
"""

from __future__ import annotations

from flask import Flask

from ingest_api.commands import alerts, demo, pipeline, training, users
from shared.cli import hidden_alias

# Old (English) name -> command, kept working for existing scripts but not listed in --help.
ALIASES = {"create-user": users.create_user, "list-users": users.list_users, "deactivate-user": users.deactivate_user}


def register(app: Flask) -> None:
    for module in (users, pipeline, training, demo, alerts):
        for command in module.COMMANDS:
            app.cli.add_command(command)
    for name, command in ALIASES.items():
        app.cli.add_command(hidden_alias(command, name))
