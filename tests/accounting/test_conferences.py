"""Conferences: the secretariat or the officer organises one, the staff of the institutions
register themselves (or are registered), a full conference takes nobody more, and the
organisers print the list of participants."""

import datetime

import pytest
from django.urls import reverse

from cases import conferences
from cases.flow.policy import ActionRefused
from cases.models import AccountingEntry, Conference, Registration
from tests.helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def conference(secretariat):
    return conferences.save_conference(
        Conference(title="IIZ-Tagung 2026", held_on=datetime.date(2026, 11, 12), place="Visp, La Poste", capacity=2),
        by=secretariat,
    )


def test_the_staff_of_an_institution_register_themselves_until_it_is_full(conference, contact_person, frontline, case_manager):
    conferences.register(conference, by=contact_person)
    with pytest.raises(ActionRefused, match="bereits angemeldet"):
        conferences.register(conference, by=contact_person)
    conferences.register(conference, by=frontline)
    with pytest.raises(ActionRefused, match="ausgebucht"):
        conferences.register(conference, by=case_manager)
    conferences.unregister(conference, by=frontline)
    conferences.register(conference, by=case_manager)
    assert set(conference.registrations.values_list("participant__username", flat=True)) == {"carl-contact", "cora-cm"}
    assert AccountingEntry.objects.filter(event="registered").count() == 3


@pytest.mark.parametrize("role", ["legal", "steering", "outsider", "coordinator"])
def test_users_of_no_institution_do_not_register(request, conference, role):
    with pytest.raises(ActionRefused) as refusal:
        conferences.register(conference, by=request.getfixturevalue(role))
    assert refusal.value.forbidden


def test_only_the_organisers_register_someone_else(conference, secretariat, contact_person, frontline):
    with pytest.raises(ActionRefused) as refusal:
        conferences.register(conference, by=contact_person, participant=frontline)
    assert refusal.value.forbidden
    registration = conferences.register(conference, by=secretariat, participant=frontline)
    assert registration.registered_by == secretariat


def test_organising_is_for_the_secretariat_and_the_officer(contact_person, officer):
    new = Conference(title="Runder Tisch der Dispositive", held_on=datetime.date(2026, 5, 4), place="Sion")
    with pytest.raises(ActionRefused) as refusal:
        conferences.save_conference(new, by=contact_person)
    assert refusal.value.forbidden
    assert conferences.save_conference(new, by=officer).created_by == officer


def test_the_pages_and_the_list_of_participants(client, conference, secretariat, contact_person, legal):
    client.force_login(contact_person)
    assert "IIZ-Tagung 2026" in client.get(reverse("cases:conferences")).content.decode()
    client.post(reverse("cases:conference_register", args=[conference.pk, "register"]))
    page = client.get(reverse("cases:conference", args=[conference.pk])).content.decode()
    assert "Sie sind angemeldet." in page and "participants.pdf" not in page
    assert client.get(reverse("cases:participants_pdf", args=[conference.pk])).status_code == 403
    client.force_login(legal)
    assert client.get(reverse("cases:conferences")).status_code == 403
    client.force_login(secretariat)
    response = client.post(
        reverse("cases:conferences"),
        {"title": "Jahrestagung", "held_on": "2026-09-01", "place": "Sitten", "description": "", "capacity": ""},
    )
    assert response.status_code == 302 and Conference.objects.filter(title="Jahrestagung").exists()
    words = " ".join(text(client.get(reverse("cases:participants_pdf", args=[conference.pk])).content).split())
    assert "IIZ-Tagung 2026" in words and str(contact_person) in words and "RAV" in words


@pytest.mark.parametrize("n", [1, 6])
def test_the_conference_pages_run_a_fixed_number_of_queries(client, secretariat, frontline, n, django_assert_num_queries):
    for i in range(n):
        c = conferences.save_conference(
            Conference(title=f"T{i}", held_on=datetime.date(2026, 6, 1 + i), place="Sion"), by=secretariat
        )
        conferences.register(c, by=secretariat, participant=frontline)
    client.force_login(secretariat)
    # The counts hold the session through the cache (cached_db): no query for it.
    with django_assert_num_queries(4):
        assert client.get(reverse("cases:conferences")).status_code == 200
    with django_assert_num_queries(5):  # "My tasks (n)" now from the figures' cache
        assert client.get(reverse("cases:conference", args=[c.pk])).status_code == 200
    assert Registration.objects.count() == n


def test_the_organisers_register_and_unregister_someone_else_on_the_page(client, conference, secretariat, frontline):
    client.force_login(secretariat)
    url = reverse("cases:conference_register", args=[conference.pk, "register"])
    client.post(url, {"participant": frontline.pk})
    page = client.get(reverse("cases:conference", args=[conference.pk])).content.decode()
    assert str(frontline) in page and "angemeldet von" in page
    client.post(reverse("cases:conference_register", args=[conference.pk, "unregister"]), {"participant": frontline.pk})
    assert not conference.registrations.exists()
    assert client.post(reverse("cases:conference_register", args=[conference.pk, "other"])).status_code == 404


def test_a_contact_person_registers_nobody_else_on_the_page(client, conference, contact_person, frontline):
    client.force_login(contact_person)
    url = reverse("cases:conference_register", args=[conference.pk, "register"])
    assert client.post(url, {"participant": frontline.pk}).status_code == 403
    assert not conference.registrations.exists()
