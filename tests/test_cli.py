"""The command line as a user runs it: ``python -m dashboard init`` into an empty instance folder."""
import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def _run(*args, instance: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DASHBOARD_INSTANCE": str(instance)}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_init_creates_the_embedded_database_and_is_skipped_when_present(tmp_path):
    first = _run("init", "--scale", "tiny", "--seed", "3", "--if-absent", "--quiet", instance=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "province 34" in first.stdout and (tmp_path / "dashboard.db").exists()
    again = _run("init", "--scale", "tiny", "--if-absent", instance=tmp_path)
    assert again.returncode == 0 and "nothing to do" in again.stdout
    listed = _run("regions", "--level", "township", instance=tmp_path)
    townships = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(townships) >= 15 and all(t["illustrative"] for t in townships)
    assert "cube" in first.stdout
    county = townships[0]["code"][:6]
    rebuilt = _run("build", "--counties", county, "--quiet", instance=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    summary = json.loads(rebuilt.stdout)
    assert summary["full"] is False and summary["counties"] == 1 and summary["rows"] > 0
    for wrong, says in (("52", "not a county"), ("999999", "no such region"), ("52x", "region code")):
        refused = _run("build", "--counties", wrong, instance=tmp_path)
        assert refused.returncode != 0 and says in refused.stderr, refused.stderr
    unknown = _run("build", "--executor", "spark", instance=tmp_path)
    assert unknown.returncode != 0 and "unknown executor" in unknown.stderr


def test_unknown_scale_is_refused_with_a_message(tmp_path):
    result = _run("init", "--scale", "huge", instance=tmp_path)
    assert result.returncode != 0 and "huge" in result.stderr
