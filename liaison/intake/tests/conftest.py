"""Fixtures of the storing, ingesting and searching tests: a scratch media folder and a small world."""

from dataclasses import dataclass

import pytest

from liaison.accounts.models import User
from liaison.core.access import Role
from liaison.core.models import Classification
from liaison.core.testing import make_org, make_superuser, make_user
from liaison.directory.models import Organisation


@pytest.fixture
def media(settings, tmp_path):
    """Stored files go to a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@dataclass
class World:
    admin: User
    mofa: Organisation
    vufo: Organisation
    mofa_editor: User
    mofa_reader: User
    vufo_reader: User


@pytest.fixture
def world(db, media) -> World:
    admin = make_superuser("intake-root")
    mofa = make_org("Ministry of Foreign Affairs", by=admin)
    vufo = make_org("VUFO", by=admin)
    return World(
        admin=admin,
        mofa=mofa,
        vufo=vufo,
        mofa_editor=make_user("mofa.editor", org=mofa, role=Role.EDITOR, clearance=Classification.RESTRICTED),
        mofa_reader=make_user("mofa.reader", org=mofa, clearance=Classification.RESTRICTED),
        vufo_reader=make_user("vufo.reader", org=vufo, clearance=Classification.RESTRICTED),
    )
