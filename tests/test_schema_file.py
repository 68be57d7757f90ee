"""The committed `schema.graphql` is exactly what `gateway export-schema` prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gateway.graphql import export_sdl

ROOT = Path(__file__).resolve().parent.parent


def test_schema_file_matches_the_code() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == export_sdl(), "run `./dev gateway export-schema > schema.graphql`"


def test_export_schema_command_prints_the_sdl() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "gateway", "export-schema"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    assert out == export_sdl()
    assert "type Query" in out and "customer(id: ID!): Customer" in out
