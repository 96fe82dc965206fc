"""The admin of the cases app: the officer manages the catalogue of measures and the
employer contacts (starter set from the migration); case data is not exposed."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import NoReverseMatch, reverse

from cases.demo.reference import CATALOGUE, EMPLOYERS, load_case_reference_data
from cases.demo.users import PEOPLE_ADMINS_GROUP, seed_users
from cases.models import (
    AccessLog,
    ActionPlan,
    Case,
    CatalogueMeasure,
    EmployerContact,
    JournalEntry,
    Person,
    Review,
)
from roles.models import Institution, User
from tests.factories import UserFactory


@pytest.fixture
def demo_officer(db):
    seed_users()
    return User.objects.get(username="officer")


@pytest.fixture
def officer_client(client, demo_officer):
    client.force_login(demo_officer)
    return client


# --- the starter set loaded by the migration -------------------------------------------


@pytest.mark.django_db
def test_every_institution_has_three_to_six_catalogue_measures_in_german_and_french():
    per_institution = {
        code: CatalogueMeasure.objects.filter(institution__code=code)
        for code in ("rav", "social", "ai", "suva", "vocational", "guidance", "addiction")
    }
    for code, measures in per_institution.items():
        assert 3 <= measures.count() <= 6, code
        assert all(m.name_de and m.name_fr and m.is_active for m in measures)
    rav = {m.name_de: m.name_fr for m in per_institution["rav"]}
    assert rav["Bewerbungscoaching"] == "Coaching en recherche d'emploi"
    assert rav["Programm zur vorübergehenden Beschäftigung (PvB)"] == "Programme d'emploi temporaire (PET)"
    ai = {m.name_de: m.name_fr for m in per_institution["ai"]}
    assert ai["Arbeitsversuch"] == "Placement à l'essai" and ai["Umschulung"] == "Reclassement"


@pytest.mark.django_db
def test_employer_contacts_are_plausible_valais_employers():
    employers = EmployerContact.objects.select_related("institution")
    assert 10 <= employers.count() <= 14
    assert {"Lonza AG", "Matterhorn Gotthard Bahn", "Migros Wallis", "Hôpital du Valais"} <= {e.company for e in employers}
    assert len({e.city for e in employers}) >= 6 and len({e.sector for e in employers}) >= 8
    for e in employers:
        assert re.fullmatch(r"027 \d{3} \d{2} \d{2}", e.phone), e.phone
        assert e.email.endswith("@example.ch") and e.contact_name and e.is_active


@pytest.mark.django_db
def test_loading_the_reference_data_again_keeps_the_officers_changes():
    measure = CatalogueMeasure.objects.get(institution__code="ai", name_de="Umschulung")
    measure.is_active = False
    measure.save()
    own = CatalogueMeasure.objects.create(institution=measure.institution, name_de="Jobcoaching IV", name_fr="Job coaching AI")
    before = (CatalogueMeasure.objects.count(), EmployerContact.objects.count())
    load_case_reference_data(CatalogueMeasure, EmployerContact, Institution)
    assert (CatalogueMeasure.objects.count(), EmployerContact.objects.count()) == before
    assert before == (sum(len(m) for m in CATALOGUE.values()) + 1, len(EMPLOYERS))
    assert not CatalogueMeasure.objects.get(pk=measure.pk).is_active
    assert CatalogueMeasure.objects.filter(pk=own.pk).exists()


# --- the officer manages them in the admin ---------------------------------------------


def test_officer_sees_the_catalogue_changelist(officer_client):
    response = officer_client.get(reverse("admin:cases_cataloguemeasure_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Bewerbungscoaching" in content and "Coaching en recherche d&#x27;emploi" in content
    assert response.context["cl"].result_count == CatalogueMeasure.objects.count()


def test_catalogue_changelist_filters_by_institution_and_searches(officer_client):
    ai = Institution.objects.get(code="ai")
    response = officer_client.get(reverse("admin:cases_cataloguemeasure_changelist"), {"institution__id__exact": ai.pk})
    names = {m.name_de for m in response.context["cl"].result_list}
    assert "Umschulung" in names and "Bewerbungscoaching" not in names
    response = officer_client.get(reverse("admin:cases_cataloguemeasure_changelist"), {"q": "reclassement"})
    assert [m.name_de for m in response.context["cl"].result_list] == ["Umschulung"]
    CatalogueMeasure.objects.filter(name_de="Umschulung").update(is_active=False)
    response = officer_client.get(reverse("admin:cases_cataloguemeasure_changelist"), {"is_active__exact": "0"})
    assert [m.name_de for m in response.context["cl"].result_list] == ["Umschulung"]


def test_officer_sees_the_employer_contacts(officer_client):
    response = officer_client.get(reverse("admin:cases_employercontact_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Lonza AG" in content and "027 948 51 10" in content and "Zermatt" in content
    response = officer_client.get(reverse("admin:cases_employercontact_changelist"), {"q": "Visp"})
    assert {e.company for e in response.context["cl"].result_list} == {"Lonza AG", "Spitalzentrum Oberwallis"}


def test_officer_adds_and_deactivates_a_catalogue_measure(officer_client):
    suva = Institution.objects.get(code="suva")
    response = officer_client.post(
        reverse("admin:cases_cataloguemeasure_add"),
        {
            "institution": suva.pk,
            "name_de": "Arbeitstraining Suva",
            "name_fr": "Entraînement au travail Suva",
            "description": "UVG / LAA",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    measure = CatalogueMeasure.objects.get(name_de="Arbeitstraining Suva")
    assert measure.institution == suva and measure.is_active
    response = officer_client.post(
        reverse("admin:cases_cataloguemeasure_change", args=[measure.pk]),
        {
            "institution": suva.pk,
            "name_de": measure.name_de,
            "name_fr": measure.name_fr,
            "description": "",
        },
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert not measure.is_active


def test_officer_adds_an_employer_contact(officer_client):
    rav = Institution.objects.get(code="rav")
    response = officer_client.post(
        reverse("admin:cases_employercontact_add"),
        {
            "company": "Bäckerei Imstepf",
            "sector": "Lebensmittel",
            "city": "Brig",
            "institution": rav.pk,
            "contact_name": "Hans Imstepf",
            "phone": "027 923 00 11",
            "email": "hans.imstepf@example.ch",
            "notes": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert EmployerContact.objects.get(company="Bäckerei Imstepf").institution == rav


def test_the_reference_data_cannot_be_deleted_by_the_officer(officer_client):
    # Plans refer to catalogue measures: the officer deactivates them instead.
    measure = CatalogueMeasure.objects.first()
    assert officer_client.get(reverse("admin:cases_cataloguemeasure_delete", args=[measure.pk])).status_code == 403
    employer = EmployerContact.objects.first()
    assert officer_client.get(reverse("admin:cases_employercontact_delete", args=[employer.pk])).status_code == 403


def test_the_admin_does_not_expose_case_data(officer_client):
    registered = {model for model in admin.site._registry if model._meta.app_label == "cases"}
    assert registered == {CatalogueMeasure, EmployerContact, AccessLog, Person}  # log and persons: read-only
    for model in (Case, ActionPlan, Review, JournalEntry):
        assert not admin.site.is_registered(model)
    with pytest.raises(NoReverseMatch):
        reverse("admin:cases_case_changelist")
    assert officer_client.get("/admin/cases/case/").status_code == 404
    index = officer_client.get(reverse("admin:index"))
    cases_app = [app for app in index.context["app_list"] if app["app_label"] == "cases"]
    assert {m["object_name"] for m in cases_app[0]["models"]} == {"CatalogueMeasure", "EmployerContact", "AccessLog", "Person"}


def test_the_officer_reads_a_person_but_changes_nothing_and_the_read_is_logged(officer_client, demo_officer, make_case):
    case = make_case("implementation")
    person = case.person
    page = officer_client.get(reverse("admin:cases_person_change", args=[person.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert person.last_name in html and case.reference in html
    assert 'name="_save"' not in html
    assert officer_client.post(reverse("admin:cases_person_change", args=[person.pk]), {"last_name": "X"}).status_code == 403
    assert officer_client.get(reverse("admin:cases_person_delete", args=[person.pk])).status_code == 403
    assert AccessLog.objects.filter(case=case, user=demo_officer, detail="person in the administration").exists()
    assert Person.objects.get(pk=person.pk).last_name == person.last_name


def test_a_coordinator_with_staff_rights_does_not_see_the_persons(client, make_case):
    from tests.conftest import make_member
    from tests.factories import region

    staff = make_member("stefan-staff", "regional_coordinator", region=region("ow"))
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client.force_login(staff)
    assert client.get(reverse("admin:cases_person_changelist")).status_code == 403


def test_staff_rights_are_needed_for_the_catalogue(client, demo_officer):
    coordinator = User.objects.get(username="coordinator-ow")
    client.force_login(coordinator)
    response = client.get(reverse("admin:cases_cataloguemeasure_changelist"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


# --- the officer's user admin: people, roles and memberships, never admin rights ----------

SUPERUSER_FIELDS = {"is_staff", "is_superuser", "groups", "user_permissions"}


def _user_change_post(client, user, **extra):
    """POST the user's change form as the page shows it (its own fields, no membership),
    with ``extra`` added as a crafted request would."""
    url = reverse("admin:roles_user_change", args=[user.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name in ("date_joined", "last_login"):
            data[f"{name}_0"] = value.strftime("%Y-%m-%d") if value else ""
            data[f"{name}_1"] = value.strftime("%H:%M:%S") if value else ""
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list) or (value is not None and name != "password"):
            data[name] = value
    for formset in page.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(extra)
    return page, client.post(url, data)


def test_the_officers_user_form_offers_no_admin_rights(officer_client):
    target = UserFactory(username="nora-new")
    page = officer_client.get(reverse("admin:roles_user_change", args=[target.pk]))
    assert page.status_code == 200
    fields = set(page.context["adminform"].form.fields)
    assert {"username", "first_name", "last_name", "email", "is_active", "language"} <= fields
    assert not fields & SUPERUSER_FIELDS
    html = page.content.decode()
    assert 'name="is_superuser"' not in html and 'name="groups"' not in html
    assert page.context["inline_admin_formsets"], "the memberships stay editable"


def test_a_crafted_post_by_the_officer_sets_no_admin_rights(officer_client):
    target = UserFactory(username="nora-new")
    admins = Group.objects.get(name=PEOPLE_ADMINS_GROUP)
    permission = Permission.objects.get(codename="change_user")
    _page, response = _user_change_post(
        officer_client,
        target,
        first_name="Nora",
        is_superuser="on",
        is_staff="on",
        groups=[admins.pk],
        user_permissions=[permission.pk],
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert target.first_name == "Nora"  # the form was saved...
    assert not target.is_superuser and not target.is_staff  # ...without the rights
    assert not target.groups.exists() and not target.user_permissions.exists()


def test_the_officer_cannot_change_a_superusers_account(officer_client):
    root = User.objects.create_superuser("root", "root@example.org", "a-long-password-1")
    page = officer_client.get(reverse("admin:roles_user_change", args=[root.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # read only
    assert officer_client.post(reverse("admin:roles_user_change", args=[root.pk]), {"is_active": ""}).status_code == 403
    response = officer_client.post(
        reverse("admin:roles_user_change", args=[root.pk]).replace("/change/", "/password/"),
        {"password1": "taken-over-1234", "password2": "taken-over-1234"},
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password("a-long-password-1")


def test_a_superuser_still_grants_admin_rights(client, db):
    seed_users()
    root = User.objects.create_superuser("root", "root@example.org", "a-long-password-1")
    client.force_login(root)
    target = UserFactory(username="nora-new")
    admins = Group.objects.get(name=PEOPLE_ADMINS_GROUP)
    page, response = _user_change_post(client, target, is_staff="on", groups=[admins.pk])
    assert set(page.context["adminform"].form.fields) >= SUPERUSER_FIELDS
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_staff and list(target.groups.all()) == [admins]
