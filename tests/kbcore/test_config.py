"""Settings: defaults < kb.toml < KB_* variables < options, validated once with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import cli
from kbcore.config import ConfigError, Settings, load_settings


def test_defaults():
    settings = load_settings(environ={})
    assert (settings.kb_dir, settings.site_dir, settings.data_dir) == (
        Path("kb"),
        Path("site"),
        Path("var"),
    )
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)


def test_layers_override_in_order(tmp_path):
    config = tmp_path / "kb.toml"
    config.write_text('[kb]\nport = 9000\nhost = "0.0.0.0"\nsite_dir = "public"\n')
    settings = load_settings({"site_dir": "out"}, config_file=config, environ={"KB_PORT": "9100"})
    assert settings.port == 9100  # env beats the file
    assert settings.host == "0.0.0.0"  # the file beats the default
    assert settings.site_dir == Path("out")  # options beat everything


def test_config_file_from_environment(tmp_path):
    config = tmp_path / "other.toml"
    config.write_text("port = 8123\n")
    assert load_settings(environ={"KB_CONFIG": str(config)}).port == 8123


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"environ": {"KB_PORT": "eighty"}},
            "KB_PORT: expected an integer from 1 to 65535, found 'eighty'",
        ),
        (
            {"environ": {"KB_PORT": "70000"}},
            "KB_PORT: expected an integer from 1 to 65535, found '70000'",
        ),
        (
            {"environ": {"KB_THREADS": "0"}},
            "KB_THREADS: expected an integer from 1 to 256, found '0'",
        ),
        (
            {"environ": {}, "overrides": {"host": ""}},
            "option host: expected non-empty text, found ''",
        ),
    ],
)
def test_bad_values_name_their_source(kwargs, message):
    with pytest.raises(ConfigError) as error:
        load_settings(kwargs.pop("overrides", None), **kwargs)
    assert str(error.value) == message


def test_bad_config_file(tmp_path):
    config = tmp_path / "kb.toml"
    config.write_text("[kb]\nport = 'x'\ncolour = 'red'\n")
    with pytest.raises(ConfigError) as error:
        load_settings(config_file=config, environ={})
    assert str(error.value).splitlines() == [
        f"{config}: port: expected an integer from 1 to 65535, found 'x'",
        f"{config}: colour: expected one of {', '.join(Settings.model_fields)}, "
        "found an unknown setting",
    ]
    config.write_text("port = = 1")
    with pytest.raises(ConfigError, match=rf"^{config}: expected valid TOML, found an error"):
        load_settings(config_file=config, environ={})
    with pytest.raises(ConfigError, match="expected a readable TOML file, found No such file"):
        load_settings(config_file=tmp_path / "missing.toml", environ={})


def test_cli_reports_bad_configuration_without_traceback(runner, tmp_path):
    result = runner.invoke(cli, ["serve", "--site-dir", str(tmp_path)], env={"KB_PORT": "x"})
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: invalid configuration:\nKB_PORT: expected an integer from 1 to 65535, found 'x'\n"
    )


def test_serve_without_a_built_site(runner, tmp_path):
    result = runner.invoke(cli, ["serve", "--site-dir", str(tmp_path / "site")])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path / 'site'}: expected a built site, found none (run `kb build`)\n"
    )
