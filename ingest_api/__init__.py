"""AluMusic ingestion API (Flask application factory). `flask --app ingest_api ...` finds `create_app`."""

from ingest_api.app import create_app

__all__ = ["create_app"]
