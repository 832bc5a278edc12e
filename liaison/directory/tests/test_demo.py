"""The demo Directory: real facts from the seed articles, loaded idempotently."""

import datetime as dt

from django.test import TestCase

from liaison.accounts.demo import ensure_demo_users
from liaison.core.name_index import lookup
from liaison.directory.demo import load_demo_directory
from liaison.directory.models import Locality, Organisation, Person
from liaison.directory.selectors import holders_on


class DemoDirectoryTests(TestCase):
    """The demo is loaded once for the class (setUpTestData) and rolled back after it."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.users = ensure_demo_users(password="demo-password-1")
        cls.counts = load_demo_directory(by=cls.users["admin"])

    def test_loading_the_demo_twice_changes_nothing(self) -> None:
        self.assertEqual(load_demo_directory(by=self.users["admin"]), self.counts)

    def test_phan_anh_son_is_found_from_the_spelling_the_article_did_not_use(self) -> None:
        # given the article's spellings فان آنه سون and فان آن سون, when searching the second
        matches = lookup(kind="person", query="فان آن سون")
        person = Person.objects.get(pk=matches[0].key)
        # then it is Phan Anh Sơn, who holds positions at VUFO
        self.assertEqual(person.sort_name, "Phan Anh Sơn")
        self.assertTrue(person.positions.filter(organisation__external_key="seed:vufo").exists())

    def test_every_spelling_in_the_articles_is_stored_as_a_name(self) -> None:
        quang = Person.objects.get(sort_name="Trần Lưu Quang")
        values = set(quang.names.values_list("value", flat=True))
        self.assertTrue(any("كوانج" in v for v in values))
        self.assertTrue(any("كوانغ" in v for v in values))

    def test_the_2025_merger_maps_each_old_province_to_one_successor(self) -> None:
        old = Locality.objects.filter(country__code="VN", valid_to=dt.date(2025, 6, 30))
        new = Locality.objects.filter(country__code="VN", valid_from=dt.date(2025, 7, 1))
        self.assertEqual(old.count(), 63)
        self.assertEqual(new.count(), 34)
        self.assertTrue(all(loc.successors.count() == 1 for loc in old))

    def test_the_minister_of_foreign_affairs_on_19_december_2023_is_bui_thanh_son(self) -> None:
        held = holders_on(self.users["admin"], day=dt.date(2023, 12, 19), title="Minister of Foreign Affairs")
        self.assertIn("Bùi Thanh Sơn", {p.person.sort_name for p in held})

    def test_provincial_units_exist_for_old_and_new_provinces(self) -> None:
        self.assertGreaterEqual(Organisation.objects.filter(external_key__startswith="prov:").count(), 2 * 96)
