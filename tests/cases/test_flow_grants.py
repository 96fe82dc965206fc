"""Per-case grants (cases/flow/grants.py; actions.grant_access and revoke_access): a deputy
case manager during an absence, a case shared with a named person; time-limited, given and
revoked by the coordinator, on record."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from cases import actions
from cases.actions import ActionRefused
from cases.flow.grants import DEPUTY, SHARED
from cases.flow.machine import available_steps
from cases.models import Case, CaseGrant, JournalEntry
from tests.helpers import fresh, journal_texts

pytestmark = pytest.mark.django_db


def test_a_deputy_sees_the_case_and_acts_as_case_manager_until_the_end_date(make_case, coordinator, deputy):
    case = make_case("implementation")
    assert not Case.objects.visible_to(fresh(deputy)).filter(pk=case.pk).exists()
    until = datetime.date.today() + datetime.timedelta(days=14)
    actions.grant_access(case, by=coordinator, user=deputy, permission=DEPUTY, valid_until=until, reason="Ferien der CM")
    assert Case.objects.visible_to(fresh(deputy)).filter(pk=case.pk).exists()
    assert "change_plan" in {a.name for a in available_steps(case, fresh(deputy))}
    assert any("dora-deputy" in text or str(deputy) in text for text in journal_texts(case))
    with time_machine.travel(until + datetime.timedelta(days=1)):
        assert not Case.objects.visible_to(fresh(deputy)).filter(pk=case.pk).exists()


def test_a_shared_case_can_be_read_but_not_worked_on(client, make_case, coordinator, deputy):
    case = make_case("implementation")
    actions.grant_access(
        case,
        by=coordinator,
        user=deputy,
        permission=SHARED,
        valid_until=datetime.date.today() + datetime.timedelta(days=30),
        reason="Beratung IV",
    )
    client.force_login(deputy)
    assert client.get(case.get_absolute_url()).status_code == 200
    assert available_steps(case, fresh(deputy)) == []
    # not even a note in the journal (the policy: a read-only grant writes nothing)
    url = reverse("cases:new_journal_entry", args=[case.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"kind": "note", "text": "Notiz"}).status_code == 403
    assert not JournalEntry.objects.filter(case=case, author=deputy).exists()
    with pytest.raises(ActionRefused):
        actions.add_journal_entry(case, by=fresh(deputy), kind="note", text="Notiz")


def test_revoking_ends_the_access_and_is_on_record(make_case, coordinator, deputy):
    case = make_case("implementation")
    grant = actions.grant_access(
        case,
        by=coordinator,
        user=deputy,
        permission=SHARED,
        valid_until=datetime.date.today() + datetime.timedelta(days=30),
        reason="x",
    )
    actions.revoke_access(case, by=coordinator, grant_id=grant.pk)
    assert not CaseGrant.objects.exists()
    assert not Case.objects.visible_to(fresh(deputy)).filter(pk=case.pk).exists()
    assert JournalEntry.objects.filter(case=case, kind="record").count() >= 2


@pytest.mark.parametrize(
    "change, message",
    [
        ({"valid_until": datetime.date.today() + datetime.timedelta(days=400)}, "one year"),
        ({"valid_until": datetime.date.today() - datetime.timedelta(days=1)}, "one year"),
        ({"reason": " "}, "why"),
        ({"permission": "delete_case"}, "Unknown"),
    ],
)
def test_grants_are_checked(make_case, coordinator, deputy, change, message):
    from django.utils import translation

    case = make_case("implementation")
    args = {"user": deputy, "permission": SHARED, "valid_until": datetime.date.today(), "reason": "r", **change}
    with translation.override("en"), pytest.raises(ActionRefused, match=message):
        actions.grant_access(case, by=coordinator, **args)


def test_a_deputy_must_be_a_contact_person(make_case, coordinator, frontline):
    case = make_case("implementation")
    with pytest.raises(ActionRefused):
        actions.grant_access(
            case, by=coordinator, user=frontline, permission=DEPUTY, valid_until=datetime.date.today(), reason="x"
        )


def test_only_the_coordinator_or_officer_gives_access(make_case, case_manager, deputy, officer):
    case = make_case("implementation")
    with pytest.raises(ActionRefused) as refused:
        actions.grant_access(case, by=case_manager, user=deputy, permission=SHARED, valid_until=datetime.date.today(), reason="x")
    assert refused.value.forbidden
    actions.grant_access(case, by=officer, user=deputy, permission=SHARED, valid_until=datetime.date.today(), reason="x")


def test_a_user_with_a_grant_sees_the_case_in_the_list(client, make_case, coordinator, deputy):
    case = make_case("reported")
    actions.grant_access(case, by=coordinator, user=deputy, permission=SHARED, valid_until=datetime.date.today(), reason="x")
    client.force_login(deputy)
    assert [c.reference for c in client.get(reverse("cases:list")).context["page"].object_list] == [case.reference]
