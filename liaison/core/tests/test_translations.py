"""Every interface string is translated into Arabic and Vietnamese, and the catalogues compile."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_arabic_and_vietnamese_catalogues_are_complete_and_compiled():
    result = subprocess.run(
        [sys.executable, str(ROOT / "locale" / "check_complete.py"), str(ROOT / "locale")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
