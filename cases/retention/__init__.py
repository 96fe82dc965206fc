"""Retention, then anonymisation (issue 18 point 10; docs/data-protection.md, "Retention").

**The rule.** A case that has ended (closed, or ended without case management) is due
``settings.IIZ_RETENTION_YEARS`` years after its end (:func:`ended_at`): :func:`due_cases`.
The cantonal officer sees what is due and what comes due soon (the retention page, My tasks)
and may hold a case with a reason (``RetentionHold``, written by ``actions.hold_retention``);
a held case is skipped until the hold is lifted.

**The anonymisation** (:func:`anonymise_due`, run each night by ``tasks.anonymise_due``)
removes or replaces every field listed in :data:`ERASED` on the case's rows *and* on their
copies in the change history (django-simple-history), the journal's texts and the
parameters of its events that carry what users typed (:data:`JOURNAL_PARAMS_ERASED`), the
details of the access log of the case and of the searches and intake checks that name the
person, and deletes the case's files from the storage. It keeps what the statistics count:
the reference, the states and their dates, the outcome, the region, the theme, the
institutions. The person's row (names, AHV number, address, contact data; the date of birth
becomes the 1st of January of its year) is anonymised with the person's last case: while
another case of the person is open, within its retention period or held, the person stays.

The journal and the access log are append-only and hash-chained, and on PostgreSQL the
change-history tables too: the job sets ``iiz.allow_rewrite`` (``chain.allow_rewrite``), which
the triggers honour only for the tables' owner (so the job runs on a worker that connects as
the owner, docs/deployment.md), rewrites the rows through the models' base managers, then
recomputes both chains, so ``manage.py verify_audit`` still passes. The anonymisation itself
is a journal entry without personal data (event ``case_anonymised``), and the case keeps
``anonymised_at``: running the job again finds nothing to do.

**Adding a model.** Every text, e-mail, file and JSON field of every model of the project is
either in :data:`ERASED` (one ``Erase`` entry per model: how its rows reach the case, and its
personal fields) or in :data:`NOT_PERSONAL` with the reason;
tests/cases/test_retention.py fails on a field in neither.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.audit import chain, events
from cases.flow.states import FINAL_STATES
from cases.models import (
    AccessKind,
    AccessLog,
    AccountingEntry,
    ActionPlan,
    CalendarFeed,
    Case,
    CaseFile,
    CaseGrant,
    CatalogueMeasure,
    Closure,
    Conference,
    Cost,
    CreditNote,
    Decision,
    Dispute,
    EmployerContact,
    ExitReport,
    FundingRequest,
    FundMovement,
    Goal,
    Invoice,
    JournalEntry,
    JournalKind,
    Letterhead,
    Measure,
    MeasureProgress,
    Meeting,
    MeetingParticipant,
    Notification,
    NumberCounter,
    Participant,
    Person,
    PrintMark,
    ReferenceCounter,
    Reminder,
    ResourcesSheet,
    RetentionHold,
    Review,
    ScheduledMeeting,
    Sitting,
)
from roles.models import Institution, Membership, Region, Theme, User

logger = logging.getLogger(__name__)

# What replaces a personal text that may not be empty (a name, a goal, a measure's title).
PLACEHOLDER = "—"
# The account the job writes its journal entries as (inactive, no password).
JOB_USERNAME = "iiz-retention"
# The cases anonymised in one transaction (the rest at the next run).
BATCH = 200

PERSON = "person"  # Erase.to_case of the person: anonymised with the person's last case


@dataclass(frozen=True)
class Erase:
    """The personal fields of ``model``, and how its rows reach their case: ``to_case`` is
    the lookup from the model to the case (``"id"`` for the case itself, ``"case"``,
    ``"plan__case"``, ...), or PERSON. The same fields are erased on the model's change
    history, if it has one (those of them it keeps)."""

    model: type[models.Model]
    to_case: str
    fields: tuple[str, ...]


# Every personal field of a case's records. A new model with personal data: one entry here.
ERASED: list[Erase] = [
    Erase(Person, PERSON, ("first_name", "last_name", "ahv_number", "street", "postcode", "city", "phone", "email")),
    Erase(Case, "id", ("reason",)),
    Erase(
        Meeting,
        "case",
        (
            "place",
            "medical_situation",
            "employability",
            "social_situation",
            "result",
            "action_options",
            "decision_reason",
            "request_reason",
        ),
    ),
    Erase(MeetingParticipant, "meeting__case", ("name",)),
    Erase(
        ActionPlan,
        "case",
        ("notes", "signature_place", "decision_comment", "refusal_reasons", "proposed_options", "pdf", "pdf_digest"),
    ),
    Erase(Goal, "plan__case", ("text",)),
    Erase(Measure, "plan__case", ("title", "result")),
    Erase(
        ResourcesSheet,
        "case",
        ("education", "work_experience", "languages", "constraints", "childcare", "other"),
    ),
    Erase(Review, "case", ("summary",)),
    Erase(MeasureProgress, "review__case", ("note",)),
    Erase(
        ExitReport,
        "case",
        ("employer", "job_title", "other_service_detail", "interruption_note", "summary", "poa_not_renewed_reason"),
    ),
    Erase(Closure, "case", ("letter_text", "archive_note")),
    Erase(CaseFile, "case", ("file", "original_name", "description", "withdrawal_reason")),
    Erase(CaseGrant, "content_object", ("reason",)),
    Erase(RetentionHold, "case", ("reason",)),
    Erase(JournalEntry, "case", ("text",)),
    # The legal commission, disputes, scheduled meetings and the accounting's costs.
    Erase(
        FundingRequest,
        "case",
        ("proposed_measure", "no_catalogue_reason", "justification", "disclosure_reason", "returned_reason"),
    ),
    Erase(Decision, "request__case", ("conditions", "reasons")),
    Erase(FundMovement, "request__case", ("note",)),
    Erase(
        Dispute,
        "case",
        (
            "description",
            "proposal",
            "exchange_participants",
            "exchange_outcome",
            "settlement",
            "escalation_reason",
            "position",
            "referral_justification",
        ),
    ),
    Erase(ScheduledMeeting, "case", ("minutes", "cancel_reason")),
    # Those invited to a case's meeting (the person, external participants), and in a
    # round-table session those invited for the case's item.
    Erase(Participant, "meeting__case", ("name", "email")),
    Erase(Participant, "agenda_item__case", ("name", "email")),
    Erase(Cost, "case", ("description",)),
    Erase(AccessLog, "case", ("detail",)),
]

# The parameters of the journal's events (cases/audit/events.py) that carry what users typed
# or a file's name: removed (the entry then shows "—"). The others are codes, dates, versions,
# institutions and staff names: kept. tests/cases/test_retention.py checks every parameter of
# the catalogue is in one of the two.
JOURNAL_PARAMS_ERASED = {
    "options",
    "reason",
    "place",
    "name",
    "justification",
    "measure",
    "position",
    "proposal",
    "settlement",
    "outcome",  # a dispute's exchange: what was said (a decision's code goes with it)
}
JOURNAL_PARAMS_KEPT = {
    "meeting",
    "date",
    "until",
    "version",
    "network",
    "officers",
    "unreachable",
    "user",
    "kind",
    "person",  # a date: when the person signed
    "cm",  # a date: when the case manager signed
    "category",
    "documents",
    "mark",
    "fields",
    "before",
    "after",
    "previous",
    "new",
    "years",
    "amount",
    "institutions",
    "item",
    "number",  # a funding request's number
    "present",  # the commission's members present: staff
    "reply",
    "subject",
}

_STAFF = "staff and reference data, not data of the persons reported"
# The text fields of the project's models that are not personal data of a person reported,
# with the reason. {model: {field: reason}}; "*" for every field of the model.
NOT_PERSONAL: dict[type[models.Model], dict[str, str]] = {
    User: {"*": "the users: staff of the institutions, kept while their account exists"},
    Region: {"*": _STAFF},
    Theme: {"*": _STAFF},
    Institution: {"*": _STAFF},
    Membership: {"*": _STAFF},
    CatalogueMeasure: {"*": "the partners' catalogue of measures: reference data"},
    EmployerContact: {"*": "the partners' employer contacts: reference data, not the person's"},
    Letterhead: {"*": "the IIZ office's letterhead"},
    ReferenceCounter: {"*": "a counter of references per year"},
    Reminder: {"*": "reminders to staff of a deadline: a rule's code and an error of the mail server"},
    PrintMark: {"*": "print-queue marks: document codes"},
    Notification: {
        "event": "an event's code",
        "params": "the case reference only (cases/notifications: the texts are rendered from the code)",
        "email_state": "a state's code",
    },
    Case: {
        "reference": "the case's reference: kept for the statistics, it names no person",
        "state": "the state: kept for the statistics",
        "institutions_on_record": "the institutions involved: kept for the statistics",
        "outcome": "the outcome: kept for the statistics",
    },
    Person: {"sex": "kept for the statistics", "language": "the correspondence language's code"},
    Meeting: {"kind": "a kind's code", "decision": "a decision's code"},
    MeetingParticipant: {
        "organisation": "the institution a participant represents",
        "function": "the participant's function (case manager, doctor, ...)",
    },
    ActionPlan: {"status": "a status code"},
    Measure: {"status": "a status code"},
    Review: {"kind": "a kind's code", "poa_check": "a code", "decision": "a decision's code"},
    MeasureProgress: {"status": "a status code"},
    ExitReport: {
        "outcome": "the outcome: kept for the statistics",
        "interruption_reason": "a reason's code: kept for the statistics",
    },
    CaseFile: {"category": "a category's code", "content_type": "the file's type"},
    JournalEntry: {
        "kind": "a kind's code",
        "transition": "a step's code",
        "from_state": "a state's code",
        "to_state": "a state's code",
        "event": "an event's code",
        "params": "erased per parameter: JOURNAL_PARAMS_ERASED",
        "hash": "the hash chain, recomputed after the anonymisation",
    },
    AccessLog: {"kind": "a kind's code", "hash": "the hash chain, recomputed after the anonymisation"},
    FundingRequest: {"kind": "a kind's code", "disclosure": "the codes of the data shown", "state": "a state's code"},
    Decision: {"outcome": "an outcome's code"},
    FundMovement: {"kind": "a kind's code"},
    Sitting: {"*": "the legal commission's sittings: date, place and state"},
    Dispute: {
        "subject": "a subject's code",
        "state": "a state's code",
        "exchange_kind": "a kind's code",
        "referral_kind": "a kind's code",
    },
    ScheduledMeeting: {
        "kind": "a kind's code",
        "state": "a state's code",
        "uid": "the calendar's identifier of the meeting",
        "title": "the title staff give a session or yearly meeting",
        "place": "an office or meeting room",
        "video_link": "the video meeting's address",
    },
    Participant: {"language": "a language's code", "reply": "a reply's code"},
    CalendarFeed: {"*": _STAFF},
    Cost: {"kind": "a kind's code"},
    NumberCounter: {"*": "a counter of invoice numbers per year"},
    Invoice: {
        "number": "the invoice's number",
        "state": "a state's code",
        "cancel_reason": "the accounting's record of an invoice to an institution",
    },
    CreditNote: {"*": "the accounting's record of a credit note to an institution"},
    AccountingEntry: {"*": "the accounting log: steps and amounts of invoices to institutions"},
    Conference: {"*": "conferences for the staff of the institutions"},
}


def personal_fields(model: type[models.Model]) -> tuple[str, ...]:
    return next((e.fields for e in ERASED if e.model is model), ())


# --- the rule -----------------------------------------------------------------------------------


def years() -> int:
    return settings.IIZ_RETENTION_YEARS


def ended_at() -> Coalesce:
    """When a case ended: its closure; a case ended without case management (it has no
    closure date) at its last change, the end itself, as a final case changes no more."""
    return Coalesce("closed_at", "updated_at")


def _years_before(moment: datetime.datetime, n: int) -> datetime.datetime:
    try:
        return moment.replace(year=moment.year - n)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - n, day=28)


def due_on(ended: datetime.datetime) -> datetime.date:
    """The day a case that ended at ``ended`` is due for anonymisation."""
    return _years_before(timezone.localtime(ended), -years()).date()


def ended_cases() -> models.QuerySet:
    """The ended cases not anonymised yet, with ``ended_at``."""
    return Case.objects.filter(state__in=FINAL_STATES, anonymised_at__isnull=True).annotate(ended_at=ended_at())


def due_cases(now: datetime.datetime | None = None, *, within_days: int = 0) -> models.QuerySet:
    """The ended cases due for anonymisation at ``now`` (or within ``within_days`` after),
    held ones included."""
    moment = (now or timezone.now()) + datetime.timedelta(days=within_days)
    return ended_cases().filter(ended_at__lte=_years_before(moment, years()))


# --- the anonymisation ---------------------------------------------------------------------------


def job_user() -> User:
    """The account the job's journal entries name: inactive, without a password."""
    user, created = User.objects.get_or_create(
        username=JOB_USERNAME, defaults={"is_active": False, "first_name": "IIZ", "last_name": "retention"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _tables(model: type[models.Model]) -> list[type[models.Model]]:
    """The model and its change-history model, if it has one."""
    history = getattr(model, "history", None)
    return [model, history.model] if history is not None and hasattr(history, "model") else [model]


def _ids(model: type[models.Model], path: str, case_ids: set[int]) -> set[int]:
    """The ids of the rows of ``model`` (current and in its history) whose lookup ``path``
    leads to one of ``case_ids``."""
    if path == "id":
        return set(case_ids)
    first, _sep, rest = path.partition("__")
    parents = _ids(model._meta.get_field(first).related_model, rest or "id", case_ids)
    found: set[int] = set()
    for table in _tables(model):
        found.update(table._base_manager.filter(**{f"{first}_id__in": parents}).values_list("id", flat=True))
    return found


def _replacement(model: type[models.Model], name: str):
    field = model._meta.get_field(name)
    return "" if field.blank or isinstance(field, models.FileField) else PLACEHOLDER


def _erase(entry: Erase, lookup: Q, files: list[str]) -> None:
    """Replace the entry's fields on the rows of ``lookup``, in the table and its history;
    collect the files they name."""
    for table in _tables(entry.model):
        kept = {field.name for field in table._meta.concrete_fields}
        values = {name: _replacement(entry.model, name) for name in entry.fields if name in kept}
        file_fields = [name for name in values if isinstance(entry.model._meta.get_field(name), models.FileField)]
        rows = table._base_manager.filter(lookup)
        for name in file_fields:
            files.extend(name for name in rows.exclude(**{name: ""}).values_list(name, flat=True))
        extra = {"history_change_reason": None} if table is not entry.model else {}
        rows.update(**values, **extra)


def _scrub_journal_params(case_ids: set[int]) -> None:
    entries = JournalEntry._base_manager.filter(case_id__in=case_ids).exclude(params={}).only("pk", "params")
    changed = []
    for entry in entries:
        kept = {key: value for key, value in entry.params.items() if key not in JOURNAL_PARAMS_ERASED}
        if kept != entry.params:
            entry.params = kept
            changed.append(entry)
    JournalEntry._base_manager.bulk_update(changed, ["params"], batch_size=500)


def _anonymise_persons(person_ids: set[int]) -> None:
    """The persons' rows and history, the access log's searches and intake checks that name
    them, and the admin's log of their rows."""
    entry = next(e for e in ERASED if e.model is Person)
    for person in Person.objects.filter(pk__in=person_ids):
        traces = Q()
        for text in (person.last_name, person.ahv_number):
            if len(text) >= 2 and text != PLACEHOLDER:
                traces |= Q(detail__icontains=text)
        if traces:
            AccessLog._base_manager.filter(traces, kind__in=[AccessKind.SEARCH, AccessKind.MATCH]).update(detail="")
        birth = person.birth_date.replace(month=1, day=1)
        for table in _tables(Person):
            table._base_manager.filter(id=person.pk).update(birth_date=birth)
    _erase(entry, Q(id__in=person_ids), [])
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Person), object_id__in=[str(pk) for pk in person_ids]
    ).update(object_repr=PLACEHOLDER, change_message="")


def _persons_done(case_ids: set[int]) -> set[int]:
    """The persons of these cases who have no other case that is not anonymised."""
    persons = set(Case.objects.filter(pk__in=case_ids).values_list("person_id", flat=True))
    kept = set(
        Case.objects.filter(person_id__in=persons, anonymised_at__isnull=True)
        .exclude(pk__in=case_ids)
        .values_list("person_id", flat=True)
    )
    return persons - kept


def anonymise(case_ids: set[int]) -> list[str]:
    """Anonymise these cases (inside the caller's transaction, the rewrite allowed); return
    the names of their files in the storage, to delete."""
    files: list[str] = []
    for entry in ERASED:
        if entry.to_case == PERSON:
            continue
        _erase(entry, Q(id__in=_ids(entry.model, entry.to_case, case_ids)), files)
    _scrub_journal_params(case_ids)
    _anonymise_persons(_persons_done(case_ids))
    return files


def anonymise_due(now: datetime.datetime | None = None) -> int:
    """Anonymise the cases due at ``now`` that are not held, at most BATCH; return how many.
    Running it again does nothing more (``anonymised_at``)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            due_cases(now)
            .filter(retention_hold__isnull=True)
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("ended_at", "pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not due:
            logger.info("Retention: no case due for anonymisation.")
            return 0
        case_ids = set(due)
        chain.allow_rewrite()
        files = anonymise(case_ids)
        Case.objects.filter(pk__in=case_ids).update(anonymised_at=now)
        by = job_user()
        entries = [
            JournalEntry(
                case_id=pk,
                author=by,
                kind=JournalKind.RECORD,
                event=events.CASE_ANONYMISED,
                params={"years": years()},
            )
            for pk in sorted(case_ids)
        ]
        chain.seal(entries)
        JournalEntry.objects.bulk_create(entries)
        chain.rebuild(JournalEntry)
        chain.rebuild(AccessLog)
        # Last, so that a failure above leaves the files with their rows; a failure here rolls
        # the rows back, and the next run deletes what is left.
        for name in files:
            default_storage.delete(name)
    logger.info("Retention: %d case(s) anonymised (%d file(s) deleted): %s", len(case_ids), len(files), sorted(case_ids))
    return len(case_ids)
