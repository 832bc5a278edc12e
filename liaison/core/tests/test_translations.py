"""Every interface string is translated into Arabic and Vietnamese, and the catalogues compile."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _check(locale_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "locale" / "check_complete.py"), str(locale_dir)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_committed_catalogues_are_complete_and_compiled():
    result = _check(ROOT / "locale")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_interface_string_is_missing_from_the_catalogues(tmp_path):
    # given a scratch copy of the catalogues
    scratch = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", scratch)
    # when the strings are extracted from the code again into it (makemessages walks the current
    # folder and writes beside any locale/ it finds there, so it runs from a folder of links)
    work = tmp_path / "work"
    work.mkdir()
    for name in ("liaison", "config", "manage.py"):
        (work / name).symlink_to(ROOT / name)
    env = {**os.environ, "LIAISON_LOCALE_DIR": str(scratch), "DJANGO_SETTINGS_MODULE": "config.settings"}
    extract = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--symlinks",
            "-l",
            "ar",
            "-l",
            "vi",
            "--no-obsolete",
            "--ignore=.venv",
            "--ignore=var",
            "--ignore=bench",
            "--ignore=*/tests/*",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert extract.returncode == 0, extract.stderr
    # then every extracted string already has a translation (run `make messages` and translate)
    result = _check(scratch)
    problems = [line.strip() for line in (result.stdout + result.stderr).splitlines() if ": '" in line]
    assert not problems, "\n".join(problems)
    assert "translated" in result.stdout, result.stdout + result.stderr
