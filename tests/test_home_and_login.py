"""The signed-in shell: login, home page, roles, navigation by role, lockout, headers."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, UserFactory, region


def test_login_with_the_form_leads_home(client, coordinator):
    response = client.post(reverse("login"), {"username": coordinator.username, "password": "secret-password-1"})
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("home")


def test_a_wrong_password_is_refused_with_a_message(client, coordinator):
    response = client.post(reverse("login"), {"username": coordinator.username, "password": "wrong"})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode() or "alert-danger" in response.content.decode()


def test_five_failed_logins_lock_the_account(client, coordinator):
    for _ in range(5):
        client.post(reverse("login"), {"username": coordinator.username, "password": "wrong"})
    response = client.post(reverse("login"), {"username": coordinator.username, "password": "secret-password-1"})
    assert response.status_code == 429
    assert "Konto gesperrt" in response.content.decode()


def test_home_shows_the_name_and_the_roles(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("home")).content.decode()
    assert coordinator.get_full_name() in page
    assert "Regionaler Koordinator" in page
    assert "Oberwallis" in page


def test_an_ended_membership_is_no_role_any_more(client, db):
    user = UserFactory(username="left")
    MembershipFactory(user=user, role="regional_coordinator", region=region("uw"), ends_on=datetime.date(2025, 1, 31))
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "Unterwallis" not in page
    assert "Sie haben zurzeit keine Rolle." in page


def test_administration_is_in_the_menu_only_for_the_officer(client, officer, coordinator):
    client.force_login(officer)
    assert reverse("admin:index") in client.get(reverse("home")).content.decode()
    client.force_login(coordinator)
    assert reverse("admin:index") not in client.get(reverse("home")).content.decode()


def test_the_main_navigation_keeps_to_six_entries_and_reference_pages_are_in_the_user_menu(client, officer):
    from cases.context_processors import case_menu, case_navigation
    from roles.access import account_menu, account_navigation

    labels = [str(item.label) for item in account_navigation(officer, "/") + case_navigation(officer, "/")]
    assert labels == ["Startseite", "Fälle", "Meine Aufgaben", "Fall melden", "Druckliste", "Dashboard"]
    assert [url for _label, url in case_menu(officer) + account_menu(officer)] == [
        reverse("cases:process"),
        reverse("cases:calendar"),
        reverse("cases:employers"),
        reverse("cases:locked_logins"),
        reverse("cases:retention"),
        reverse("cases:commission"),
        reverse("cases:fund"),
        reverse("cases:invoices"),
        reverse("cases:conferences"),
        reverse("admin:index"),
    ]
    client.force_login(officer)
    page = client.get(reverse("home")).content.decode()
    menu = page[page.index("dropdown-menu") :]
    assert reverse("cases:process") in menu and reverse("admin:index") in menu
    assert reverse("cases:retention") in menu and reverse("cases:locked_logins") in menu


def test_the_officer_manages_memberships_in_the_admin(client, officer, coordinator):
    from django.core.management import call_command

    call_command("seed_demo", quiet_logins=True)
    from roles.models import User

    demo_officer = User.objects.get(username="officer")
    client.force_login(demo_officer)
    assert client.get(reverse("admin:roles_membership_changelist")).status_code == 200
    assert client.get(reverse("admin:roles_user_change", args=[coordinator.pk])).status_code == 200
    client.force_login(coordinator)
    assert client.get(reverse("admin:index")).status_code == 302


def test_pages_send_security_headers(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("home"))
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_home_page_runs_a_fixed_number_of_queries(client, coordinator, django_assert_max_num_queries):
    for code in ("mw", "uw"):
        MembershipFactory(user=coordinator, role="regional_coordinator", region=region(code))
    client.force_login(coordinator)
    # session, user, memberships, My tasks (n) in the navigation (one query)
    with django_assert_max_num_queries(4):
        assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize(
    "role, units, field",
    [
        ("regional_coordinator", {}, "region"),
        ("contact_person", {"region": "ow"}, "institution"),
        ("officer", {"region": "ow"}, "region"),
    ],
)
def test_a_membership_must_match_its_role(db, role, units, field):
    from django.core.exceptions import ValidationError

    from roles.models import Membership

    user = UserFactory()
    membership = Membership(user=user, role=role, **{k: region(v) for k, v in units.items()})
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert field in error.value.message_dict


def test_the_database_refuses_a_coordinator_without_region(db):
    from django.db import IntegrityError, transaction

    from roles.models import Membership

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=UserFactory(), role="regional_coordinator")
