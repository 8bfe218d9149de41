"""An experiment for `bench.ingest`, never a way to serve the API: the real app with every Redis call taken out of
a comment's request — the token's user is taken from the token unchecked, no quota is counted, nothing is
handed to the workers (the comments stay `pendente`). PostgreSQL, validation, JWT and Flask are the real ones.

It answers one question: how fast could the intake be on this machine if Redis cost nothing? The distance to
the real API is what the user check, the quota and the dispatcher cost; the distance to `bench/bare_app.py` is
what PostgreSQL and the rest of the request cost.
"""

from __future__ import annotations

import ingest_api.comentarios as comentarios
from ingest_api import create_app
from shared import auth, quotas, users


def _user_from_token(email: str, version: int | None, jti: str | None = None) -> users.UserInfo:
    return users.UserInfo(id=0, email=email, name="benchmark", active=True, token_version=version or 0)


auth.current_user = _user_from_token
quotas.spend = lambda *args, **kwargs: None
comentarios._cached_enqueue = lambda: lambda ids: 0
app = create_app()
