"""Shared template helpers: the countries' menu in the reader's language, cached."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from liaison.directory.models import Country
from liaison.directory.reference import load_countries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _countries():
    load_countries()  # a browser test run before in this process may have emptied the tables


MENU = Template("{% load liaison %}{% country_options selected %}")


def _menu(language, selected=""):
    with translation.override(language):
        return MENU.render(Context({"selected": selected}))


def test_the_countries_menu_speaks_the_readers_language_and_marks_the_choice():
    english, arabic, vietnamese = _menu("en", "vn"), _menu("ar", "VN"), _menu("vi")
    assert '<option value="VN" selected>Vietnam</option>' in english
    assert '<option value="VN" selected>الفيتنام</option>' in arabic
    assert '<option value="VN">Việt Nam</option>' in vietnamese
    assert english.count("<option") == Country.objects.count() == arabic.count("<option")
    assert english.count(" selected") == 1 and vietnamese.count(" selected") == 0
    # in the order of the names as the reader reads them
    names = [line.split(">")[1].split("<")[0] for line in vietnamese.split("</option>")[:-1]]
    assert names.index("Trung Quốc") > names.index("Hoà Lan")  # China before the Netherlands in English


def test_the_menu_is_read_once_and_names_are_escaped():
    _menu("en")
    with CaptureQueriesContext(connection) as ctx:
        _menu("en", "FR")
    assert len(ctx.captured_queries) == 0
    Country.objects.create(code="XX", alpha3="XXX", name_en="<b>Nowhere</b>", name_vi="", name_ar="")
    from django.core.cache import cache

    cache.clear()
    html = _menu("vi")
    assert "&lt;b&gt;Nowhere&lt;/b&gt;" in html and "<b>" not in html  # and no Vietnamese name: English
