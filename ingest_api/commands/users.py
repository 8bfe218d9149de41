"""User commands: create, list, deactivate, reactivate, change password, end every session (a user's login
serves the API and the dashboard)."""

from __future__ import annotations

import sys

import click

from shared import auth, users
from shared.db import session_scope

_PASSWORD_STDIN = click.option(
    "--senha-stdin",
    "--password-stdin",
    "password_stdin",
    is_flag=True,
    help="Lê a senha da entrada padrão (para scripts).",
)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Senha", hide_input=True, confirmation_prompt="Repita a senha")


@click.command("criar-usuario")
@click.argument("email")
@click.option("--nome", "--name", "name", required=True, help="Nome exibido no painel.")
@_PASSWORD_STDIN
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


def _change(action, email: str, *args) -> users.UserInfo:
    try:
        return action(email, *args)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("desativar-usuario")
@click.argument("email")
def deactivate_user(email: str) -> None:
    """Desativa um usuário: o login, os tokens e as sessões do painel deixam de valer na hora."""
    user = _change(auth.set_active, email, False)
    click.echo(f"Usuário desativado: {user.email}")


@click.command("reativar-usuario")
@click.argument("email")
def reactivate_user(email: str) -> None:
    """Reativa um usuário desativado (ele entra de novo com a mesma senha)."""
    user = _change(auth.set_active, email, True)
    click.echo(f"Usuário reativado: {user.email}")


@click.command("trocar-senha")
@click.argument("email")
@_PASSWORD_STDIN
def change_password(email: str, password_stdin: bool) -> None:
    """Define uma nova senha (pedida sem eco); tokens e sessões abertos com a senha antiga deixam de valer."""
    user = _change(auth.change_password, email, _read_password(password_stdin))
    click.echo(f"Senha trocada: {user.email} (sessões anteriores encerradas)")


@click.command("encerrar-sessoes")
@click.argument("email")
def end_sessions(email: str) -> None:
    """Encerra todos os tokens e sessões do painel de um usuário, em qualquer dispositivo (senha mantida)."""
    user = _change(auth.revoke_everywhere, email)
    click.echo(f"Sessões encerradas: {user.email}")


COMMANDS = (create_user, list_users, deactivate_user, reactivate_user, change_password, end_sessions)
