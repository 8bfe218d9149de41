"""User commands: create, list, deactivate (a user's login serves the API and the dashboard)."""

from __future__ import annotations

import sys

import click

from shared import users
from shared.db import session_scope


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Senha", hide_input=True, confirmation_prompt="Repita a senha")


@click.command("criar-usuario")
@click.argument("email")
@click.option("--nome", "--name", "name", required=True, help="Nome exibido no painel.")
@click.option(
    "--senha-stdin",
    "--password-stdin",
    "password_stdin",
    is_flag=True,
    help="Lê a senha da entrada padrão (para scripts).",
)
def create_user(email: str, name: str, password_stdin: bool) -> None:
    """Cria um usuário (login da API e do painel). A senha é pedida sem eco."""
    password = _read_password(password_stdin)
    try:
        with session_scope() as session:
            user = users.create_user(session, email, name, password)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Usuário criado: {user.email} ({user.name})")


@click.command("listar-usuarios")
def list_users() -> None:
    """Lista os usuários."""
    with session_scope() as session:
        rows = users.list_users(session)
    if not rows:
        click.echo("Nenhum usuário. Crie um com: flask --app ingest_api criar-usuario EMAIL --nome NOME")
        return
    for user in rows:
        click.echo(f"{user.email}\t{user.name}\t{'ativo' if user.active else 'desativado'}")


@click.command("desativar-usuario")
@click.argument("email")
def deactivate_user(email: str) -> None:
    """Desativa um usuário: o login e os tokens já emitidos deixam de valer na hora."""
    try:
        with session_scope() as session:
            user = users.set_active(session, email, False)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Usuário desativado: {user.email}")


COMMANDS = (create_user, list_users, deactivate_user)
