"""Login page: the only private-area page a visitor without a session sees."""

from __future__ import annotations

from dashboard import auth

auth.login_form()
