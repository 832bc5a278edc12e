"""Builders for coordination tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from liaison.accounts.models import User
from liaison.coordination import services
from liaison.coordination.models import Agreement, SharingRule
from liaison.core.audit import acting_as
from liaison.core.testing import make_superuser
from liaison.directory.models import Organisation

_counter = itertools.count(1)


def _root() -> User:
    return User.objects.filter(is_superuser=True).first() or make_superuser(f"croot{next(_counter)}")


def make_agreement(
    *parties: Organisation,
    owner: Organisation | None = None,
    starts_on: dt.date = dt.date(2020, 1, 1),
    by: User | None = None,
    **extra: Any,
) -> Agreement:
    by = by or _root()
    with acting_as(by, via="test"):
        return services.create_agreement(
            by=by,
            data=services.AgreementInput(
                kind=extra.pop("kind", "agreement"),
                owner=owner or parties[0],
                parties=list(parties),
                starts_on=starts_on,
                title_en=extra.pop("title_en", f"Agreement {next(_counter)}"),
                **extra,
            ),
        )


def make_rule(
    agreement: Agreement, *, recipient: Organisation, by: User | None = None, **extra: Any
) -> SharingRule:
    by = by or _root()
    with acting_as(by, via="test"):
        return services.add_rule(
            by=by, agreement=agreement, data=services.RuleInput(recipient=recipient, **extra)
        )
