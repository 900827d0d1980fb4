"""The committed migrations match the models (a model change without a migration fails here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_models_and_migrations_agree(tmp_path: Path):
    before = set((ROOT / "migrations").glob("*.py"))
    env = {**os.environ, "HOTLINE_DATA_DIR": str(tmp_path), "HOTLINE_DATABASE_URL": ""}
    result = subprocess.run(
        [sys.executable, "-m", "tortoise", "-c", "hotline.db.TORTOISE_ORM", "makemigrations"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    created = set((ROOT / "migrations").glob("*.py")) - before
    for path in created:  # never leave a generated file behind
        path.unlink()
    assert result.returncode == 0, result.stderr
    assert not created, f"models changed without a migration: {sorted(p.name for p in created)}"
    assert "No changes detected" in result.stdout
