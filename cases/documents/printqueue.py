"""The print queue of the secretariat: the documents of every case that wait to be printed,
signed or sent, derived from the database state (like cases/deadlines/__init__.py) plus the marks
the secretariat sets (PrintMark).

- **Action plans for signature**: each submitted or validated plan version of a case in
  progress that has no signed scan filed yet (cases/models/files.py). It leaves the queue
  when the scan is filed; "printed" and "sent" only show how far it has come.
- **Closure letters**: each closed case whose letter has not been marked "sent".
- **Power of attorney forms**: each case with a case manager at work (designated, plan in
  preparation or validation, implementation) that has no power of attorney, or whose
  latest one ends within ``POA_NOTICE_DAYS``; it leaves the queue when the form is marked
  "sent" after the latest power of attorney was signed, or when a new one is recorded.

``waiting`` gives one queryset per kind of document: the page counts and pages each (two
queries per kind whatever the queue's length), the secretariat's My tasks lists the ones not
marked yet (``to_print``); the merged PDF renders each selected document (a few queries
each, at most ``MAX_SELECTION`` documents).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import DateField, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.documents import rendering
from cases.flow.states import OPEN_STATES
from cases.models import (
    ActionPlan,
    Case,
    CaseFile,
    CaseState,
    Closure,
    FileCategory,
    PlanStatus,
    PowerOfAttorney,
    PrintDocument,
    PrintMark,
    PrintMarkKind,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from roles.models import User

# A power of attorney ending within this many days is renewed: its form is printed.
POA_NOTICE_DAYS = 30
# The states in which the case manager works with the person and needs a power of attorney.
POA_STATES = [CaseState.CM_DESIGNATED, CaseState.PLAN_PREPARATION, CaseState.PLAN_VALIDATION, CaseState.IMPLEMENTATION]
# The most documents merged into one PDF at a time.
MAX_SELECTION = 50


@dataclass
class QueueItem:
    """One document waiting in the queue."""

    document: str
    case: Case
    plan: ActionPlan | None = None
    closure: Closure | None = None
    printed_at: datetime.datetime | None = None
    sent_at: datetime.datetime | None = None
    poa_valid_until: datetime.date | None = None

    @property
    def key(self) -> str:
        """The item's name in the page's form: ``plan-<plan id>``, ``closure_letter-<case id>``, ``poa_form-<case id>``."""
        return f"{self.document}-{self.plan.pk if self.plan else self.case.pk}"

    @property
    def title(self) -> str:
        if self.plan is not None:
            return str(_("Action plan v%(version)s") % {"version": self.plan.version})
        return str(PrintDocument(self.document).label)

    @property
    def waiting_for(self) -> str:
        if self.document == PrintDocument.PLAN:
            return str(_("signed scan to file") if self.printed_at or self.sent_at else _("to print for signature"))
        if self.document == PrintDocument.CLOSURE_LETTER:
            return str(_("to send") if self.printed_at else _("to print and send"))
        if self.poa_valid_until is None:
            return str(_("no power of attorney yet"))
        return str(_("ends on %(date)s") % {"date": self.poa_valid_until.strftime("%d.%m.%Y")})

    @property
    def download_detail(self) -> str:
        """What the access log says about a download of this document (in English)."""
        if self.plan is not None:
            return f"action plan v{self.plan.version} (PDF, print queue)"
        return {"closure_letter": "closure letter (PDF, print queue)", "poa_form": "power of attorney form (PDF, print queue)"}[
            self.document
        ]

    def render(self) -> bytes:
        if self.plan is not None:
            return rendering.render_action_plan(self.plan)
        if self.closure is not None:
            return rendering.render_closure_letter(self.closure)
        return rendering.render_power_of_attorney_form(self.case)


def _last_mark(document: str, mark: str, **match) -> Subquery:
    marks = PrintMark.objects.filter(document=document, mark=mark, **match).order_by("-marked_at", "-pk")
    return Subquery(marks.values("marked_at")[:1])


def plans_waiting(cases: QuerySet) -> QuerySet:
    """Submitted or validated plan versions of cases in progress without a signed scan."""
    scan = CaseFile.objects.in_force().filter(plan=OuterRef("pk"), category=FileCategory.SIGNED_PLAN)
    return (
        ActionPlan.objects.filter(
            case__in=cases.filter(state__in=OPEN_STATES).values("pk"), status__in=[PlanStatus.SUBMITTED, PlanStatus.VALIDATED]
        )
        .filter(~Exists(scan))
        .select_related("case__person", "case__case_manager", "case__coordinator")
        .annotate(
            printed_at=_last_mark(PrintDocument.PLAN, PrintMarkKind.PRINTED, plan=OuterRef("pk")),
            sent_at=_last_mark(PrintDocument.PLAN, PrintMarkKind.SENT, plan=OuterRef("pk")),
        )
        # In the order the versions were written (their ids, close to the order submitted):
        # the database then reads only as many as a page shows, where sorting by a date
        # would first sort the whole queue.
        .order_by("pk")
    )


def closures_waiting(cases: QuerySet) -> QuerySet:
    """Closure letters of closed cases not marked "sent"."""
    return (
        Closure.objects.filter(case__in=cases, case__state=CaseState.CLOSED)
        .select_related("case__person", "case__case_manager", "case__coordinator", "closed_by")
        .annotate(
            printed_at=_last_mark(PrintDocument.CLOSURE_LETTER, PrintMarkKind.PRINTED, case=OuterRef("case_id")),
            sent_at=_last_mark(PrintDocument.CLOSURE_LETTER, PrintMarkKind.SENT, case=OuterRef("case_id")),
        )
        .filter(sent_at__isnull=True)
        .order_by("pk")  # in the order the cases were closed
    )


def poa_forms_waiting(cases: QuerySet, today: datetime.date) -> QuerySet:
    """Power of attorney forms for the cases without one, or whose latest one ends soon,
    unless the form was sent after the latest signature (the rows are the cases)."""
    latest = PowerOfAttorney.objects.filter(case=OuterRef("pk")).order_by("-signed_on", "-pk")
    since = Coalesce(Subquery(latest.values("signed_on")[:1]), Value(datetime.date(1900, 1, 1)), output_field=DateField())
    sent = PrintMark.objects.filter(
        case=OuterRef("pk"), document=PrintDocument.POA_FORM, mark=PrintMarkKind.SENT, marked_at__date__gt=OuterRef("poa_since")
    )
    return (
        cases.filter(state__in=POA_STATES)
        .filter(Q(poa_valid_until__isnull=True) | Q(poa_valid_until__lt=today + datetime.timedelta(days=POA_NOTICE_DAYS)))
        .annotate(poa_since=since)  # poa_valid_until: the latest one's end, kept on the case
        .filter(~Exists(sent))
        .select_related("person", "case_manager", "coordinator")
        .annotate(
            printed_at=_last_mark(
                PrintDocument.POA_FORM, PrintMarkKind.PRINTED, case=OuterRef("pk"), marked_at__date__gt=OuterRef("poa_since")
            )
        )
        .order_by(Coalesce("poa_valid_until", Value(datetime.date(1900, 1, 1), output_field=DateField())), "pk")
    )


def plan_item(plan: ActionPlan) -> QueueItem:
    return QueueItem(PrintDocument.PLAN, plan.case, plan=plan, printed_at=plan.printed_at, sent_at=plan.sent_at)


def closure_item(closure: Closure) -> QueueItem:
    return QueueItem(PrintDocument.CLOSURE_LETTER, closure.case, closure=closure, printed_at=closure.printed_at)


def poa_item(case: Case) -> QueueItem:
    return QueueItem(PrintDocument.POA_FORM, case, printed_at=case.printed_at, poa_valid_until=case.poa_valid_until)


# Each kind of document: the queryset of what waits, and its rows as queue items.
ITEM = {PrintDocument.PLAN: plan_item, PrintDocument.CLOSURE_LETTER: closure_item, PrintDocument.POA_FORM: poa_item}


def waiting(user: User, today: datetime.date | None = None) -> dict[str, QuerySet]:
    """The queue as ``user`` sees it (the scoping rule applies), by kind of document: one
    queryset each, for the page to count and page (``ITEM[kind]`` turns a row into an item)."""
    today = today or timezone.localdate()
    cases = Case.objects.visible_to(user)
    return {
        PrintDocument.PLAN: plans_waiting(cases),
        PrintDocument.CLOSURE_LETTER: closures_waiting(cases),
        PrintDocument.POA_FORM: poa_forms_waiting(cases, today),
    }


def to_print(user: User, today: datetime.date | None = None) -> dict[str, QuerySet]:
    """The documents of the queue nobody has marked "printed" or "sent" yet (My tasks of the
    secretariat): a document leaves it once marked, or once it leaves the queue. (A mark is
    looked for with NOT EXISTS, which the database plans far better over a long queue than
    the annotated date being NULL.)"""
    queue = waiting(user, today)
    marks = PrintMark.objects.filter(mark__in=[PrintMarkKind.PRINTED, PrintMarkKind.SENT])
    plan_marked = marks.filter(document=PrintDocument.PLAN, plan=OuterRef("pk"))
    letter_marked = marks.filter(document=PrintDocument.CLOSURE_LETTER, case=OuterRef("case_id"))
    form_marked = marks.filter(document=PrintDocument.POA_FORM, case=OuterRef("pk"), marked_at__date__gt=OuterRef("poa_since"))
    return {
        PrintDocument.PLAN: queue[PrintDocument.PLAN].filter(~Exists(plan_marked)),
        PrintDocument.CLOSURE_LETTER: queue[PrintDocument.CLOSURE_LETTER].filter(~Exists(letter_marked)),
        PrintDocument.POA_FORM: queue[PrintDocument.POA_FORM].filter(~Exists(form_marked)),
    }


def print_queue(user: User, today: datetime.date | None = None) -> dict[str, list[QueueItem]]:
    """The whole queue as items, by kind of document (the page shows it a page at a time)."""
    return {kind: [ITEM[kind](row) for row in rows] for kind, rows in waiting(user, today).items()}


def selected(user: User, keys) -> list[QueueItem]:
    """The items of the queue named by ``keys`` (others are ignored), in the queue's order:
    three queries, whatever the length of the queue."""
    wanted: dict[str, set[int]] = {kind: set() for kind in ITEM}
    for key in keys:
        kind, _dash, pk = str(key).rpartition("-")
        if kind in wanted and pk.isdigit():
            wanted[kind].add(int(pk))
    found = []
    for kind, rows in waiting(user).items():
        if not wanted[kind]:
            continue
        # A plan's key names the plan, the other documents' the case.
        named = rows.filter(pk__in=wanted[kind]) if kind != PrintDocument.CLOSURE_LETTER else rows.filter(case__in=wanted[kind])
        found += [ITEM[kind](row) for row in named]
    return found


def merged_pdf(items: list[QueueItem]) -> bytes:
    """One PDF with every document of ``items``, in order, each in its person's language."""
    return rendering.merge_pdfs([item.render() for item in items])
