"""The one scoping rule (cases/flow/scope.py): its queryset and its predicates agree.

For every demo user and every demo case (``seed_demo``, with a deputy and a shared case
added), ``Case.objects.visible_to(user)`` holds the case exactly when ``sees_case`` says so;
the SQL filters of the reminders and My tasks (``managed_q``, ``coordinated_q``) agree with
``manages`` and ``is_responsible_coordinator``; moving a case to another region moves its
scope.
"""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from cases.flow import scope
from cases.flow.grants import DEPUTY, SHARED
from cases.models import Case, CaseGrant
from roles.models import Role, User
from tests.factories import region
from tests.helpers import fresh


@pytest.fixture
def granted(demo, db):
    """A deputy case manager and a case shared with a front-line worker, as the coordinator
    would give them."""
    contact = User.objects.filter(memberships__role=Role.CONTACT_PERSON).exclude(managed_cases__isnull=False).first()
    reader = User.objects.filter(memberships__role=Role.FRONTLINE).first()
    cases = list(Case.objects.exclude(case_manager=None).order_by("pk")[:2])
    case_type = ContentType.objects.get_for_model(Case)
    for user, case, codename in ((contact, cases[0], DEPUTY), (reader, cases[1], SHARED)):
        CaseGrant.objects.create(
            user=user,
            content_object=case,
            permission=Permission.objects.get(codename=codename, content_type=case_type),
            valid_until=timezone.localdate() + datetime.timedelta(days=10),
            reason="Vertretung",
            granted_by=case.coordinator or user,
        )
    return contact, reader


def test_visible_to_and_sees_case_agree_for_every_demo_user_and_case(granted):
    cases = list(Case.objects.prefetch_related("institutions").order_by("pk"))
    assert len(cases) >= 50
    disagreements = []
    seen_by_someone = set()
    for user in User.objects.order_by("username"):
        user = fresh(user)
        visible = set(Case.objects.visible_to(user).values_list("pk", flat=True))
        seen_by_someone |= visible
        for case in cases:
            if (case.pk in visible) != bool(scope.sees_case.test(user, case)):
                disagreements.append((user.username, case.reference, case.pk in visible))
    assert disagreements == []
    assert seen_by_someone == {case.pk for case in cases}


def test_the_reminders_sql_filters_agree_with_the_predicates(granted):
    cases = list(Case.objects.order_by("pk"))
    disagreements = []
    for user in User.objects.order_by("username"):
        user = fresh(user)
        managed = set(Case.objects.filter(scope.managed_q(user)).values_list("pk", flat=True))
        coordinated = set(Case.objects.filter(scope.coordinated_q(user)).values_list("pk", flat=True))
        for case in cases:
            if (case.pk in managed) != bool(scope.manages.test(user, case)):
                disagreements.append(("manages", user.username, case.reference))
            if (case.pk in coordinated) != scope.is_responsible_coordinator(user, case):
                disagreements.append(("coordinates", user.username, case.reference))
    assert disagreements == []
    deputy, _reader = granted
    assert any(scope.manages.test(fresh(deputy), case) for case in cases), "the deputy manages the granted case"


def test_moving_a_case_to_another_region_moves_its_scope(demo, db):
    case = Case.objects.filter(region__code="ow", theme=None, state="implementation").first()
    before = {u.username for u in User.objects.all() if Case.objects.visible_to(fresh(u)).filter(pk=case.pk).exists()}
    assert "coordinator-ow" in before and "coordinator-uw" not in before
    Case.objects.filter(pk=case.pk).update(region=region("uw"))
    after = {u.username for u in User.objects.all() if Case.objects.visible_to(fresh(u)).filter(pk=case.pk).exists()}
    assert "coordinator-uw" in after and "coordinator-ow" not in after
    assert "officer" in after and "secretariat" in after
