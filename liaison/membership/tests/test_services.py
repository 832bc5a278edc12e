"""Branches, members, dossiers: validation, permissions, privacy and the audit."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from pypdf import PdfWriter

from liaison.core import access, name_index
from liaison.core.access import Role
from liaison.core.models import AuditAction, AuditEvent, Classification, StaleRecordError
from liaison.core.testing import make_org, make_user
from liaison.membership import dossiers, services
from liaison.membership.models import DossierStatus, EventKind, Member
from liaison.membership.testing import country, make_member, make_officer

pytestmark = pytest.mark.django_db
D = dt.date


def pdf(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_new_member_is_restricted_placed_indexed_and_has_a_dossier_to_digitise(register):
    member = make_member("Nguyễn Văn An", branch=register.hanoi, register_number="HN-1")
    assert member.classification == Classification.RESTRICTED
    assert member.owner_id == register.hanoi.pk and member.branch == register.hanoi
    assert member.dossier.status == DossierStatus.NOT_STARTED
    assert [m.key for m in name_index.lookup(kind=services.NAME_KIND, query="Nguyen Van An")] == [member.pk]
    register.hanoi.refresh_from_db()
    assert register.hanoi.member_count == 1


def test_privacy_the_branch_and_the_committees_above_see_a_member_nobody_else(register):
    member = make_member(branch=register.hanoi)
    assert access.can_read(make_officer(register.hanoi, role=Role.VIEWER), member)
    assert access.can_read(make_officer(register.home, role=Role.VIEWER), member)
    assert not access.can_read(make_officer(register.hue, role=Role.ADMINISTRATOR), member)
    assert not access.can_read(make_officer(register.abroad, role=Role.ADMINISTRATOR), member)
    internal_only = make_user(
        org=register.hanoi.organisation, role=Role.EDITOR, clearance=Classification.INTERNAL
    )
    assert not access.can_read(internal_only, member)
    assert not access.visible(make_user(org=make_org("Ministry")), Member.objects.all()).exists()


def test_an_officer_cannot_create_members_in_another_branch(register):
    with pytest.raises(PermissionDenied):
        make_member(branch=register.hue, by=make_officer(register.hanoi))
    assert not Member.objects.exists()


def test_identity_is_validated_by_field_and_nothing_is_saved(register):
    make_member(branch=register.hanoi, register_number="HN-1")
    with pytest.raises(ValidationError) as error:
        make_member(branch=register.hanoi, register_number="HN-1")
    assert "register_number" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_member(branch=register.hanoi, joined_on=D.today() + dt.timedelta(days=3))
    assert "joined_on" in error.value.message_dict
    assert Member.objects.count() == 1


def test_a_joining_date_after_a_status_change_is_refused(register):
    member = make_member(branch=register.hanoi, joined_on=D(2010, 1, 1))
    services.record_event(by=register.root, member=member, kind=EventKind.SUSPENDED, on=D(2015, 1, 1))
    member.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.update_member(
            by=register.root, member=member, version=member.version, changes={"joined_on": D(2016, 1, 1)}
        )
    assert "first change of status" in error.value.message_dict["joined_on"][0]
    member.refresh_from_db()
    assert member.joined_on == D(2010, 1, 1)


def test_moving_the_joining_date_moves_the_first_placement_and_event(register):
    member = make_member(branch=register.hanoi, joined_on=D(2010, 1, 1))
    services.update_member(
        by=register.root, member=member, version=member.version, changes={"joined_on": D(2009, 5, 1)}
    )
    assert member.placements.get().start == D(2009, 5, 1)
    assert member.events.get(kind=EventKind.JOINED).on == D(2009, 5, 1)


def test_a_stale_edit_is_refused(register):
    member = make_member(branch=register.hanoi)
    services.update_member(
        by=register.root, member=member, version=member.version, changes={"languages": "fr"}
    )
    with pytest.raises(StaleRecordError):
        services.update_member(by=register.root, member=member, version=1, changes={"languages": "ar"})


def test_renaming_reindexes_the_member(register):
    member = make_member("Lê Văn Bình", branch=register.hanoi)
    services.update_member(
        by=register.root,
        member=member,
        version=member.version,
        changes={
            "names": [services.NameInput("Lê Văn Bình", "vi"), services.NameInput("ليه فان بينه", "ar")]
        },
    )
    assert member.names.count() == 2
    assert [m.key for m in name_index.lookup(kind=services.NAME_KIND, query="ليه فان بينه")] == [member.pk]


def test_a_branch_abroad_sits_in_a_mission_and_a_home_branch_cannot(register):
    assert register.paris.abroad and not register.hanoi.abroad
    with pytest.raises(ValidationError) as error:
        services.update_branch(
            by=register.root,
            branch=register.hanoi,
            version=register.hanoi.version,
            changes={"mission": register.mission},
        )
    assert "mission" in error.value.message_dict


def test_the_secretary_must_be_placed_in_the_branch(register):
    elsewhere = make_member(branch=register.hue)
    with pytest.raises(ValidationError) as error:
        services.update_branch(
            by=register.root,
            branch=register.hanoi,
            version=register.hanoi.version,
            changes={"secretary": elsewhere},
        )
    assert "secretary" in error.value.message_dict
    here = make_member(branch=register.hanoi)
    branch = services.update_branch(
        by=register.root, branch=register.hanoi, version=register.hanoi.version, changes={"secretary": here}
    )
    assert branch.secretary == here


def test_a_dossier_takes_pdf_pages_counts_them_and_refuses_other_files(register):
    member = make_member(branch=register.hanoi)
    item = dossiers.add_file(by=register.root, member=member, upload=SimpleUploadedFile("scan.pdf", pdf(3)))
    assert (item.pages, item.content_type, len(item.sha256)) == (3, "application/pdf", 64)
    member.dossier.refresh_from_db()
    assert (member.dossier.status, member.dossier.page_count) == (DossierStatus.IN_PROGRESS, 3)
    with pytest.raises(ValidationError) as error:
        dossiers.add_file(
            by=register.root, member=member, upload=SimpleUploadedFile("notes.pdf", b"just text")
        )
    assert "PDF or an image" in error.value.message_dict["file"][0]
    with pytest.raises(ValidationError):
        dossiers.add_file(by=register.root, member=member, upload=SimpleUploadedFile("again.pdf", pdf(3)))
    assert member.dossier.files.count() == 1


@override_settings(LIAISON_DOSSIER_MAX_BYTES=100)
def test_a_dossier_file_over_the_limit_is_refused(register):
    member = make_member(branch=register.hanoi)
    with pytest.raises(ValidationError) as error:
        dossiers.add_file(
            by=register.root,
            member=member,
            upload=SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * 200),
        )
    assert "limit" in error.value.message_dict["file"][0]
    assert not member.dossier.files.exists()


def test_digitised_needs_pages_and_every_view_is_audited(register):
    member = make_member(branch=register.hanoi)
    officer = make_officer(register.hanoi)
    with pytest.raises(ValidationError):
        dossiers.mark_digitised(by=officer, member=member, on=D(2025, 1, 1))
    dossiers.add_file(by=officer, member=member, upload=SimpleUploadedFile("p1.jpg", b"\xff\xd8\xff\xe0rest"))
    dossier = dossiers.mark_digitised(by=officer, member=member, on=D(2025, 1, 1))
    assert dossier.status == DossierStatus.DIGITISED
    dossiers.record_view(user=officer, member=member)
    views = AuditEvent.objects.filter(action=AuditAction.VIEW)
    assert views.count() == 1 and views.get().actor == officer
    assert views.get().subject_id == str(member.pk)


def test_a_branch_is_abroad_when_its_organisation_moves_abroad_in_the_directory(register):
    from liaison.directory import services as directory

    org = register.hue.organisation
    directory.update_organisation(
        by=register.root, organisation=org, version=org.version, changes={"country": country("LA")}
    )
    register.hue.refresh_from_db()
    assert register.hue.abroad
