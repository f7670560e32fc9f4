"""``kosizu sandbox`` as a person starts it: a banner with the address, the page answering,
the database under data/sandbox/, a clean stop on Ctrl-C; and a refusal while a real token is
in the environment."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.harness import ROOT


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOSIZU_")}
    # Run from another folder: the sandbox's files go below the folder it is started in.
    env["PYTHONPATH"] = str(ROOT)
    return {**env, **extra}


def test_the_sandbox_starts_prints_its_address_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", "0"],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        seen = []
        address = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = re.search(r"Open (http://127\.0\.0\.1:\d+/) in your browser", line)
            address = found.group(1) if found else address
            if "Stop with Ctrl-C" in line:
                break
        assert address is not None, "".join(seen)
        banner = "".join(seen)
        assert "nothing reaches Telegram" in banner and "fictional" in banner
        assert "data/sandbox/sandbox.sqlite3" in banner
        page = httpx.get(address, timeout=10)
        assert page.status_code == 200 and "<html" in page.text
        personas = httpx.get(f"{address}api/personas", timeout=10).json()["personas"]
        assert len(personas) >= 5
        assert (tmp_path / "data" / "sandbox" / "sandbox.sqlite3").exists()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "Traceback" not in out


def test_a_token_in_the_environment_is_refused_in_one_sentence(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--port", "0"],
        cwd=tmp_path,
        env=clean_env(KOSIZU_BOT_TOKEN="123456:AAreal-token-of-a-production-bot"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("kosizu: KOSIZU_BOT_TOKEN is set")
    assert "--ignore-token" in result.stderr
    assert "production" not in result.stderr + result.stdout  # the token is not repeated
    assert not (tmp_path / "data").exists()
