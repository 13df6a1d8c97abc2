"""Settings: read once from the environment and `.env`, documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import ROOT, load_settings, setting_help


def test_every_setting_is_documented_in_the_readme_with_its_default() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, (default, help_text) in setting_help().items():
        assert f"`{name}`" in readme, f"README does not document {name}"
        assert help_text, f"{name} has no help text"
        if default and name != "STATE_DIR":
            assert f"`{default}`" in readme, f"README does not give the default of {name}"


def test_environment_wins_over_dotenv_and_defaults(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\nPORT=9000\nexport BASE_URL='https://kp.example'\nSMTP_HOST=mail\n"
    )
    settings = load_settings(
        {"PORT": "9100", "STATE_DIR": str(tmp_path), "SECRET_KEY": "k"}, dotenv=dotenv
    )
    assert settings.port == 9100
    assert settings.BASE_URL == "https://kp.example"
    assert settings.secure_cookies
    assert settings.SMTP_HOST == "mail"


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    env = {"STATE_DIR": str(tmp_path / "state")}
    first = load_settings(env, dotenv=tmp_path / "none")
    second = load_settings(env, dotenv=tmp_path / "none")
    assert len(first.SECRET_KEY) >= 48
    assert first.SECRET_KEY == second.SECRET_KEY
    assert (tmp_path / "state" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_database_url_gets_the_async_driver(tmp_path: Path) -> None:
    settings = load_settings(
        {"DATABASE_URL": "postgres://u@h:5/db", "SECRET_KEY": "k"}, dotenv=tmp_path / "none"
    )
    assert settings.sqlalchemy_url == "postgresql+asyncpg://u@h:5/db"


def test_a_database_url_of_another_kind_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="DATABASE_URL must be a postgresql:// URL"):
        load_settings({"DATABASE_URL": "mysql://x/y", "SECRET_KEY": "k"}, dotenv=tmp_path / "n")
