"""The kosizu command: clear one-line refusals, a clean SIGTERM, no token in the logs."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox.emulator import Emulator
from tests.support.harness import ROOT, TOKEN, bot_env


def kosizu(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KOSIZU_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "kosizu: KOSIZU_BOT_TOKEN is not set"),
        ({"KOSIZU_BOT_TOKEN": "12345"}, "kosizu: KOSIZU_BOT_TOKEN does not look like a bot token"),
        (
            {"KOSIZU_BOT_TOKEN": TOKEN, "KOSIZU_API_BASE_URL": "http://127.0.0.1:1/api"},
            "kosizu: KOSIZU_API_BASE_URL must be an http(s) URL ending in /bot",
        ),
    ],
)
def test_run_refuses_bad_configuration_in_one_sentence(
    env: dict[str, str], message: str, tmp_path: Path
) -> None:
    result = kosizu("run", env={**env, "KOSIZU_DB": str(tmp_path / "db.sqlite3")})
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message)
    assert not (tmp_path / "db.sqlite3").exists()  # nothing was started


def test_an_unreachable_api_is_reported_plainly(tmp_path: Path) -> None:
    # Port 9 on loopback: nothing listens, so the API cannot be reached.
    result = kosizu(
        "run",
        env={
            "KOSIZU_BOT_TOKEN": TOKEN,
            "KOSIZU_API_BASE_URL": "http://127.0.0.1:9/bot",
            "KOSIZU_DB": str(tmp_path / "db.sqlite3"),
        },
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("kosizu: The Telegram Bot API at http://127.0.0.1:9/bot could not be reached")
    )


async def test_run_logs_no_token_and_no_personal_data_and_stops_on_sigterm(
    emulator: Emulator, tmp_path: Path
) -> None:
    env = {**os.environ, **bot_env(emulator, tmp_path / "db.sqlite3")}
    proc = subprocess.Popen(  # noqa: ASYNC220 - Popen returns at once; the loop keeps running
        [sys.executable, "-m", "bot", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        user = emulator.user(9001, first_name="Zeynep", language_code="tr")

        await emulator.wait_until(lambda: emulator.in_flight["getUpdates"] > 0, timeout=20)
        user.send_text("/start")
        await user.wait_for_message(timeout=10)
        user.send_text("my secret phone number is 0176 5555555")
        await user.wait_for_message(timeout=10)
        started = time.monotonic()
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "bot is running" in out and "bot stopped" in out  # INFO lines were written
    assert TOKEN not in out and TOKEN.split(":")[1] not in out
    assert "Zeynep" not in out and "0176" not in out


def test_backup_copies_the_database(tmp_path: Path) -> None:
    source = tmp_path / "live.sqlite3"
    conn = sqlite3.connect(source)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (42)")
    conn.commit()
    conn.close()
    target = tmp_path / "backup.sqlite3"
    result = kosizu("backup", str(target), env={"KOSIZU_DB": str(source)})
    assert result.returncode == 0, result.stderr
    assert sqlite3.connect(target).execute("SELECT x FROM t").fetchall() == [(42,)]
    again = kosizu("backup", str(target), env={"KOSIZU_DB": str(source)})
    assert again.returncode == 2 and "already exists" in again.stderr


def test_add_staff_bootstraps_the_first_staff_member_once(tmp_path: Path) -> None:
    env = {"KOSIZU_DB": str(tmp_path / "db.sqlite3")}
    first = kosizu("add-staff", "4242", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "Telegram user 4242 is now active staff (member 1).\n"
    again = kosizu("add-staff", "4242", env=env)
    assert again.stdout == "Telegram user 4242 was already active staff (member 1).\n"
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute("SELECT role, status FROM members").fetchall() == [("staff", "active")]
    assert db.execute("SELECT action, object_id FROM audit_log").fetchall() == [
        ("member.make_staff", 1)
    ]
    refused = kosizu("add-staff", "-5", env=env)
    assert refused.returncode == 2 and "positive number" in refused.stderr


ADD_DITIB = (
    "org", "add", "--name", "DITIB Köln", "--type", "mosque_association", "--state", "DE-NW"
)  # fmt: skip


def test_org_add_and_list(tmp_path: Path) -> None:
    env = {"KOSIZU_DB": str(tmp_path / "db.sqlite3")}
    added = kosizu(*ADD_DITIB, env=env)
    assert added.stdout == "Added organisation 1: DITIB Köln (mosque_association, DE-NW).\n"
    twice = kosizu(*ADD_DITIB, env=env)
    assert twice.returncode == 2
    assert twice.stderr.strip() == (
        "kosizu: The organisation was not added: 'DITIB Köln' in DE-NW exists already."
    )
    listed = kosizu("org", "list", env=env)
    assert listed.stdout == "1\tDE-NW\tmosque_association\tDITIB Köln\n"


async def test_invite_prints_a_deep_link_and_stores_only_a_hash(
    emulator: Emulator, tmp_path: Path
) -> None:
    env = {
        "KOSIZU_BOT_TOKEN": TOKEN,
        "KOSIZU_API_BASE_URL": emulator.base_url,
        "KOSIZU_DB": str(tmp_path / "db.sqlite3"),
    }
    org = await asyncio.to_thread(
        kosizu,
        "org",
        "add",
        "--name",
        "Polizei Köln",
        "--type",
        "police",
        "--state",
        "DE-NW",
        env=env,
    )
    assert org.returncode == 0, org.stderr
    result = await asyncio.to_thread(
        kosizu, "invite", "--role", "police", "--org", "1", "--days", "7", env=env
    )
    assert result.returncode == 0, result.stderr
    link = result.stdout.strip().splitlines()[-1]
    assert link.startswith("https://t.me/kosizu_test_bot?start=")
    code = link.rsplit("=", 1)[1]
    assert len(code) >= 22  # 16 random bytes, URL-safe base64
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    stored = db.execute("SELECT code_hash, role, organisation_id, max_uses FROM invites").fetchall()
    assert stored == [(hashlib.sha256(code.encode()).hexdigest(), "police", 1, 1)]
    assert code not in (tmp_path / "db.sqlite3").read_bytes().decode("latin-1")
    too_long = await asyncio.to_thread(kosizu, "invite", "--role", "staff", "--days", "8", env=env)
    assert too_long.returncode == 2
    assert too_long.stderr.strip() == (
        "kosizu: No invitation was created: a staff invitation lasts 1 to 7 days."
    )


def test_org_edit_changes_the_given_fields_with_the_same_checks_as_add(tmp_path: Path) -> None:
    env = {"KOSIZU_DB": str(tmp_path / "db.sqlite3")}
    assert kosizu(*ADD_DITIB, env=env).returncode == 0
    berlin = ("org", "add", "--name", "DITIB Berlin", "--type", "mosque_association",
              "--state", "DE-BE")  # fmt: skip
    assert kosizu(*berlin, env=env).returncode == 0
    edited = kosizu("org", "edit", "1", "--type", "umbrella_organisation", env=env)
    assert edited.returncode == 0, edited.stderr
    assert edited.stdout == (
        "Changed organisation 1 (type): DITIB Köln (umbrella_organisation, DE-NW).\n"
    )
    edited = kosizu(
        "org", "edit", "1", "--name", "  DITIB  Bonn ", "--bundesland", "DE-BE", env=env
    )
    assert edited.stdout == (
        "Changed organisation 1 (name, bundesland): DITIB Bonn (umbrella_organisation, DE-BE).\n"
    )
    same = kosizu("org", "edit", "1", "--state", "DE-BE", env=env)
    assert same.returncode == 0
    assert same.stdout == (
        "Organisation 1 is already DITIB Bonn (umbrella_organisation, DE-BE); nothing changed.\n"
    )
    for args, message in (
        (("--name", "DITIB Berlin"),
         "kosizu: The organisation was not changed: 'DITIB Berlin' in DE-BE exists already."),
        (("--name", "x" * 201),
         "kosizu: The organisation was not changed: the name must have 1 to 200 characters."),
        ((), "kosizu: Nothing to change: give --name, --type or --bundesland."),
    ):  # fmt: skip
        refused = kosizu("org", "edit", "1", *args, env=env)
        assert refused.returncode == 2
        assert refused.stderr.strip() == message
    for missing in ("7", "99999999999999999999"):
        refused = kosizu("org", "edit", missing, "--name", "X", env=env)
        assert refused.returncode == 2
        assert refused.stderr.strip() == (
            f"kosizu: The organisation was not changed: there is no organisation {missing}."
        )
    listed = kosizu("org", "list", env=env)
    assert listed.stdout == (
        "2\tDE-BE\tmosque_association\tDITIB Berlin\n1\tDE-BE\tumbrella_organisation\tDITIB Bonn\n"
    )
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute(
        "SELECT actor_id, object_id, detail FROM audit_log WHERE action = 'organisation.edit'"
    ).fetchall() == [(None, 1, "changed=type"), (None, 1, "changed=name,bundesland")]


QUESTIONNAIRE = """\
title = "Check-in 2027"

[[question]]
key = "obstacles"
type = "text"
text.de = "Auf welche Hindernisse sind Sie gestoßen?"
text.en = "What obstacles did you encounter?"
"""


def test_questionnaire_import_shows_each_mistake_with_its_line_and_stores_nothing(
    tmp_path: Path,
) -> None:
    env = {"KOSIZU_DB": str(tmp_path / "db.sqlite3")}
    broken = tmp_path / "check-in.toml"
    broken.write_text(
        QUESTIONNAIRE.replace('type = "text"', 'type = "slider"')
        + '\n[[question]]\nkey = "obstacles"\ntype = "scale"\ntext.en = "Scale?"\n',
        encoding="utf-8",
    )
    result = kosizu("questionnaire", "import", str(broken), env=env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"kosizu: {broken} has 3 mistakes; no questionnaire version was stored.",
        f"{broken}:5: question 1 (obstacles): unknown type 'slider' "
        "(use one of text, number, scale, yes_no, choice)",
        f"{broken}:10: question 2 (obstacles): the key 'obstacles' is used by an earlier question",
        f"{broken}:12: question 2 (obstacles): has no text in the default language (text.de)",
    ]
    broken.write_text('title = "T"\n[[question]\n', encoding="utf-8")
    result = kosizu("questionnaire", "import", str(broken), env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines()[1].startswith(f"{broken}:2: not valid TOML: ")
    missing = kosizu("questionnaire", "import", str(tmp_path / "nope.toml"), env=env)
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        f"kosizu: {tmp_path / 'nope.toml'} cannot be read (No such file or directory)."
    )
    assert not (tmp_path / "db.sqlite3").exists()  # a bad file never touches the database
    nothing = kosizu("questionnaire", "show", env=env)
    assert nothing.returncode == 2
    assert nothing.stderr.strip() == (
        "kosizu: No questionnaire has been imported yet; "
        "install the default with 'kosizu questionnaire import --default'."
    )


def test_questionnaire_import_stores_a_version_once_and_show_prints_the_current(
    tmp_path: Path,
) -> None:
    env = {"KOSIZU_DB": str(tmp_path / "db.sqlite3")}
    shipped = kosizu("questionnaire", "import", "--default", env=env)
    assert shipped.returncode == 0, shipped.stderr
    assert shipped.stdout == (
        "Stored questionnaire version 1: KoSiZu quarterly check-in (default) (8 questions).\n"
    )
    again = kosizu("questionnaire", "import", "bot/questionnaires/default.toml", env=env)
    assert again.returncode == 0
    assert again.stdout == (
        "bot/questionnaires/default.toml is the same as the current questionnaire version 1; "
        "no new version was stored.\n"
    )
    own = tmp_path / "check-in.toml"
    own.write_text(QUESTIONNAIRE, encoding="utf-8")
    stored = kosizu("questionnaire", "import", str(own), env=env)
    assert stored.stdout == "Stored questionnaire version 2: Check-in 2027 (1 question).\n"
    shown = kosizu("questionnaire", "show", env=env)
    assert shown.returncode == 0
    lines = shown.stdout.splitlines()
    assert lines[0] == "Questionnaire version 2: Check-in 2027"
    assert lines[1].startswith("Imported ") and lines[1].endswith(" UTC, 1 question:")
    assert lines[2:] == ["  1. obstacles (text, required; de, en)"]
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute("SELECT count(*) FROM questionnaire_versions").fetchone() == (2,)
    assert db.execute(
        "SELECT action, object_id FROM audit_log WHERE action = 'questionnaire.import'"
    ).fetchall() == [("questionnaire.import", 1), ("questionnaire.import", 2)]


def test_questionnaire_default_language_follows_the_configuration(tmp_path: Path) -> None:
    env = {"KOSIZU_DB": str(tmp_path / "db.sqlite3"), "KOSIZU_DEFAULT_LANGUAGE": "fr"}
    own = tmp_path / "check-in.toml"
    own.write_text(QUESTIONNAIRE, encoding="utf-8")
    refused = kosizu("questionnaire", "import", str(own), env=env)
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[1] == (
        f"{own}:6: question 1 (obstacles): has no text in the default language (text.fr)"
    )
    assert kosizu("questionnaire", "import", "--default", env=env).returncode == 0
