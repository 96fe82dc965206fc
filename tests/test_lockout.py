"""The login lock-out behind the reverse proxy: the real client address (X-Forwarded-For
believed only from IIZ_TRUSTED_PROXIES), username + address, a limit per address across
usernames, and the access log's address (issue 18 point 3)."""

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from cases.models import AccessLog
from iiz.config import ConfigError, load
from iiz.http import client_address
from tests.factories import UserFactory

PROXY = "10.0.0.2"
STRANGER = "198.51.100.7"
OFFICE = "203.0.113.20"
PASSWORD = "secret-password-1"

behind_the_proxy = override_settings(IIZ_TRUSTED_PROXIES=[PROXY])


def login(client, username, password, address, peer=PROXY):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=address
    )


@behind_the_proxy
def test_a_stranger_behind_the_proxy_does_not_lock_out_the_officer(client, officer):
    for _ in range(6):
        response = login(client, officer.username, "wrong", STRANGER)
    assert response.status_code == 429  # the stranger is locked out...
    response = login(client, officer.username, PASSWORD, OFFICE)
    assert response.status_code == 302  # ...the officer at the office is not
    assert response.headers["Location"] == reverse("home")


@behind_the_proxy
def test_the_lockout_page_tells_how_long_it_lasts_in_both_languages(client, officer):
    for _ in range(5):
        login(client, officer.username, "wrong", STRANGER)
    page = login(client, officer.username, PASSWORD, STRANGER).content.decode()
    assert "30 Minuten" in page
    client.cookies["django_language"] = "fr"
    page = client.post(
        reverse("login"),
        {"username": officer.username, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=STRANGER,
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()
    assert "30 minutes" in page


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(client, officer):
    # No trusted proxy configured: the header is the client's to write and is not believed,
    # so forging a new address for each try does not escape the lock.
    for number in range(5):
        login(client, officer.username, "wrong", f"192.0.2.{number}", peer=STRANGER)
    response = login(client, officer.username, PASSWORD, "192.0.2.99", peer=STRANGER)
    assert response.status_code == 429
    request = RequestFactory().get("/", REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_FOR=OFFICE)
    with override_settings(IIZ_TRUSTED_PROXIES=[PROXY]):
        assert client_address(request) == STRANGER


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        (PROXY, OFFICE, OFFICE),
        (PROXY, f"1.2.3.4, {OFFICE}", OFFICE),  # the left part is the client's to write
        (PROXY, f"{OFFICE}, 10.0.0.3", OFFICE),  # two trusted hops (10.0.0.0/24)
        (PROXY, "not-an-address", PROXY),
        (PROXY, "", PROXY),
        (STRANGER, OFFICE, STRANGER),
    ],
)
def test_the_client_address(peer, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(IIZ_TRUSTED_PROXIES=["10.0.0.0/24"]):
        assert client_address(request) == expected


@behind_the_proxy
@override_settings(IIZ_LOGIN_FAILURES_PER_ADDRESS=8)
def test_one_address_trying_many_usernames_is_locked(client, db):
    users = [UserFactory(username=f"user{n}") for n in range(5)]
    tries = [user.username for user in users[:4] for _ in range(2)]  # two each: under five per username
    answers = [login(client, username, "wrong", STRANGER).status_code for username in tries]
    assert answers == [200] * 7 + [429]  # the eighth failure from the address locks it
    # even the right password of a fifth user is refused from there
    assert login(client, users[4].username, PASSWORD, STRANGER).status_code == 429
    # the same user from another address signs in
    assert login(client, users[4].username, PASSWORD, OFFICE).status_code == 302


@behind_the_proxy
def test_the_access_log_records_the_forwarded_address(client, make_case, coordinator):
    case = make_case("implementation")
    client.force_login(coordinator)
    assert client.get(case.get_absolute_url(), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OFFICE).status_code == 200
    assert AccessLog.objects.latest("pk").address == OFFICE
    client.get(case.get_absolute_url(), REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_FOR=OFFICE)
    assert AccessLog.objects.latest("pk").address == STRANGER


def test_trusted_proxies_come_from_the_environment():
    assert load({"IIZ_TRUSTED_PROXIES": "10.0.0.2, 172.18.0.0/16"}).trusted_proxies == ["10.0.0.2", "172.18.0.0/16"]
    assert load({}).trusted_proxies == []
    with pytest.raises(ConfigError, match="IIZ_TRUSTED_PROXIES"):
        load({"IIZ_TRUSTED_PROXIES": "proxy.example"})


# --- the officer lifts a lock (cases/views/lockouts.py) -------------------------------------------


@behind_the_proxy
def test_the_officer_sees_a_locked_user_and_lifts_the_lock(client, officer, coordinator):
    from django.contrib.admin.models import LogEntry
    from django.test import Client

    for _ in range(5):
        login(client, coordinator.username, "wrong", OFFICE)
    assert login(client, coordinator.username, PASSWORD, OFFICE).status_code == 429

    desk = Client()
    desk.force_login(officer)
    page = desk.get(reverse("cases:locked_logins")).content.decode()
    assert coordinator.username in page and OFFICE in page
    response = desk.post(reverse("cases:unlock_login"), {"username": coordinator.username, "address": OFFICE})
    assert response.status_code == 302
    assert "Keine Anmeldung ist gesperrt." in desk.get(reverse("cases:locked_logins")).content.decode()
    entry = LogEntry.objects.get(object_id=str(coordinator.pk))
    assert entry.user == officer and "Login lock-out lifted" in entry.change_message

    assert login(client, coordinator.username, PASSWORD, OFFICE).status_code == 302  # signed in again


@behind_the_proxy
@override_settings(IIZ_LOGIN_FAILURES_PER_ADDRESS=8)
def test_the_officer_lifts_the_lock_of_an_address(client, officer, db):
    from django.test import Client

    users = [UserFactory(username=f"user{n}") for n in range(5)]
    for username in [user.username for user in users[:4] for _ in range(2)]:
        login(client, username, "wrong", STRANGER)
    assert login(client, users[4].username, PASSWORD, STRANGER).status_code == 429
    desk = Client()
    desk.force_login(officer)
    assert "alle Benutzernamen" in desk.get(reverse("cases:locked_logins")).content.decode()
    desk.post(reverse("cases:unlock_login"), {"username": "", "address": STRANGER})
    assert login(client, users[4].username, PASSWORD, STRANGER).status_code == 302


@pytest.mark.parametrize("n", [1, 3])  # under the per-address limit (20 failures)
@behind_the_proxy
def test_the_page_of_locked_logins_runs_a_fixed_number_of_queries(client, officer, db, n, django_assert_num_queries):
    from django.test import Client

    for k in range(n):
        user = UserFactory(username=f"locked{k}")
        for _ in range(5):
            login(client, user.username, "wrong", OFFICE)
    desk = Client()
    desk.force_login(officer)
    with django_assert_num_queries(5):  # the session comes through the cache (cached_db)
        page = desk.get(reverse("cases:locked_logins")).content.decode()
    assert page.count("Sperre aufheben") == n


def test_only_the_officer_sees_and_lifts_locks(client, coordinator, secretariat):
    for user in (coordinator, secretariat):
        client.force_login(user)
        assert client.get(reverse("cases:locked_logins")).status_code == 403
        assert client.post(reverse("cases:unlock_login"), {"username": "x", "address": OFFICE}).status_code == 403
