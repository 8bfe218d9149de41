"""Command-line helpers shared by the Flask CLI (`ingest_api.commands`) and `python -m worker`."""

from __future__ import annotations

import click


def hidden_alias(command: click.Command, name: str) -> click.Command:
    """Another name for `command` (an old name kept for existing scripts), not listed in --help."""
    return click.Command(name, params=command.params, callback=command.callback, help=command.help, hidden=True)
