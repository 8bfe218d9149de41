"""CLI command that loads the demo data set through the real pipeline. Filled by the dashboard work."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    pass
