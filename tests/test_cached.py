"""The figures' cache (cases/cached.py): a write to the cases or roles tables makes every
cached value stale; reading a page (which writes the access log) does not."""

import pytest
from django.contrib.auth.models import update_last_login
from django.test import RequestFactory

from cases import cached
from cases.audit.access import log_access
from cases.models import Case
from tests.helpers import person


@pytest.mark.django_db
def test_a_write_to_a_person_starts_a_new_generation_and_a_read_does_not(officer):
    before = cached.generation()
    person().save()  # a row of the cases app
    after_write = cached.generation()
    assert after_write > before
    request = RequestFactory().get("/")
    request.user = officer
    log_access(request, None, detail="the case list")
    assert cached.generation() == after_write


@pytest.mark.django_db
def test_remember_computes_once_per_generation(officer):
    calls = []

    def compute():
        calls.append(1)
        return {"open": len(calls)}

    assert cached.remember("test", ("a",), compute) == {"open": 1}
    assert cached.remember("test", ("a",), compute) == {"open": 1}
    assert cached.remember("test", ("b",), compute) == {"open": 2}  # other parts, other value
    officer.first_name = "Alicia"
    officer.save()  # the roles app: a new generation
    assert cached.remember("test", ("a",), compute) == {"open": 3}
    assert len(calls) == 3


@pytest.mark.django_db
def test_the_scope_key_is_the_same_for_the_same_cases_only(officer, coordinator):
    everything = cached.scope_key(Case.objects.visible_to(officer))
    assert everything == cached.scope_key(Case.objects.all().order_by("-pk"))
    assert everything != cached.scope_key(Case.objects.visible_to(coordinator))
    assert everything != cached.scope_key(Case.objects.filter(state="reported"))


@pytest.mark.django_db
def test_a_login_keeps_the_generation(officer):
    before = cached.generation()
    officer.first_name = "Alicia"
    officer.save()
    after_change = cached.generation()
    assert after_change > before  # a real change of the roles tables
    update_last_login(None, officer)  # what Django runs on every login
    assert cached.generation() == after_change
