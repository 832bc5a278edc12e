"""Loaded with `-p` before pytest-django reads the settings: the test client speaks plain HTTP."""

import os
from pathlib import Path

os.environ.setdefault("LIAISON_HTTPS", "0")
os.environ.setdefault("LIAISON_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
# Tasks run inside enqueue, so a test sees their effect at once; tests of the other modes switch.
os.environ.setdefault("LIAISON_TASKS", "immediate")
