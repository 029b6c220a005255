"""Configuration: read in one place (``deliberation.config``), one default per setting, the
defaults the README documents, and the secret's checks, with no way around them but
development mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from deliberation import config
from deliberation.config import DEVELOPMENT_SECRET, ConfigurationError, load_config

README = Path(__file__).resolve().parents[2] / "README.md"
LONG_SECRET = "x" * 32


def _documented_default(variable: str) -> str:
    row = next(
        line for line in README.read_text().splitlines() if line.startswith(f"| `{variable}`")
    )
    return re.findall(r"`([^`]*)`", row.split("|")[2])[0]


def test_the_public_url_default_is_the_documented_one(tmp_path: Path) -> None:
    settings = config.load_config(str(tmp_path), {"PALABRE_ENV": "development"})
    assert settings["PUBLIC_URL"] == config.PUBLIC_URL
    assert _documented_default("PALABRE_PUBLIC_URL") == config.PUBLIC_URL
    chosen = config.load_config(
        str(tmp_path),
        {"PALABRE_ENV": "development", "PALABRE_PUBLIC_URL": "https://palabre.example"},
    )
    assert chosen["PUBLIC_URL"] == "https://palabre.example"


def test_the_instance_path_and_demo_password_come_from_the_environment(tmp_path: Path) -> None:
    assert config.instance_path({"PALABRE_INSTANCE_PATH": str(tmp_path)}) == str(tmp_path)
    assert config.instance_path({}) == str(config.ROOT / "instance")
    settings = config.load_config(
        str(tmp_path), {"PALABRE_ENV": "development", "PALABRE_DEMO_PASSWORD": "a password"}
    )
    assert settings["DEMO_PASSWORD"] == "a password"
    assert config.load_config(str(tmp_path), {"PALABRE_ENV": "development"})["DEMO_PASSWORD"] == ""


def test_the_demo_command_prints_links_on_the_public_url(app: Flask) -> None:
    app.config.update(PUBLIC_URL="https://palabre.example", DEMO_PASSWORD="a demo password")
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--participants", "20"])
    assert result.exit_code == 0, result.output
    assert "https://palabre.example/join/" in result.output
    assert "password: a demo password" in result.output
    again = app.test_cli_runner().invoke(args=["demo", "seed", "--if-empty"])
    assert "demo not seeded" in again.output
    assert "https://palabre.example/auth/sign-in" in again.output


@pytest.mark.parametrize("mode", ["production", "testing", "staging"])
def test_outside_development_a_secret_is_required_whatever_the_mode(
    tmp_path: Path, mode: str
) -> None:
    with pytest.raises(ConfigurationError, match="is not set"):
        load_config(str(tmp_path), {"PALABRE_ENV": mode})
    with pytest.raises(ConfigurationError, match="development secret"):
        load_config(str(tmp_path), {"PALABRE_ENV": mode, "PALABRE_SECRET_KEY": DEVELOPMENT_SECRET})
    config = load_config(str(tmp_path), {"PALABRE_ENV": mode, "PALABRE_SECRET_KEY": LONG_SECRET})
    assert config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("secret", ["s3cret", "x" * 31, "é" * 15])
def test_outside_development_a_secret_has_at_least_32_bytes(tmp_path: Path, secret: str) -> None:
    with pytest.raises(ConfigurationError, match="32 bytes"):
        load_config(str(tmp_path), {"PALABRE_SECRET_KEY": secret})
    assert load_config(str(tmp_path), {"PALABRE_SECRET_KEY": "é" * 16})["SECRET_KEY"] == "é" * 16


def test_development_may_use_the_built_in_secret(tmp_path: Path) -> None:
    config = load_config(str(tmp_path), {"PALABRE_ENV": "development"})
    assert config["SECRET_KEY"] == DEVELOPMENT_SECRET
    assert config["SESSION_COOKIE_SECURE"] is False
    short = load_config(str(tmp_path), {"PALABRE_ENV": "development", "SECRET_KEY": "dev"})
    assert short["SECRET_KEY"] == "dev"


def test_a_secret_passed_to_create_app_is_checked_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PALABRE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("PALABRE_ENV", "testing")
    monkeypatch.delenv("PALABRE_SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    with pytest.raises(ConfigurationError, match="32 bytes"):
        create_app({"SECRET_KEY": "short", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})


def test_hsts_is_sent_over_https_only(app: Flask) -> None:
    client = app.test_client()
    plain = client.get("/healthz")
    assert "Strict-Transport-Security" not in plain.headers
    secure = client.get("/healthz", base_url="https://palabre.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_hsts_follows_the_forwarded_scheme_behind_a_trusted_proxy(
    app_config: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PALABRE_INSTANCE_PATH", str(tmp_path / "instance"))
    proxied = create_app({**app_config, "PROXY_FIX": 1})
    response = proxied.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
    proxied.extensions["palabre.engine"].dispose()
