"""The user CLI, through Flask's CLI runner, against the real database."""

from __future__ import annotations

from shared import users
from shared.db import session_scope
from shared.models import User


def _create(runner, email="ana@alumusic.com.br", password="uma-senha-boa", name="Ana"):
    return runner.invoke(args=["create-user", email, "--name", name, "--password-stdin"], input=password + "\n")


def test_create_user_stores_a_bcrypt_hash_usable_for_login(runner):
    result = _create(runner)
    assert result.exit_code == 0, result.output
    assert "Usuário criado: ana@alumusic.com.br" in result.output
    with session_scope() as s:
        stored = s.query(User).one()
        assert stored.password_hash.startswith("$2") and "uma-senha-boa" not in stored.password_hash
        assert users.authenticate(s, "ana@alumusic.com.br", "uma-senha-boa")[0].name == "Ana"
        assert users.authenticate(s, "ana@alumusic.com.br", "senha-errada-x") == (None, "senha errada")


def test_create_user_prompts_twice_without_echo(runner):
    result = runner.invoke(
        args=["create-user", "bia@alumusic.com.br", "--name", "Bia"], input="senha-secreta-1\nsenha-secreta-1\n"
    )
    assert result.exit_code == 0, result.output
    assert "senha-secreta-1" not in result.output


def test_duplicate_email_is_refused_case_insensitively(runner):
    assert _create(runner).exit_code == 0
    result = _create(runner, email="ANA@alumusic.com.br")
    assert result.exit_code != 0
    assert "já existe um usuário" in result.output


def test_weak_password_is_refused(runner):
    result = _create(runner, password="curta")
    assert result.exit_code != 0
    assert "senha fraca" in result.output
    with session_scope() as s:
        assert users.count_users(s) == 0


def test_invalid_email_is_refused(runner):
    result = _create(runner, email="nao-e-email")
    assert result.exit_code != 0
    assert "e-mail inválido" in result.output


def test_list_and_deactivate(runner):
    _create(runner)
    _create(runner, email="caio@alumusic.com.br", name="Caio")
    listed = runner.invoke(args=["list-users"])
    assert "ana@alumusic.com.br\tAna\tativo" in listed.output
    assert "caio@alumusic.com.br\tCaio\tativo" in listed.output
    result = runner.invoke(args=["deactivate-user", "caio@alumusic.com.br"])
    assert result.exit_code == 0, result.output
    assert "caio@alumusic.com.br\tCaio\tdesativado" in runner.invoke(args=["list-users"]).output
    with session_scope() as s:
        assert users.authenticate(s, "caio@alumusic.com.br", "uma-senha-boa") == (None, "conta desativada")


def test_deactivating_unknown_user_says_so(runner):
    result = runner.invoke(args=["deactivate-user", "ninguem@alumusic.com.br"])
    assert result.exit_code != 0
    assert "nenhum usuário" in result.output


def test_reactivate_and_change_password_and_end_sessions(runner):
    from shared import auth

    _create(runner)
    user = auth.current_user("ana@alumusic.com.br", None)
    session = auth.open_session(user)
    assert runner.invoke(args=["desativar-usuario", "ana@alumusic.com.br"]).exit_code == 0
    assert auth.session_user(session) is None
    reactivated = runner.invoke(args=["reativar-usuario", "ana@alumusic.com.br"])
    assert reactivated.exit_code == 0 and "reativado" in reactivated.output
    with session_scope() as s:
        assert users.authenticate(s, "ana@alumusic.com.br", "uma-senha-boa")[0] is not None

    session = auth.open_session(auth.current_user("ana@alumusic.com.br", None))
    changed = runner.invoke(args=["trocar-senha", "ana@alumusic.com.br", "--senha-stdin"], input="nova-senha-forte-1\n")
    assert changed.exit_code == 0, changed.output
    assert auth.session_user(session) is None
    with session_scope() as s:
        assert users.authenticate(s, "ana@alumusic.com.br", "nova-senha-forte-1")[0] is not None
    weak = runner.invoke(args=["trocar-senha", "ana@alumusic.com.br", "--senha-stdin"], input="curta\n")
    assert weak.exit_code != 0 and "senha fraca" in weak.output

    session = auth.open_session(auth.current_user("ana@alumusic.com.br", None))
    ended = runner.invoke(args=["encerrar-sessoes", "ana@alumusic.com.br"])
    assert ended.exit_code == 0 and auth.session_user(session) is None
