"""The mode decision: honour WANDB_MODE, never prompt without a terminal."""

from __future__ import annotations

import http.server
import socket
import sys
import threading
import types
from typing import ClassVar

import pytest

from helpers import mode
from helpers.wandb_internals import key_prompt_url
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


KEY = "0123456789abcdef" * 2 + "01234567"  # a legacy key: 40 characters
TODAY_KEY = ("iK7_q2Zr" * 11)[:86]  # a key as W&B issues them today: about 86 characters


class _Server(http.server.BaseHTTPRequestHandler):
    status = 200
    seen: ClassVar[list[str]] = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        type(self).seen.append(self.rfile.read(length).decode())
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"data": {"viewer": {"id": "u1", "entity": "student"}}}')

    def log_message(self, *args):
        pass


@pytest.fixture(params=[KEY, TODAY_KEY], ids=["legacy-key", "today-key"])
def server(no_credentials, monkeypatch, request):
    """A W&B-like /graphql answering with a status the test chooses, and a key of either format."""
    handler = type("Handler", (_Server,), {"status": 200, "seen": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setenv("WANDB_BASE_URL", f"http://127.0.0.1:{httpd.server_address[1]}")
    monkeypatch.setenv("WANDB_API_KEY", request.param)
    reset_wandb_settings()
    handler.key = request.param
    yield handler
    httpd.shutdown()
    httpd.server_close()
    monkeypatch.undo()
    reset_wandb_settings()


def reset_wandb_settings():
    """wandb reads WANDB_BASE_URL once per process: make it read the environment again."""
    import wandb

    wandb.teardown()


def test_a_key_the_server_accepts_means_online_and_names_where_the_key_came_from(server, capsys):
    assert mode.has_credentials() is True
    assert mode.choose_mode() == "online"
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [f"wandb: online at {mode.server_host()}, with the API key from WANDB_API_KEY."]
    assert server.key not in "".join(out)
    assert "Viewer" in server.seen[0]


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_is_one_line_naming_the_fix(server, status):
    server.status = status
    with pytest.raises(mode.KeyRefused) as caught:
        mode.choose_mode()
    message = str(caught.value)
    assert "refused the API key from WANDB_API_KEY" in message
    assert "wandb login --relogin" in message and server.key not in message
    assert caught.value._render_traceback_() == [f"KeyRefused: {message}"]


def _assert_offline_line(out: str, host: str) -> None:
    lines = out.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"could not reach the W&B server at {host}" in lines[0]
    assert "saved offline" in lines[0] and "wandb sync" in lines[0]


def test_a_closed_port_means_offline(no_credentials, monkeypatch, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends
    monkeypatch.setenv("WANDB_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    reset_wandb_settings()
    assert mode.choose_mode() == "offline"
    _assert_offline_line(capsys.readouterr().out, f"http://127.0.0.1:{port}")


def test_a_server_that_never_answers_means_offline_after_the_probe(
    no_credentials, monkeypatch, capsys
):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections, never reads nor answers
        host = f"http://127.0.0.1:{silent.getsockname()[1]}"
        monkeypatch.setenv("WANDB_BASE_URL", host)
        monkeypatch.setenv("WANDB_API_KEY", KEY)
        monkeypatch.setattr(mode, "PROBE_SECONDS", 1.0)
        reset_wandb_settings()
        assert mode.choose_mode() == "offline"
    out = capsys.readouterr().out
    _assert_offline_line(out, host)
    assert "(no answer within 1 s)" in out


def test_an_unresolvable_host_means_offline(no_credentials, monkeypatch, capsys):
    monkeypatch.setenv("WANDB_BASE_URL", "http://wandb-server.invalid")
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    reset_wandb_settings()
    assert mode.choose_mode() == "offline"
    _assert_offline_line(capsys.readouterr().out, "http://wandb-server.invalid")


def test_a_forced_online_mode_with_no_server_is_refused_not_guessed(server, monkeypatch):
    monkeypatch.setattr(mode, "probe", lambda host, key: "connection refused")
    with pytest.raises(mode.SetupError, match="online but wandb could not reach the W&B server"):
        mode.choose_mode("online")


def test_the_key_page_is_the_one_wandb_prints(server):
    assert mode.key_page() == key_prompt_url(mode.server_host())


def test_an_unwritable_run_folder_is_refused_before_any_run(no_credentials, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # even root cannot create a folder inside a file
    monkeypatch.setenv("WANDB_DIR", str(blocker))
    with pytest.raises(mode.SetupError, match=f"cannot write runs to {blocker}/wandb"):
        mode.choose_mode("offline")


def test_the_colab_secret_becomes_the_key_and_is_named_as_its_source(server, monkeypatch, capsys):
    monkeypatch.delenv("WANDB_API_KEY")
    userdata = types.SimpleNamespace(get=lambda name: KEY if name == "WANDB_API_KEY" else None)
    colab = types.ModuleType("google.colab")
    colab.userdata = userdata
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.userdata", userdata)
    assert mode.colab_secret() == "the Colab secret"
    assert mode.choose_mode() == "online"
    assert "with the API key from the Colab secret" in capsys.readouterr().out


@pytest.mark.parametrize(
    "error, expected",
    [
        ("NotebookAccessError", "switch on 'Notebook access'"),
        ("SecretNotFoundError", ""),
        ("TimeoutException", "could not read the Colab secret WANDB_API_KEY (TimeoutException)"),
    ],
)
def test_a_colab_secret_that_cannot_be_read_says_why(
    no_credentials, monkeypatch, capsys, error, expected
):
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    kind = type(error, (Exception,), {})

    def get(name):
        raise kind(name)

    userdata = types.SimpleNamespace(get=get)
    colab = types.ModuleType("google.colab")
    colab.userdata = userdata
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.userdata", userdata)
    assert mode.colab_secret() is None
    out = capsys.readouterr().out
    assert (expected in out) if expected else out == ""
    assert mode.choose_mode() == "offline"
    assert "add a WANDB_API_KEY secret" in capsys.readouterr().out


@pytest.mark.parametrize("key", [KEY, TODAY_KEY], ids=["legacy-key", "today-key"])
def test_a_key_in_netrc_is_found(no_credentials, tmp_path, monkeypatch, key):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine api.wandb.ai\n  login user\n  password " + key + "\n")
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
