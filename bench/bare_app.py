"""The machine's ceiling for `bench.ingest`: a Flask app that only parses the JSON body and answers 202.

Served by the same server and settings as the API (`ingest_api/server.py`) and driven by the same client,
it measures what HTTP, the server and Flask alone cost on this machine: no token, no validation, no PostgreSQL,
no Redis. The distance between it and the API is what the intake itself costs.
"""

from __future__ import annotations

from flask import Flask, request

app = Flask(__name__)


@app.get("/api/openapi.json")
def ready():
    return {}


@app.post("/api/comentarios")
def receive():
    request.get_json()
    return {"recebidos": 1}, 202
