"""The reference files shipped with the app (data/reference/: key counties, East–West pairs, glossary,
thresholds), each with its source in SOURCES.md."""
from __future__ import annotations

from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
