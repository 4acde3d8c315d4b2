"""The layers go one way (docs/ARCHITECTURE.md): the import-linter contracts in .importlinter hold, and a
back-import (the lowest layer importing an entry point) breaks them."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PACKAGES = ("dashboard", "callbacks", "layouts", "data", "geo", "benchmarks")
LINT = str(Path(sys.executable).with_name("lint-imports"))


def _lint(root: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([LINT, "--config", str(root / ".importlinter"), "--no-cache"], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=300)


def test_the_layer_contracts_hold():
    result = _lint(PROJECT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_back_import_breaks_them(tmp_path):
    for package in PACKAGES:
        shutil.copytree(PROJECT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.po", "*.mo"))
    shutil.copy(PROJECT / ".importlinter", tmp_path / ".importlinter")
    codes = tmp_path / "data" / "definitions" / "codes.py"
    codes.write_text(codes.read_text() + "\nfrom dashboard import config  # a back-import, for this test\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "data.definitions.codes -> dashboard.config" in result.stdout
