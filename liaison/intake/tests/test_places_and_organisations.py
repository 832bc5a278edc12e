"""Organisations and places: Directory names with clitics, the unit valid on the date, unknown ones."""

import datetime as dt

from liaison.intake.tests.helpers import extract, of


def _found(text, kind, **kw):
    return [(p.surface, p.value["entry"]) for p in of(extract(text, **kw), kind)]


def test_organisation_names_with_attached_prepositions_span_the_name_only():
    text = "أمين لجنة الحزب بوزارة الخارجية والتنسيق مع اتحاد منظمات الصداقة الفيتنامية وللجنة المركزية."
    assert _found(text, "organisation") == [
        ("لجنة الحزب بوزارة الخارجية", "mofa-party-committee"),
        ("اتحاد منظمات الصداقة الفيتنامية", "vufo"),
        ("لجنة المركزية", "cpv-cc"),
    ]


def test_generic_names_are_not_organisations():
    # "the Party", "the Government", and the Standing Secretariat standing in for a person.
    assert _found("قرر الحزب والحكومة ذلك، وأكدت الأمانة الدائمة أهمية العمل.", "organisation") == []


def test_an_unknown_but_specific_organisation_is_proposed_as_new_and_stops_at_the_clause():
    found = of(extract("وقعت جمعية الصداقة الفيتنامية المصرية مذكرة تفاهم."), "organisation")
    assert [(p.surface, p.value["new"]) for p in found] == [("جمعية الصداقة الفيتنامية المصرية", True)]


def test_a_province_is_the_unit_valid_on_the_documents_date():
    before = _found("زار الوفد ها تينه.", "place", date=dt.date(2023, 12, 1))
    after = _found("زار الوفد ها تينه.", "place", date=dt.date(2025, 9, 1))
    assert before == [("ها تينه", "locality:42")]
    assert after == [("ها تينه", "locality:N-42")]


def test_countries_regions_and_foreign_localities():
    text = "التعاون مع مقاطعة خاموان وعاصمة فيينتيان في لاوس، ووفود إلى أوروبا واليابان والصين."
    assert _found(text, "place") == [
        ("مقاطعة خاموان", "locality:LA-KH"),
        ("عاصمة فيينتيان", "locality:LA-VT"),
        ("لاوس", "country:LA"),
        ("أوروبا", None),
        ("اليابان", "country:JP"),
        ("الصين", "country:CN"),
    ]


def test_an_unknown_industrial_zone_is_a_new_place_but_a_bare_area_is_not():
    found = of(extract("في منطقة باك ثاتش ها الصناعية وفي منطقة واسعة."), "place")
    assert [(p.surface, p.value["kind"], p.value["new"]) for p in found] == [
        ("منطقة باك ثاتش ها الصناعية", "industrial_zone", True)
    ]


def test_a_country_named_inside_an_organisation_is_not_a_separate_place():
    assert _found("أكدت جبهة الوطن الأم الفيتنامية دعمها.", "place") == []
