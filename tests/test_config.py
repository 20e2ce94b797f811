"""Configuration: defaults, then QUIZAPP_* environment variables, then instance/config.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizapp import create_app

from .conftest import ROOT


def run_python(code: str, tmp_path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("QUIZAPP_")}
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, cwd=tmp_path
    )


def test_production_refuses_to_start_without_a_real_secret_key(tmp_path):
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); import wsgi"
    result = run_python(code, tmp_path, QUIZAPP_SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.sqlite")
    assert result.returncode != 0
    assert "SECRET_KEY is missing or too weak for production" in result.stderr
    weak = run_python(
        code, tmp_path, QUIZAPP_SECRET_KEY="changeme", QUIZAPP_SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.sqlite"
    )
    assert weak.returncode != 0 and "too weak" in weak.stderr


def test_production_starts_with_a_real_secret_key(tmp_path):
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import wsgi; "
        "print(wsgi.app.config['SESSION_COOKIE_SECURE'], wsgi.app.config['SECRET_KEY'][:4])"
    )
    result = run_python(
        code, tmp_path, QUIZAPP_SECRET_KEY="k" * 40, QUIZAPP_SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.sqlite"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True kkkk"


def test_development_generates_a_key_and_keeps_it(tmp_path):
    app1 = create_app({"DEVELOPMENT": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app1.instance_path  # noqa: B018 - the real instance folder is used; compare against its file
    key_file = os.path.join(app1.instance_path, "secret_key")
    assert os.path.exists(key_file)
    app2 = create_app({"DEVELOPMENT": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app1.config["SECRET_KEY"] == app2.config["SECRET_KEY"] == Path(key_file).read_text().strip()
    assert len(app1.config["SECRET_KEY"]) >= 32
    assert app1.config["SESSION_COOKIE_SECURE"] is False


def test_environment_variables_and_instance_config(tmp_path):
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from quizapp import create_app\n"
        "app = create_app()\n"
        "print(app.config['MAX_CONTENT_LENGTH'], app.config['SQLALCHEMY_DATABASE_URI'], app.config['DEVELOPMENT'])\n"
    )
    result = run_python(
        code,
        tmp_path,
        QUIZAPP_DEVELOPMENT="true",
        QUIZAPP_MAX_CONTENT_LENGTH="1234",
        QUIZAPP_SQLALCHEMY_DATABASE_URI="sqlite:////tmp/from-env.sqlite",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1234", "sqlite:////tmp/from-env.sqlite", "True"]


def test_instance_config_overrides_environment(tmp_path, monkeypatch):
    instance = ROOT / "instance"
    instance.mkdir(exist_ok=True)
    config = instance / "config.py"
    if config.exists():
        pytest.skip("instance/config.py exists on this machine; not overwriting it")
    config.write_text("MAX_CONTENT_LENGTH = 999\n")
    try:
        monkeypatch.setenv("QUIZAPP_MAX_CONTENT_LENGTH", "1234")
        monkeypatch.setenv("QUIZAPP_DEVELOPMENT", "true")
        app = create_app()
        assert app.config["MAX_CONTENT_LENGTH"] == 999
    finally:
        config.unlink()


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("QUIZAPP_SQLALCHEMY_DATABASE_URI", raising=False)
    monkeypatch.setenv("QUIZAPP_DEVELOPMENT", "true")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + os.path.join(app.instance_path, "quizapp.sqlite")
