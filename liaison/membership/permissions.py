"""Looking membership records up for a user, through the one access policy.

Members are owned records (restricted by default): their branch's officers and the committees
above read them; a branch receiving or hosting them reads them too (`shared_with`). Everything
about a member (names, postings, placements, transfers, events, dossier) is read by whoever reads
the member. A branch is read by whoever reads its organisation. Hidden answers 404, as missing.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from liaison.core import access
from liaison.core.access import Action
from liaison.directory.models import Organisation
from liaison.membership.models import Branch, DossierFile, Member, Posting, Transfer, TransferDocument


def _int(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404 from None


def get_member_for_user(user: Any, pk: Any, *, action: Action = Action.READ, request: Any = None) -> Member:
    queryset = Member.objects.select_related(
        "owner", "branch__organisation", "attached_to__organisation", "posting__country", "posting__mission"
    )
    member: Member = access.get_for_user(user, queryset, _int(pk), action=action, request=request)
    return member


def get_branch_for_user(user: Any, pk: Any, *, action: Action = Action.READ, request: Any = None) -> Branch:
    organisation = access.get_for_user(
        user, Organisation.objects.all(), _int(pk), action=action, request=request
    )
    branch = Branch.objects.select_related(
        "organisation", "organisation__country", "mission", "secretary"
    ).filter(pk=organisation.pk)
    found: Branch | None = branch.first()
    if found is None:
        raise Http404
    return found


def get_transfer_for_user(user: Any, pk: Any, *, request: Any = None) -> Transfer:
    transfer = (
        Transfer.objects.select_related("member", "from_branch__organisation", "to_branch__organisation")
        .filter(pk=_int(pk))
        .first()
    )
    if transfer is None:
        raise Http404
    get_member_for_user(user, transfer.member_id, request=request)
    found: Transfer = transfer
    return found


def get_posting_for_user(user: Any, pk: Any, *, request: Any = None) -> Posting:
    posting = Posting.objects.select_related("member", "country", "mission").filter(pk=_int(pk)).first()
    if posting is None:
        raise Http404
    get_member_for_user(user, posting.member_id, request=request)
    found: Posting = posting
    return found


def get_dossier_file_for_user(user: Any, pk: Any, *, request: Any = None) -> DossierFile:
    item = DossierFile.objects.select_related("dossier__member").filter(pk=_int(pk)).first()
    if item is None:
        raise Http404
    get_member_for_user(user, item.dossier.member_id, request=request)
    found: DossierFile = item
    return found


def get_transfer_document_for_user(user: Any, pk: Any, *, request: Any = None) -> TransferDocument:
    item = TransferDocument.objects.select_related("transfer__member").filter(pk=_int(pk)).first()
    if item is None:
        raise Http404
    get_member_for_user(user, item.transfer.member_id, request=request)
    found: TransferDocument = item
    return found
