"""Configuration: read in one place (``deliberation.config``), one default per setting, and
the defaults the README documents."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from deliberation import config

README = Path(__file__).resolve().parents[2] / "README.md"


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
