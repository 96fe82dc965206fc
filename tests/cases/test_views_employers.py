"""cases:employers (cases/views/employers.py): the partners' employer contacts, searched by
the roles that write action plans, on their page and from the picker of a measure row."""

import pytest
from django.urls import reverse

from cases.models import EmployerContact
from tests.factories import institution

pytestmark = pytest.mark.django_db

URL = reverse("cases:employers")


def get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def companies(response) -> list[str]:
    return [c.company for c in response.context["page"].object_list]


def test_anonymous_users_are_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "role, status",
    [
        ("officer", 200),
        ("secretariat", 200),
        ("coordinator", 200),
        ("thematic_coordinator", 200),
        ("contact_person", 200),
        ("case_manager", 200),
        ("frontline", 403),
        ("legal", 403),
        ("steering", 403),
        ("outsider", 403),
    ],
)
def test_the_roles_that_write_plans_search_and_the_others_get_403_with_the_reason(client, request, role, status):
    response = get(client, request.getfixturevalue(role))
    assert response.status_code == status
    if status == 403:
        assert "suchen in den Arbeitgeberkontakten der Partner" in response.content.decode()


def test_the_page_only_answers_get(client, contact_person):
    client.force_login(contact_person)
    assert client.post(URL, {"q": "Lonza"}).status_code == 405


def test_the_page_lists_the_active_contacts_with_how_to_reach_them(client, contact_person):
    EmployerContact.objects.filter(company="Provins Valais").update(is_active=False)
    response = get(client, contact_person)
    html = response.content.decode()
    assert "Provins Valais" not in companies(response)
    assert companies(response)[:2] == ["Constructions du Rhône SA", "Garage Alpina Sierre SA"]
    assert "Lonza AG" in html and "Rahel Imhof" in html
    assert 'href="tel:0279485110"' in html and 'href="mailto:rahel.imhof@example.ch"' in html
    assert "Schichtbetrieb" in html  # the notes
    assert reverse("admin:cases_employercontact_changelist") not in html


def test_the_officer_finds_the_way_to_the_administration(client, officer):
    assert reverse("admin:cases_employercontact_changelist") in get(client, officer).content.decode()


@pytest.mark.parametrize(
    "q, expected",
    [
        ("lonza", ["Lonza AG"]),  # company, whatever the case
        ("Gesundheit", ["Spitalzentrum Oberwallis"]),  # sector
        ("Zermatt", ["Hotel Bergsonne", "Zermatt Bergbahnen AG"]),  # town
        ("Imhof", ["Lonza AG"]),  # contact person
        ("suva", ["Constructions du Rhône SA"]),  # the abbreviation of the partner that keeps it
        ("ORP", ["Hotel Bergsonne", "Lonza AG", "Migros Wallis", "Téléverbier SA"]),  # in either language
        ("Sion", ["Constructions du Rhône SA", "Hôpital du Valais", "Provins Valais"]),  # not "professionnelle"
        ("Sion Santé", ["Hôpital du Valais"]),  # every word must match
        ("Bäckerei", []),
    ],
)
def test_the_search_looks_in_company_sector_town_contact_and_partner(client, contact_person, q, expected):
    assert companies(get(client, contact_person, q=q)) == expected


def test_the_search_narrows_to_one_partner_institution(client, contact_person):
    response = get(client, contact_person, institution=institution("vocational").pk)
    assert companies(response) == ["Garage Alpina Sierre SA", "Zermatt Bergbahnen AG"]
    response = get(client, contact_person, institution=institution("vocational").pk, q="Sierre")
    assert companies(response) == ["Garage Alpina Sierre SA"]


def test_nothing_found_says_so(client, contact_person):
    assert "Keine Arbeitgeberkontakte entsprechen dieser Suche." in get(client, contact_person, q="Bäckerei").content.decode()


def test_the_results_come_in_pages(client, contact_person):
    EmployerContact.objects.bulk_create(
        EmployerContact(institution=institution("rav"), company=f"Werkstatt {i:02d}", city="Brig") for i in range(30)
    )
    first = get(client, contact_person, q="Werkstatt")
    assert len(companies(first)) == 25 and "Seite 1 von 2" in first.content.decode()
    assert 'href="?q=Werkstatt&amp;page=2"' in first.content.decode()
    assert companies(get(client, contact_person, q="Werkstatt", page=2)) == [f"Werkstatt {i}" for i in range(25, 30)]


def test_htmx_gets_only_the_results(client, contact_person):
    client.force_login(contact_person)
    response = client.get(URL, {"q": "Lonza"}, headers={"HX-Request": "true", "HX-Target": "employer-results"})
    html = response.content.decode()
    assert "Lonza AG" in html and "<html" not in html and 'role="search"' not in html


def test_the_picker_offers_a_few_matches_to_choose_from(client, case_manager):
    lonza = EmployerContact.objects.get(company="Lonza AG")
    client.force_login(case_manager)
    response = client.get(URL, {"q": "Visp", "pick": "1"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert f'data-employer-pick="{lonza.pk}" data-employer-label="Lonza AG (Visp) · Chemie und Pharma"' in html
    assert "Spitalzentrum Oberwallis" in html
    assert client.get(URL, {"q": "", "pick": "1"}).content.decode().strip() == ""  # nothing typed, nothing offered
    assert "Keine Arbeitgeberkontakte" in client.get(URL, {"q": "Bäckerei", "pick": "1"}).content.decode()


def test_the_picker_says_when_more_contacts_match(client, case_manager):
    EmployerContact.objects.bulk_create(
        EmployerContact(institution=institution("rav"), company=f"Werkstatt {i}", city="Brig") for i in range(9)
    )
    client.force_login(case_manager)
    html = client.get(URL, {"q": "Werkstatt", "pick": "1"}).content.decode()
    assert html.count("data-employer-pick=") == 8
    assert "Weitere Kontakte passen" in html


def test_the_picker_answers_403_to_a_role_that_may_not_search(client, frontline):
    client.force_login(frontline)
    assert client.get(URL, {"q": "Lonza", "pick": "1"}).status_code == 403


@pytest.mark.parametrize("n", [1, 40])
def test_the_page_runs_a_fixed_number_of_queries(client, contact_person, n, django_assert_num_queries):
    EmployerContact.objects.bulk_create(
        EmployerContact(institution=institution("ai"), company=f"Atelier {i}", city="Sion", sector="Industrie") for i in range(n)
    )
    client.force_login(contact_person)
    # user, memberships (the session comes from the cache), count, page of contacts,
    # institutions of the form; +2: My
    # tasks (n) in the navigation, and the user's per-case grants, which the case manager's
    # lists read (a contact person may be one)
    with django_assert_num_queries(5 + 2):
        assert client.get(URL, {"q": "Sion"}).status_code == 200
    with django_assert_num_queries(3):  # the picker: its few contacts, no count, no institutions
        assert client.get(URL, {"q": "Sion", "pick": "1"}).status_code == 200
