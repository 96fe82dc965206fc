"""One change-history engine (cases.audit.history) for the case's change-history page and the
right-of-access export: every model of a case is on its tracked list or named as not
tracked with a reason, every tracked model has its history table, and the page and the
export show the same changes, a change to each tracked model included."""

import datetime
import html
import json

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_manager_for_model

from cases.audit import history
from cases.audit.history import NOT_TRACKED, TRACKED
from cases.models import (
    ActionPlan,
    Case,
    CaseFile,
    ExitReport,
    Goal,
    Measure,
    Meeting,
    Person,
    PowerOfAttorney,
    ResourcesSheet,
    Review,
)
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

TRACKED_MODELS = [t.model for t in TRACKED]


# --- the tracked list is complete ------------------------------------------------------------


def _is_history_table(model) -> bool:
    """The tables django-simple-history adds (HistoricalCase, ...): not models of their own."""
    return getattr(model, "instance_type", None) is not None and hasattr(model, "history_id")


def _belongs_to_a_case(model, seen: frozenset = frozenset()) -> bool:
    """The case, the person, or a model with a path of foreign keys to either."""
    if model in (Case, Person):
        return True
    seen = seen | {model}
    for field in model._meta.get_fields():
        if (
            field.is_relation
            and field.concrete
            and field.related_model not in seen
            and _belongs_to_a_case(field.related_model, seen)
        ):
            return True
    return False


def models_of_a_case() -> set:
    return {
        model for model in apps.get_app_config("cases").get_models() if not _is_history_table(model) and _belongs_to_a_case(model)
    }


def has_history(model) -> bool:
    try:
        get_history_manager_for_model(model)
    except NotHistoricalModelError:
        return False
    return True


def test_every_model_of_a_case_is_tracked_or_named_as_not_tracked():
    found = models_of_a_case()
    assert {Case, Person, Goal, Measure, CaseFile} <= found  # the search finds paths of foreign keys
    missing = found - set(TRACKED_MODELS) - set(NOT_TRACKED)
    assert not missing, f"Add to TRACKED or NOT_TRACKED (with the reason) in cases/audit/history.py: {missing}"
    stale = (set(TRACKED_MODELS) | set(NOT_TRACKED)) - found
    assert not stale, f"Not models of a case: {stale}"
    assert not set(TRACKED_MODELS) & set(NOT_TRACKED)
    assert all(reason.strip() for reason in NOT_TRACKED.values())


def test_every_tracked_model_has_its_history_and_the_others_have_none():
    for model in TRACKED_MODELS:
        assert has_history(model), model
        assert model.history.model.instance_type is model
    for model in NOT_TRACKED:
        assert not has_history(model), f"{model} has HistoricalRecords: put it on TRACKED"
    assert len(TRACKED_MODELS) == len(set(TRACKED_MODELS))
    assert len({t.key for t in TRACKED}) == len(TRACKED)


# --- the page and the export show the same changes -------------------------------------------

NEW_DAY = datetime.date(2026, 3, 2)

# One change to each tracked model: the record of the case, the field, the new value.
CHANGES = {
    Case: (lambda case: case, "reason", "Neue Meldung: Stellenverlust."),
    Person: (lambda case: case.person, "city", "Visp"),
    ActionPlan: (lambda case: case.plans.get(version=1), "notes", "Termin mit der IV vereinbart."),
    Goal: (lambda case: Goal.objects.filter(plan__case=case).first(), "text", "Teilzeitstelle finden"),
    Measure: (lambda case: Measure.objects.filter(plan__case=case).first(), "title", "Arbeitsversuch im Spital"),
    Meeting: (lambda case: case.meetings.first(), "place", "Sitten, Spitalstrasse"),
    ResourcesSheet: (lambda case: case.resources_sheet, "languages", "Deutsch, Französisch B1"),
    Review: (lambda case: case.reviews.first(), "summary", "Fortschritte beim Arbeitstraining."),
    PowerOfAttorney: (lambda case: case.powers_of_attorney.order_by("-pk").first(), "signed_on", NEW_DAY),
    ExitReport: (lambda case: case.exit_report, "employer", "Spitalzentrum Oberwallis"),
    CaseFile: (lambda case: case.files.order_by("-pk").first(), "description", "Bericht Dr. Imboden, zweite Fassung"),
}


@pytest.fixture
def changed_case(make_case, officer, case_manager, media):
    """A closed case with a power of attorney, a file and a resources data sheet, each of its
    records changed once more by the officer."""
    case = make_case("closed")
    ResourcesSheet.objects.create(case=case, languages="Deutsch", updated_by=case_manager)
    PowerOfAttorney.objects.create(case=case, signed_on=NEW_DAY - datetime.timedelta(days=30), recorded_by=case_manager)
    CaseFile.objects.create(
        case=case,
        category="other",
        file=SimpleUploadedFile("bericht.pdf", b"%PDF-1.4"),
        original_name="bericht.pdf",
        content_type="application/pdf",
        size=8,
        uploaded_by=case_manager,
    )
    for model, (record_of, field, value) in CHANGES.items():
        record = record_of(case)
        assert isinstance(record, model), model
        setattr(record, field, value)
        record._history_user = officer
        record.save()
    case.refresh_from_db()
    return case


def test_each_tracked_model_has_an_example_change():
    assert set(CHANGES) == set(TRACKED_MODELS)


def page_changes(client, user, case) -> tuple[list, str]:
    client.force_login(user)
    response = client.get(reverse("cases:history", args=[case.pk]))
    assert response.status_code == 200
    page = response.context["page"]
    pages = [response.content.decode()]
    for number in page.paginator.page_range[1:]:
        pages.append(client.get(reverse("cases:history", args=[case.pk]), {"page": number}).content.decode())
    return list(page.paginator.object_list), "\n".join(pages)


def export_json(client, officer, person) -> dict:
    client.force_login(officer)
    response = client.get(reverse("cases:person_export", kwargs={"person_pk": person.pk, "fmt": "json"}))
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_page_and_the_export_show_the_same_changes(client, officer, coordinator, changed_case):
    case = changed_case
    changes, _html = page_changes(client, coordinator, case)
    data = export_json(client, officer, case.person)
    [exported_case] = data["cases"]
    exported = data["person_history"] + exported_case["history"]

    def from_page(c):
        at = timezone.localtime(c.at).isoformat(timespec="seconds")
        user = str(c.user) if c.user else None
        record = (c.record_type, c.model, c.record_id, c.record)
        return at, user, c.kind_name, record, c.no_earlier_version, [(f.name, f.label) for f in c.fields]

    def from_export(h):
        record = (h["record"]["type"], h["record"]["type_label"], h["record"]["id"], h["record"]["label"])
        fields = [(f["field"], f["label"]) for f in h["fields"]]
        return h["at"], h["user"], h["change"]["code"], record, h["earlier_version_missing"], fields

    # The same changes; the page newest first (the export oldest first, the person's apart).
    assert sorted(map(from_page, changes), key=repr) == sorted(map(from_export, exported), key=repr)
    assert [c.order for c in changes] == sorted((c.order for c in changes), reverse=True)
    assert len(changes) == len(exported) > len(CHANGES)
    assert {c.record_type for c in changes} == {t.key for t in TRACKED}


def test_a_change_to_each_tracked_model_is_on_the_page_and_in_the_export(client, officer, coordinator, changed_case):
    case = changed_case
    changes, page = page_changes(client, coordinator, case)
    data = export_json(client, officer, case.person)
    exported = data["person_history"] + data["cases"][0]["history"]

    for model, (_record_of, field, value) in CHANGES.items():
        key = history.tracked(model).key
        shown = value if isinstance(value, str) else date_format(value, "SHORT_DATE_FORMAT")
        on_page = [
            f
            for c in changes
            if c.record_type == key and c.kind == history.CHANGED and str(c.user) == str(officer)
            for f in c.fields
            if f.name == field
        ]
        assert [f.after for f in on_page] == [shown], model
        assert f"<ins>{html.escape(shown)}</ins>" in page, model

        in_export = [
            f
            for h in exported
            if h["record"]["type"] == key and h["change"]["code"] == "changed" and h["user"] == str(officer)
            for f in h["fields"]
            if f["field"] == field
        ]
        assert [f["after"] for f in in_export] == [value if isinstance(value, str) else value.isoformat()], model


def test_the_engine_reads_one_query_per_history_table_and_shows_without_more(changed_case, django_assert_num_queries):
    case = changed_case
    with django_assert_num_queries(len(TRACKED)):
        changes = history.changes([case.pk], [case.person_id])
    with django_assert_num_queries(0):
        shown = [
            (c.user and str(c.user), c.record, c.kind_label, [(f.label, f.before, f.after) for f in c.fields]) for c in changes
        ]
    assert shown
    # Related records are named (joined in), a case's person and institutions too.
    assert any(f.model_field.is_relation and f.after not in (history.EMPTY, "") for c in changes for f in c.fields)


def test_the_changes_of_several_cases_name_their_case(make_case, case_manager):
    person = PersonFactory.build()
    first = make_case("closed", person=person)
    second = make_case("plan_preparation", person=person)
    changes = history.changes([first.pk, second.pk], [person.pk])
    assert {c.case_id for c in changes} == {None, first.pk, second.pk}
    assert {c.record_type for c in changes if c.case_id is None} == {"person"}
    plans = {p.pk: p.case_id for p in ActionPlan.objects.filter(case__in=[first, second])}
    for change in changes:
        if change.record_type in ("goal", "measure"):
            assert change.case_id in plans.values()
    assert [c.order for c in changes] == sorted(c.order for c in changes)
    assert history.changes([], [person.pk]) and not history.changes([], [])
