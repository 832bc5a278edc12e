"""Documentation that fails when it drifts from the code."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_every_environment_variable_read_by_the_settings_is_documented():
    settings = (ROOT / "config" / "settings.py").read_text()
    cli = (ROOT / "liaison" / "cli.py").read_text()
    read = set(
        re.findall(r'(?:environ(?:\.get)?\(|environ\[|env_bool\(|env_list\()\s*"([A-Z0-9_]+)"', settings)
    )
    read |= set(re.findall(r'"(LIAISON_[A-Z0-9_]+)"', cli))
    documented = set(
        re.findall(r"^\| `([A-Z0-9_]+)`", (ROOT / "docs" / "configuration.md").read_text(), re.M)
    )
    assert read, "the pattern found no variables: the test would pass vacuously"
    assert read - documented == set()


def test_every_module_has_a_page_in_docs():
    apps = [p.name for p in (ROOT / "liaison").iterdir() if (p / "apps.py").exists()]
    docs = (ROOT / "docs" / "architecture.md").read_text()
    assert apps
    for app in apps:
        assert f"`liaison/{app}/`" in docs, f"docs/architecture.md does not describe liaison/{app}/"
