"""`./dev`, the entry point a fresh clone starts with: what it says before it runs anything."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: What `./dev` itself calls before it reaches the tests.
_SCRIPT_TOOLS = ("sh", "dirname", "sed", "touch", "python3")


def test_dev_test_without_the_test_tools_stops_at_once_naming_them(tmp_path: Path) -> None:
    # A PATH with the shell's tools and none of redis-server, node and npm.
    for tool in _SCRIPT_TOOLS:
        found = shutil.which(tool)
        assert found is not None
        (tmp_path / tool).symlink_to(found)
    env = {**os.environ, "PATH": str(tmp_path)}
    done = subprocess.run(
        [str(tmp_path / "sh"), str(ROOT / "dev"), "test"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "the tests need redis-server" in lines[0]
    assert "nodejs npm" in lines[0]
    assert "apt-get install redis-server" in lines[0]


def test_dev_lists_every_command_it_runs() -> None:
    done = subprocess.run(
        ["sh", str(ROOT / "dev"), "help"], capture_output=True, text=True, timeout=60, check=False
    )
    listed = [line.split()[2] for line in done.stdout.splitlines() if line.startswith("#   ./dev")]
    script = (ROOT / "dev").read_text()
    runs = [c for c in listed if f"{c})" in script or f'"$cmd" = {c} ]' in script]
    assert done.returncode == 2
    assert "image-check" in listed and runs == listed
    assert os.access(ROOT / ".ci" / "image-check", os.X_OK)
