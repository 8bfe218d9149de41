"""AluMusic domain core: settings, database, contracts, classifiers, queries and queue helpers.

Used by `ingest_api`, `worker`, `dashboard` and `evals`; imports only libraries.
"""
