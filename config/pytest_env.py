"""Loaded with `-p` before pytest-django reads the settings: the test client speaks plain HTTP."""

import os
from pathlib import Path

os.environ.setdefault("LIAISON_HTTPS", "0")
os.environ.setdefault("LIAISON_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
