"""The database resolver: Directory people, organisations and places, same keys as in memory."""

import datetime as dt

import pytest

from liaison.core.audit import acting_as
from liaison.core.testing import make_org, make_person, make_superuser
from liaison.directory import services
from liaison.directory.indexing import reindex_all
from liaison.intake.extraction import default_pipeline
from liaison.intake.extraction.resolve_db import DirectoryResolver

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory():
    admin = make_superuser("intake-admin")
    mofa = make_org(
        "Ministry of Foreign Affairs",
        by=admin,
        extra_names=[services.NameInput(value="وزارة الخارجية", language="ar")],
    )
    person = make_person(
        owner=mofa,
        by=admin,
        names=[
            services.NameInput(value="Bùi Thanh Sơn", language="vi"),
            services.NameInput(value="بوي ثانه سون", language="ar"),
        ],
    )
    with acting_as(admin, via="test"):
        services.add_position(
            by=admin,
            person=person,
            data=services.PositionInput(organisation=mofa, title_en="Minister of Foreign Affairs"),
        )
    reindex_all()
    return mofa, person


def test_a_person_with_a_title_is_resolved_to_the_directory_entry(directory):
    mofa, person = directory
    text = "وزير الخارجية بوي ثانه سون يتحدث في المؤتمر في هانوي في 19 ديسمبر."
    proposals = default_pipeline(DirectoryResolver()).run(text, date=dt.date(2023, 12, 19)).proposals
    people = [p for p in proposals if p.type == "person"]
    assert [(p.value["id"], p.value["titles"][0]["organisation"]) for p in people] == [
        (person.pk, f"organisation:{mofa.pk}")
    ]
    places = [p.value["entry"] for p in proposals if p.type == "place"]
    assert places == ["locality:01"]  # Hà Nội as it was in 2023


def test_a_variant_spelling_goes_through_the_name_index(directory):
    _, person = directory
    matches = DirectoryResolver().lookup("person", "بوي تان سون")
    assert matches and matches[0].entry.id == person.pk
