"""The ``hotline`` command as an operator uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "requests.jsonl"


def hotline(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hotline", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_triage_one_text():
    result = hotline("triage", "隔壁工地半夜还在打桩，吵得根本睡不着")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record == {
        "text": "隔壁工地半夜还在打桩，吵得根本睡不着",
        "scope": "in",
        "kind": record["kind"],
        "category": "env.noise",
        "department": "生态环境局",
        "urgency": "normal",
    }
    assert record["kind"] in {"complaint", "help"}


def test_triage_jsonl_prints_one_object_per_line_in_corpus_format():
    result = hotline("triage", "--jsonl", str(CORPUS))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    gold = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    assert len(lines) == len(gold)
    for record, row in zip(lines, gold, strict=True):
        assert set(record) == {"text", "scope", "kind", "category", "department", "urgency"}
        assert record["text"] == row["text"]
    emergencies = [r for r in lines if r["scope"].startswith("emergency:")]
    assert emergencies and all(r["category"] is None for r in emergencies)


def test_triage_jsonl_reports_a_bad_line_by_number(tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "路灯坏了"}\n{"txt": "no text field"}\n', encoding="utf-8")
    result = hotline("triage", "--jsonl", str(bad))
    assert result.returncode == 1 and "line 2" in result.stderr


def test_migrate_and_seed_are_idempotent_and_show_the_password_once(tmp_path: Path):
    import os

    env = {**os.environ, "HOTLINE_DATA_DIR": str(tmp_path / "data"), "HOTLINE_DATABASE_URL": ""}
    assert hotline("migrate", env=env).returncode == 0
    assert hotline("migrate", env=env).returncode == 0
    first = hotline("seed", env=env)
    second = hotline("seed", env=env)
    assert first.returncode == second.returncode == 0
    assert "password=" in first.stdout and "password=" not in second.stdout
    assert "11 regions" in second.stdout


def test_staff_add_asks_the_password_twice_and_list_shows_the_account(tmp_path: Path):
    import os

    env = {**os.environ, "HOTLINE_DATA_DIR": str(tmp_path / "data"), "HOTLINE_DATABASE_URL": ""}
    assert hotline("migrate", env=env).returncode == 0
    assert hotline("seed", env=env).returncode == 0

    def add(*args: str, passwords: str) -> subprocess.CompletedProcess[str]:
        # A session of its own has no terminal: the hidden prompt reads stdin, as in a pipe.
        return subprocess.run(
            [sys.executable, "-m", "hotline", "staff", "add", *args],
            cwd=ROOT,
            input=passwords,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            start_new_session=True,
        )

    code = "FZ-urban-illegal_building"
    good = "a-long-passphrase\na-long-passphrase\n"
    dept = ["fz-cg-1", "--role", "department", "--department", code, "--display-name", "张三"]
    created = add(*dept, passwords=good)
    assert created.returncode == 0, created.stderr
    assert "a-long-passphrase" not in created.stdout
    assert add(*dept, passwords=good).returncode == 1  # the username is taken
    weak = add("op-1", "--role", "operator", passwords="short\nshort\n")
    assert weak.returncode == 1 and "10" in weak.stderr
    no_department = add("dept-2", "--role", "department", passwords=good)
    assert no_department.returncode == 1 and "department" in no_department.stderr

    listing = hotline("staff", "list", env=env)
    assert listing.returncode == 0, listing.stderr
    rows = [line.split("\t") for line in listing.stdout.splitlines()]
    assert rows == [
        ["admin", "admin", "-", "active", "管理员"],
        ["fz-cg-1", "department", code, "active", "张三"],
    ]
    assert "pbkdf2" not in listing.stdout
