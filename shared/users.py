"""Users shared by the API login and the dashboard login: bcrypt hashes, one table (database operations only;
the login path, limits, sessions and the user cache are in `shared.auth`)."""

from __future__ import annotations

from dataclasses import dataclass

import bcrypt
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.models import User

MIN_PASSWORD_CHARS = 10
# bcrypt only looks at the first 72 bytes; longer passwords are refused rather than silently truncated.
MAX_PASSWORD_BYTES = 72


class UserError(ValueError):
    """A user operation refused, with a message fit for the person at the keyboard."""


@dataclass(frozen=True)
class UserInfo:
    id: int
    email: str
    name: str
    active: bool
    token_version: int = 0


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


# A valid hash to compare against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = hash_password("alumusic-dummy-password")


def normalize_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise UserError(f"e-mail inválido: {email!r} ({exc})") from None


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"senha fraca: use pelo menos {MIN_PASSWORD_CHARS} caracteres")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise UserError(f"senha longa demais: no máximo {MAX_PASSWORD_BYTES} bytes")


def _find(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def _info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id, email=user.email, name=user.name, active=user.active, token_version=user.token_version or 0
    )


def create_user(session: Session, email: str, name: str, password: str) -> UserInfo:
    email = normalize_email(email)
    name = name.strip()
    if not name:
        raise UserError("informe um nome")
    check_password_strength(password)
    if _find(session, email) is not None:
        raise UserError(f"já existe um usuário com o e-mail {email}")
    user = User(email=email, name=name, password_hash=hash_password(password), active=True)
    session.add(user)
    session.flush()
    return _info(user)


def list_users(session: Session) -> list[UserInfo]:
    return [_info(u) for u in session.scalars(select(User).order_by(User.email))]


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def _existing(session: Session, email: str) -> User:
    user = _find(session, normalize_email(email))
    if user is None:
        raise UserError(f"nenhum usuário com o e-mail {email}")
    return user


def set_active(session: Session, email: str, active: bool) -> UserInfo:
    """Activate or deactivate; either way the user's tokens and sessions issued before end (new version)."""
    user = _existing(session, email)
    user.active = active
    user.token_version = (user.token_version or 0) + 1
    session.flush()
    return _info(user)


def change_password(session: Session, email: str, password: str) -> UserInfo:
    """A new password (strength checked); every token and session issued before ends (new version)."""
    check_password_strength(password)
    user = _existing(session, email)
    user.password_hash = hash_password(password)
    user.token_version = (user.token_version or 0) + 1
    session.flush()
    return _info(user)


def bump_version(session: Session, email: str) -> UserInfo:
    """End every token and session of the user issued before now."""
    user = _existing(session, email)
    session.execute(update(User).where(User.id == user.id).values(token_version=User.token_version + 1))
    session.refresh(user)
    return _info(user)


def authenticate(session: Session, email: str, password: str) -> tuple[UserInfo | None, str]:
    """(user, "ok") when e-mail and password match an active account, else (None, reason). The bcrypt check
    runs in every case, so an unknown e-mail costs the same time as a wrong password."""
    user = _find(session, email.strip())
    if user is None:
        check_password(password, _DUMMY_HASH)
        return None, "e-mail desconhecido"
    if not check_password(password, user.password_hash):
        return None, "senha errada"
    if not user.active:
        return None, "conta desativada"
    return _info(user), "ok"


def get_user(session: Session, email: str) -> UserInfo | None:
    """The user with this e-mail (active or not), or None."""
    user = _find(session, email.strip())
    return _info(user) if user is not None else None
