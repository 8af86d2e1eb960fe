"""The mode decision: honour WANDB_MODE, never prompt without a terminal."""

from __future__ import annotations

import pytest

from helpers import mode
from tests.conftest import ROOT, run_python


@pytest.fixture
def no_credentials(offline, monkeypatch):
    monkeypatch.delenv("WANDB_MODE", raising=False)
    return offline


def test_no_credentials_and_no_terminal_goes_offline_and_says_how_to_go_online(
    no_credentials, capsys
):
    assert mode.has_credentials() is False
    assert mode.can_prompt() is False  # pytest captures stdin
    assert mode.choose_mode() == "offline"
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert "no API key found and no terminal" in out[0]
    assert "wandb login" in out[0] and "wandb sync" in out[0]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("disabled", "disabled"),
        ("offline", "offline"),
        ("dryrun", "offline"),
        (" Disabled ", "disabled"),
    ],
)
def test_wandb_mode_is_honoured(no_credentials, monkeypatch, value, expected, capsys):
    monkeypatch.setenv("WANDB_MODE", value)
    assert mode.choose_mode() == expected
    assert capsys.readouterr().out == ""


def test_a_requested_mode_wins_over_the_environment(no_credentials, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    assert mode.choose_mode("disabled") == "disabled"


def test_unknown_mode_is_refused(no_credentials, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "onlien")
    with pytest.raises(
        ValueError, match="WANDB_MODE is 'onlien'; use one of: online, offline, disabled"
    ):
        mode.choose_mode()


def test_online_without_a_key_and_no_terminal_fails_before_any_run(no_credentials):
    with pytest.raises(ValueError, match="online but no API key was found and nobody can be asked"):
        mode.choose_mode("online")


def test_a_well_formed_key_means_online(no_credentials, monkeypatch):
    monkeypatch.setenv("WANDB_API_KEY", "0123456789abcdef" * 2 + "01234567")
    assert mode.has_credentials() is True
    assert mode.choose_mode() == "online"


def test_a_key_in_netrc_is_found(no_credentials, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine api.wandb.ai\n  login user\n  password " + "ab" * 20 + "\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert mode.has_credentials() is True


def test_a_malformed_key_gets_one_clear_message(no_credentials, monkeypatch):
    monkeypatch.setenv("WANDB_API_KEY", "not-a-key")
    with pytest.raises(ValueError, match="API key wandb found is not valid: .*40"):
        mode.choose_mode()


def test_a_script_without_terminal_or_key_does_not_hang(offline, tmp_path):
    code = "from helpers.mode import choose_mode; print('MODE=' + choose_mode())"
    result = run_python(code, ROOT, {"WANDB_MODE": None})
    assert result.returncode == 0, result.stderr
    assert "MODE=offline" in result.stdout
    assert "no API key found and no terminal" in result.stdout


@pytest.mark.parametrize("allow_stdin", [True, False])
def test_a_kernel_can_prompt_only_when_its_front_end_allows_stdin(allow_stdin):
    """JupyterLab sends allow_stdin=True; papermill and nbmake send False."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        reply_outputs = []
        client.execute_interactive(
            "from helpers.mode import can_prompt; print(can_prompt())",
            allow_stdin=allow_stdin,
            stdin_hook=lambda msg: None,
            output_hook=lambda msg: reply_outputs.append(msg["content"].get("text", "")),
            timeout=60,
        )
        assert "".join(reply_outputs).strip() == str(allow_stdin)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
