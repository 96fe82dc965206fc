"""Fixtures of the legal commission's and the fund's tests."""

import datetime
from decimal import Decimal

import pytest

from tests.conftest import make_member
from tests.factories import institution


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def legal_ai(db):
    """A member of the commission who comes from the disability insurance (AI)."""
    return make_member("lia-legal-ai", "legal", institution=institution("ai"))


@pytest.fixture
def case_in_progress(make_case):
    return make_case("implementation")


@pytest.fixture
def submit(case_manager):
    """submit(case, **fields): a pre-financing request of CHF 5000 by the case manager, for
    the first measure of the plan (the AI expected to pay later), unless ``fields`` say otherwise."""
    from cases.commission import actions

    def make(case, *, by=None, **fields):
        measure = case.plans.order_by("-version").first().measures.first()
        values = {
            "kind": "pre_financing",
            "amount": Decimal("5000"),
            "justification": "Die Massnahme beginnt vor dem Entscheid der IV.",
            "measure": measure,
            "paying_institution": institution("ai"),
        }
        values.update(fields)
        return actions.request_funding(case, by=by or case_manager, **values)

    return make


@pytest.fixture
def sitting(officer):
    from cases.commission import actions

    return actions.schedule_sitting(by=officer, held_on=datetime.date.today() + datetime.timedelta(days=7), place="Sitten")


@pytest.fixture
def budget(officer):
    from cases.commission import actions

    return actions.set_budget(by=officer, year=(datetime.date.today() + datetime.timedelta(days=7)).year, budget=Decimal("20000"))


def chf(value) -> str:
    """An amount as the pages show it (the active language's number format)."""
    from django.utils import formats

    return formats.localize(Decimal(value), use_l10n=True)
