"""A hub model id where the hub cannot be reached: one short probe decides, counted here by
the requests a stand-in hub on 127.0.0.1 receives (never by the clock)."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("huggingface_hub", reason="needs the local extra")

from screenpilot.errors import ConfigError
from screenpilot.policies.hub import load_options
from tests.test_cli import screenpilot

REDIRECT = b"HTTP/1.1 302 Found\r\nLocation: http://cdn.invalid/x\r\nContent-Length: 0\r\n\r\n"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


class Hub:
    """A TCP port on 127.0.0.1 that records each request's first line and answers it with
    ``reply`` (b"": closes the connection without a word, a hub that cannot be used)."""

    def __init__(self, reply: bytes = b"") -> None:
        self.reply = reply
        self.requests: list[str] = []
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._socket.accept()
            except TimeoutError:
                continue
            with client:
                client.settimeout(5)
                try:
                    request = client.recv(65536)
                except OSError:
                    request = b""
                self.requests.append(request.decode("latin-1").split("\r\n")[0])
                if self.reply:
                    client.sendall(self.reply)

    def asked_for(self, repo: str) -> list[str]:
        """The requests about ``repo`` (the hub client also asks about other things)."""
        return [line for line in self.requests if f"/{repo}/" in line]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()


@pytest.fixture
def dead_hub() -> Iterator[Hub]:
    hub = Hub()
    yield hub
    hub.close()


def offline_env(hub: Hub, home: Path) -> dict[str, str]:
    """The hub is ``hub``, the cache under ``home``, offline mode off."""
    return {
        "HF_ENDPOINT": hub.url,
        "HF_HOME": str(home),
        "HF_HUB_OFFLINE": "0",
        "TRANSFORMERS_OFFLINE": "0",
    }


def test_an_uncached_hub_id_without_the_hub_is_a_configuration_error(
    dead_hub: Hub, tmp_path: Path
) -> None:
    """One probe, no retries, and a hint that names offline mode and a local folder."""
    home = tmp_path / "hf"
    result = screenpilot(
        "run", "t", "--policy", "qwen2vl", "--model", "Qwen/Qwen2-VL-2B-Instruct",
        env=offline_env(dead_hub, home),
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "error: cannot load model 'Qwen/Qwen2-VL-2B-Instruct': it is not a local folder, nor in "
        f"the Hugging Face cache ({home / 'hub'}), and the hub at {dead_hub.url} cannot be "
        "reached (Remote end closed connection without response). Where the hub is reachable, "
        "load it once (it is then cached) and set HF_HUB_OFFLINE=1 to use the cache offline, or "
        "download it to a folder and pass that folder to --model\n"
    )
    probe = "HEAD /Qwen/Qwen2-VL-2B-Instruct/resolve/main/config.json HTTP/1.1"
    assert dead_hub.requests == [probe]


def cache(model_dir: Path, home: Path, repo: str) -> None:
    """Lay ``model_dir`` out in the hub's cache under ``home`` as if ``repo`` was downloaded."""
    folder = home / "hub" / f"models--{repo.replace('/', '--')}"
    shutil.copytree(model_dir, folder / "snapshots" / COMMIT)
    (folder / "refs").mkdir()
    (folder / "refs" / "main").write_text(COMMIT)


def test_a_cached_hub_id_without_the_hub_loads_from_the_cache(
    dead_hub: Hub, tiny_qwen2vl: Path, tmp_path: Path
) -> None:
    home, out = tmp_path / "hf", tmp_path / "run"
    cache(tiny_qwen2vl, home, "screenpilot-test/tiny-qwen2vl")
    result = screenpilot(
        "run", "anything", "--policy", "qwen2vl", "--model", "screenpilot-test/tiny-qwen2vl",
        "--card", "qwen2vl", "--max-pixels", str(64 * 28 * 28), "--max-new-tokens", "4",
        "--max-steps", "1", "--out", str(out), env=offline_env(dead_hub, home),
    )  # fmt: skip
    assert result.returncode == 1, result.stderr  # a random model does not finish the task
    assert (out / "manifest.json").exists()
    probe = "HEAD /screenpilot-test/tiny-qwen2vl/resolve/main/config.json HTTP/1.1"
    assert dead_hub.asked_for("screenpilot-test/tiny-qwen2vl") == [probe]


def test_the_probe_is_skipped_or_answered(
    dead_hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A local folder and offline mode ask nothing; a hub that answers at all (here a
    redirect to its CDN) leaves loading to transformers."""
    assert load_options(str(tmp_path), endpoint=dead_hub.url) == {}
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    assert load_options("org/model", endpoint=dead_hub.url, cache_dir=tmp_path) == {}
    assert dead_hub.requests == []
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    with pytest.raises(ConfigError, match="HF_HUB_OFFLINE=1"):
        load_options("org/model", endpoint=dead_hub.url, cache_dir=tmp_path)
    assert dead_hub.requests == ["HEAD /org/model/resolve/main/config.json HTTP/1.1"]
    answering = Hub(REDIRECT)
    try:
        assert load_options("org/model", endpoint=answering.url, cache_dir=tmp_path) == {}
        assert answering.requests == ["HEAD /org/model/resolve/main/config.json HTTP/1.1"]
    finally:
        answering.close()
