"""CLI commands of the classification pipeline (re-queue, re-classify, weekly summary). Filled by the pipeline work."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    pass
