"""My tasks: the lists of work waiting for each role, computed in SQL from the database state.

Nothing is stored: each list is a queryset over the cases (or their records) that the user
sees (``Case.objects.visible_to``, or one of its clauses: ``units_q``, ``managed_q``,
``involved_contact_q``, the cases they reported), narrowed by the states of cases/flow/states.py, the
scope filters of cases/flow/scope.py, the SQL form of the deadlines (cases/deadlines) and
the print queue (cases/documents/printqueue.py). An item leaves its list as soon as the
step or record it waits for is taken, because the state it was selected by is gone.

``LISTS`` is the registry. Each ``TaskList`` has a key (the page's query parameter for its
page number), a title, ``who`` (a predicate on the user from cases/flow/scope.py: which
roles have the list), ``items(user, today)`` (the queryset, in the order shown) and
``row(obj, today)`` (what a row shows: the case, a short text, the deadline if one runs,
and the link to the page where the work is done) and ``rule``, the deadline of
cases/deadlines whose due date the rows show (if any). The page shows one section per list the
user has, each paged on its own; ``counts`` counts all of them in one query, for the
sections and for "My tasks (n)" in the navigation (the case manager's lists read the user's
per-case grants, loaded once per request and shared with the scope rule and the policy).

What each list means:

- officer, *cases waiting for closure*: state ``awaiting_closure`` (the exit report is
  submitted), except the officer's own cases as case manager (the policy refuses those);
  done on the closure form.
- officer, *ended cases due for anonymisation*: due now or within ``TASKS_DAYS``
  (cases/retention) and not held; done on the retention page by keeping the case, or by
  the nightly anonymisation.
- secretariat, *assessments to organise*: an assessment (CII104) decided by the coordinator
  or asked for during implementation (case in ``assessment`` or ``network``) whose meeting
  is not recorded as held yet; done on the meeting form once it is held.
- secretariat, *round tables to schedule*: round tables the coordinator decided (case in
  ``round_table``) that no scheduled meeting holds yet (cases/scheduling); done when
  scheduled, by the secretariat or on the coordinator's round-table session.
- secretariat, *documents to print*: the print queue's action plans, closure letters and
  power of attorney forms that nobody has marked "printed" or "sent" yet (one list each);
  done on the print queue.
- coordinator, *cases reported*: reported cases whose coordinator the user is (or without
  one, of a region or theme the user coordinates: ``coordinated_q``); done when a round
  table or an assessment is decided on the case page.
- coordinator, *plans waiting for validation*, with the deadline of the decision; done when
  validated or sent back (case page).
- coordinator, *network meetings asked for*: cases back to the network (``network``); done
  when the plan resumes or the case ends (case page).
- officer, *disputes escalated to you*: disputes between institutions that a coordinator
  escalated (``escalated``); done on the dispute's page (a position, or a referral to the
  legal commission).
- coordinator, *open disputes to settle*: the disputes of the coordinator's cases that are
  open or whose exchange is held; done on the dispute's page (settled or escalated).
- coordinator, *quarterly team reviews due* within ``TASKS_DAYS``; done when recorded.
- contact person, *cases just reported* (state ``reported``) in which their institution is
  involved in their region; leaves the list once the coordinator takes it on.
- contact person, *minutes to record*: the last review (CII101 step 7) of each open case their
  institution is involved in, written by someone else, after which the contact person has
  not yet added a "meeting minutes" journal entry to the case (one row a case: recording
  the minutes brings the case's record up to date); done on the journal form.
- case manager (and deputy), *first meetings*, *reviews with the person* and *powers of
  attorney* due within ``TASKS_DAYS`` (the deadlines of cases/deadlines), and *plans sent
  back* (in preparation again after the coordinator sent the last version back); each done
  on its form.
- secretariat (and officer), *invoices to send*: the draft invoices (cases/accounting/),
  done when sent or cancelled on the invoice's page; *overdue invoices*: sent invoices
  past their due date and not paid, done when the payment is recorded (no case: these rows
  name the invoice).
- front-line worker, *what I reported*: the open cases they reported, with their state;
  they leave the list when the case ends.
- officer, *funding requests to check*: requests to the legal commission submitted (or
  deferred by a sitting) that wait to be sent back or put on the agenda of a sitting; done
  on the request's page.
- legal commission, *requests to decide*: the requests on the agenda of a scheduled sitting,
  but those of an institution the member comes from (recusal); done on the request's page.
  Pseudonymised (``TaskList.pseudonymous``): the row shows the case's reference only, and
  the member never sees the case.

Adding a list (the legal commission's requests to decide, the fund's requests, the
secretariat's invoices): write the queryset of what waits
and its row, and append a ``TaskList`` to ``LISTS`` with the predicate of the role that
does the work (add the role to the ``view_my_tasks`` policy entry if it has no list yet).
The page, the navigation count and the registry's tests (every list within the user's scope,
a fixed number of queries) take it up without further change.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import rules
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cases import cached, deadlines, retention
from cases.accounting import figures as accounting
from cases.commission import members
from cases.documents import printqueue
from cases.flow import scope
from cases.flow.states import OPEN_STATES, CaseState
from cases.models import (
    SCHEDULABLE,
    ActionPlan,
    AgendaItem,
    Case,
    Dispute,
    DisputeState,
    FundingRequest,
    Invoice,
    InvoiceState,
    JournalEntry,
    JournalKind,
    Meeting,
    MeetingKind,
    MeetingState,
    PlanStatus,
    PrintDocument,
    RequestState,
    Review,
    SittingState,
)
from roles.models import User

if TYPE_CHECKING:
    from django.db.models import QuerySet

# The deadlines listed are those overdue or due within this many days (the case page shows all).
TASKS_DAYS = 30


@dataclass(frozen=True)
class Row:
    """One item of a list: the case (None for work without one: the invoices), what waits (a
    short text), the deadline if one runs, and the page where it is done."""

    case: Case | None
    url: str
    text: Any = ""
    deadline: deadlines.Deadline | None = None
    pseudonymous: bool = False  # the case's reference only, no link to it nor the person's name


@dataclass(frozen=True)
class TaskList:
    key: str
    title: Promise
    who: rules.Predicate
    items: Callable[[User, datetime.date], QuerySet]
    row: Callable[[Any, datetime.date], Row]
    rule: str = ""  # the deadline (cases/deadlines) whose due date the rows show, if any
    pseudonymous: bool = False  # items of cases outside the user's scope (the legal commission)

    def has(self, user: User) -> bool:
        return bool(self.who.test(user))


def _part(user: User, part: Q) -> QuerySet:
    """The cases of ``part``, within one of the clauses of ``visible_to`` (the units the user
    coordinates, the cases they manage, those their institution is involved in, those they
    reported): within the scope without testing the whole rule again, which would cost a
    second pass over the cases (a test checks every list against ``visible_to``)."""
    return Case.objects.filter(part).select_related("person")


def _coordinated(user: User) -> Q:
    """The cases whose coordinator the user is (``coordinated_q``), within the units the user
    coordinates (a case may still name someone who no longer coordinates its region)."""
    return scope.coordinated_q(user) & scope.units_q(user)


def _case_url(case: Case) -> str:
    return case.get_absolute_url()


def _due(rule: str, today: datetime.date) -> Q:
    return deadlines.due_rules_q(today + datetime.timedelta(days=TASKS_DAYS))[rule]


def _deadline_list(rule: str, mine: Callable[[User], Q]) -> Callable[[User, datetime.date], QuerySet]:
    """The user's cases (``mine``) with a deadline of ``rule`` due within TASKS_DAYS, soonest
    first (by the column the rule's due date grows with)."""

    def items(user: User, today: datetime.date) -> QuerySet:
        return _part(user, mine(user)).filter(_due(rule, today)).order_by(deadlines.RULE_START[rule], "pk")

    return items


def _deadline_row(rule: str, url_name: str) -> Callable[[Case, datetime.date], Row]:
    def row(case: Case, today: datetime.date) -> Row:
        deadline = deadlines.kept_deadline(case, rule, today)
        return Row(case, reverse(url_name, args=[case.pk]), deadline.label if deadline else "", deadline)

    return row


# --- officer --------------------------------------------------------------------------------


def awaiting_closure(user: User, today: datetime.date) -> QuerySet:
    return (
        Case.objects.visible_to(user)
        .select_related("person")
        .filter(state=CaseState.AWAITING_CLOSURE)
        # A deputy case manager is always a contact person (actions.grant_access): only then
        # do the grants matter (and cost their query).
        .exclude(scope.managed_q(user) if scope.can_be_case_manager.test(user) else Q(case_manager=user))
        .select_related("case_manager")
        .order_by("exit_reported_at", "pk")
    )


def closure_row(case: Case, today: datetime.date) -> Row:
    return Row(case, reverse("cases:close", args=[case.pk]), _("Exit report submitted: close the case"))


def due_for_anonymisation(user: User, today: datetime.date) -> QuerySet:
    now = timezone.now()
    return (
        retention.due_cases(now, within_days=(today - timezone.localdate(now)).days + TASKS_DAYS)
        .filter(retention_hold__isnull=True)
        .select_related("person")
        .order_by("ended_at", "pk")
    )


def anonymisation_row(case: Case, today: datetime.date) -> Row:
    text = _("Personal data removed on %(date)s: keep the case, or let it be anonymised") % {
        "date": retention.due_on(case.ended_at).strftime("%d.%m.%Y")
    }
    return Row(case, reverse("cases:retention"), text)


def disputes_escalated(user: User, today: datetime.date) -> QuerySet:
    """The disputes of the cases the officer sees that coordinators escalated: the officer
    takes a position or refers them to the legal commission (seed 004)."""
    return (
        Dispute.objects.filter(state=DisputeState.ESCALATED, case__in=Case.objects.visible_to(user).values("pk"))
        .select_related("case__person")
        .order_by("escalated_at", "pk")
    )


def _dispute_url(dispute: Dispute) -> str:
    return reverse("cases:dispute", args=[dispute.case_id, dispute.pk])


def escalated_row(dispute: Dispute, today: datetime.date) -> Row:
    text = _("Dispute about %(subject)s escalated: take a position or refer it to the commission") % {
        "subject": dispute.get_subject_display()
    }
    return Row(dispute.case, _dispute_url(dispute), text)


# --- secretariat ----------------------------------------------------------------------------


def _assessment_to_hold():
    return Meeting.objects.filter(case=OuterRef("pk"), kind=MeetingKind.ASSESSMENT, held_on__isnull=True)


def assessments_to_organise(user: User, today: datetime.date) -> QuerySet:
    meeting = _assessment_to_hold().order_by("-pk")
    return (
        Case.objects.visible_to(user)
        .select_related("person")
        .filter(state__in=[CaseState.ASSESSMENT, CaseState.NETWORK])
        .filter(Exists(_assessment_to_hold()))
        .annotate(
            meeting_pk=Subquery(meeting.values("pk")[:1]), meeting_scheduled_for=Subquery(meeting.values("scheduled_for")[:1])
        )
        .order_by("meeting_decided_at", "pk")
    )


def assessment_row(case: Case, today: datetime.date) -> Row:
    if case.meeting_scheduled_for:
        text = _("Assessment on %(date)s: record it once held") % {
            "date": timezone.localtime(case.meeting_scheduled_for).strftime("%d.%m.%Y %H:%M")
        }
    else:
        text = _("Assessment asked for: set the date, invite the network and the person")
        return Row(case, reverse("cases:schedule_meeting", args=[case.pk]), text)
    return Row(case, reverse("cases:meeting", args=[case.pk, case.meeting_pk]), text)


def round_tables_to_schedule(user: User, today: datetime.date) -> QuerySet:
    """Round tables decided by the coordinator that no meeting is scheduled for yet
    (cases/scheduling): the secretariat schedules them, unless the coordinator puts them on
    a round-table session."""
    pending = Meeting.objects.filter(case=OuterRef("pk"), kind=MeetingKind.ROUND_TABLE, held_on__isnull=True)
    scheduled = AgendaItem.objects.filter(case=OuterRef("pk"), meeting__state=MeetingState.SCHEDULED)
    return (
        Case.objects.visible_to(user)
        .select_related("person")
        .filter(state=CaseState.ROUND_TABLE)
        .filter(Exists(pending), ~Exists(scheduled))
        .order_by("meeting_decided_at", "pk")
    )


def round_table_row(case: Case, today: datetime.date) -> Row:
    return Row(case, reverse("cases:schedule_meeting", args=[case.pk]), _("Round table decided: set the date and invite"))


def _to_print(kind: str) -> Callable[[User, datetime.date], QuerySet]:
    def items(user: User, today: datetime.date) -> QuerySet:
        return printqueue.to_print(user, today)[kind]

    return items


def _print_row(kind: str) -> Callable[[Any, datetime.date], Row]:
    def row(obj: Any, today: datetime.date) -> Row:
        item = printqueue.ITEM[kind](obj)
        return Row(item.case, reverse("cases:print_queue") + f"#queue-{kind}", f"{item.title}: {item.waiting_for}")

    return row


# --- the accounting (secretariat) ---------------------------------------------------------------


def invoices_to_send(user: User, today: datetime.date) -> QuerySet:
    return Invoice.objects.filter(state=InvoiceState.DRAFT).select_related("institution").order_by("created_at", "pk")


def invoice_to_send_row(invoice: Invoice, today: datetime.date) -> Row:
    text = _("Invoice %(number)s to %(institution)s: check and send it") % {
        "number": invoice.number,
        "institution": invoice.institution.short,
    }
    return Row(None, reverse("cases:invoice", args=[invoice.pk]), text)


def overdue_invoices(user: User, today: datetime.date) -> QuerySet:
    return accounting.open_items(today).filter(due_on__lt=today)


def overdue_row(invoice: Invoice, today: datetime.date) -> Row:
    text = _("Invoice %(number)s to %(institution)s, due on %(date)s, is not paid") % {
        "number": invoice.number,
        "institution": invoice.institution.short,
        "date": invoice.due_on.strftime("%d.%m.%Y"),
    }
    return Row(None, reverse("cases:invoice", args=[invoice.pk]), text)


# --- coordinator ----------------------------------------------------------------------------


def reported_to_me(user: User, today: datetime.date) -> QuerySet:
    return _part(user, _coordinated(user)).filter(state=CaseState.REPORTED).order_by("reported_at", "pk")


def reported_row(case: Case, today: datetime.date) -> Row:
    return Row(case, _case_url(case), _("Reported: decide on a round table or an assessment"))


def plans_to_validate(user: User, today: datetime.date) -> QuerySet:
    return (
        _part(user, _coordinated(user))
        .filter(state=CaseState.PLAN_VALIDATION)
        .order_by(deadlines.RULE_START[deadlines.PLAN_VALIDATION], "pk")
    )


def plan_row(case: Case, today: datetime.date) -> Row:
    deadline = deadlines.kept_deadline(case, deadlines.PLAN_VALIDATION, today)
    return Row(case, _case_url(case) + "#plan", _("Validate the action plan or send it back"), deadline)


def network_asked(user: User, today: datetime.date) -> QuerySet:
    return _part(user, _coordinated(user)).filter(state=CaseState.NETWORK).order_by("updated_at", "pk")


def network_row(case: Case, today: datetime.date) -> Row:
    return Row(case, _case_url(case), _("Back to the network: hold the meeting, then resume the plan"))


def disputes_to_settle(user: User, today: datetime.date) -> QuerySet:
    """The open disputes of the coordinator's cases not yet escalated: hold the exchange or
    coordination meeting, then settle or escalate (seed 004)."""
    return (
        Dispute.objects.filter(
            state__in=[DisputeState.OPEN, DisputeState.EXCHANGE_HELD], case__in=_part(user, _coordinated(user)).values("pk")
        )
        .select_related("case__person")
        .order_by("opened_at", "pk")
    )


def dispute_row(dispute: Dispute, today: datetime.date) -> Row:
    if dispute.state == DisputeState.OPEN:
        text = _("Dispute about %(subject)s: hold a regional exchange or a coordination meeting")
    else:
        text = _("Dispute about %(subject)s: record whether it is settled, or escalate it")
    return Row(dispute.case, _dispute_url(dispute), text % {"subject": dispute.get_subject_display()})


# --- contact person -------------------------------------------------------------------------


def just_reported(user: User, today: datetime.date) -> QuerySet:
    return (
        _part(user, scope.involved_contact_q(user))
        .filter(state=CaseState.REPORTED)
        .select_related("reporting_institution")
        .order_by("-reported_at", "-pk")
    )


def just_reported_row(case: Case, today: datetime.date) -> Row:
    return Row(
        case,
        _case_url(case),
        _("Reported by %(institution)s: the coordinator will decide on a round table or an assessment")
        % {"institution": case.reporting_institution},
    )


def minutes_to_record(user: User, today: datetime.date) -> QuerySet:
    recorded = JournalEntry.objects.filter(
        case=OuterRef("case_id"), kind=JournalKind.MINUTES, author=user, at__gte=OuterRef("created_at")
    )
    # One row a case: its last review. Looked up case by case (the involved open cases are a
    # few thousand at most), not by reading every review in the order of their ids.
    last = Review.objects.filter(case=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    involved = Case.objects.filter(scope.involved_contact_q(user), state__in=OPEN_STATES)
    return (
        Review.objects.filter(pk__in=involved.annotate(last_review=Subquery(last)).values("last_review"))
        .exclude(author=user)
        .filter(~Exists(recorded))
        .select_related("case__person")
        .order_by("pk")  # in the order recorded
    )


def minutes_row(review: Review, today: datetime.date) -> Row:
    text = _("%(review)s of %(date)s: record the minutes") % {
        "review": review.get_kind_display(),
        "date": review.held_on.strftime("%d.%m.%Y"),
    }
    return Row(review.case, reverse("cases:new_journal_entry", args=[review.case_id]), text)


# --- case manager ---------------------------------------------------------------------------


def plans_sent_back(user: User, today: datetime.date) -> QuerySet:
    last_decided = ActionPlan.objects.filter(case=OuterRef("pk"), decided_at__isnull=False).order_by("-version")
    return (
        _part(user, scope.managed_q(user))
        .filter(state=CaseState.PLAN_PREPARATION)
        .annotate(last_decision=Subquery(last_decided.values("status")[:1]))
        .filter(last_decision=PlanStatus.SENT_BACK)
        .order_by("updated_at", "pk")
    )


def sent_back_row(case: Case, today: datetime.date) -> Row:
    return Row(case, reverse("cases:edit_plan", args=[case.pk]), _("Plan sent back: rework it with the person"))


# --- front-line worker ----------------------------------------------------------------------


def my_reports(user: User, today: datetime.date) -> QuerySet:
    return _part(user, Q(reported_by=user)).filter(state__in=OPEN_STATES).order_by("-reported_at", "-pk")


def my_report_row(case: Case, today: datetime.date) -> Row:
    return Row(case, _case_url(case), CaseState(case.state).label)


# --- the legal commission and the fund -------------------------------------------------------


def funding_to_check(user: User, today: datetime.date) -> QuerySet:
    return FundingRequest.objects.filter(state__in=SCHEDULABLE).select_related("case__person").order_by("submitted_at", "pk")


def funding_check_row(request: FundingRequest, today: datetime.date) -> Row:
    if request.state == RequestState.DEFERRED:
        text = _("Funding request %(number)s deferred: put it on a later sitting") % {"number": request.number}
    else:
        text = _("Funding request %(number)s (%(kind)s): check it, send it back or put it on a sitting") % {
            "number": request.number,
            "kind": request.get_kind_display(),
        }
    return Row(request.case, reverse("cases:funding_request", args=[request.pk]), text)


def funding_to_decide(user: User, today: datetime.date) -> QuerySet:
    mine = members.member_institutions(user)
    found = FundingRequest.objects.filter(state=RequestState.ON_AGENDA, sitting__state=SittingState.SCHEDULED)
    if mine:
        found = found.exclude(Q(paying_institution__in=mine) | Q(measure__responsible_institution__in=mine))
    return found.select_related("case", "sitting").order_by("sitting__held_on", "sitting_id", "agenda_position", "pk")


def funding_decide_row(request: FundingRequest, today: datetime.date) -> Row:
    text = _("%(number)s (%(kind)s) at the sitting of %(date)s: decide") % {
        "number": request.number,
        "kind": request.get_kind_display(),
        "date": request.sitting.held_on.strftime("%d.%m.%Y"),
    }
    return Row(request.case, reverse("cases:funding_request", args=[request.pk]), text, pseudonymous=True)


LISTS: list[TaskList] = [
    TaskList("closure", _("Cases waiting for closure"), scope.is_officer, awaiting_closure, closure_row),
    TaskList(
        "anonymisation",
        _("Ended cases due for anonymisation"),
        scope.is_officer,
        due_for_anonymisation,
        anonymisation_row,
    ),
    TaskList("disputes_escalated", _("Disputes escalated to you"), scope.is_officer, disputes_escalated, escalated_row),
    TaskList("assessments", _("Assessments to organise"), scope.is_secretariat, assessments_to_organise, assessment_row),
    TaskList("round_tables", _("Round tables to schedule"), scope.is_secretariat, round_tables_to_schedule, round_table_row),
    TaskList(
        "print_plans",
        _("Action plans to print for signature"),
        scope.is_secretariat,
        _to_print(PrintDocument.PLAN),
        _print_row(PrintDocument.PLAN),
    ),
    TaskList(
        "print_letters",
        _("Closure letters to print"),
        scope.is_secretariat,
        _to_print(PrintDocument.CLOSURE_LETTER),
        _print_row(PrintDocument.CLOSURE_LETTER),
    ),
    TaskList(
        "print_poa",
        _("Power of attorney forms to print"),
        scope.is_secretariat,
        _to_print(PrintDocument.POA_FORM),
        _print_row(PrintDocument.POA_FORM),
    ),
    TaskList("invoices_to_send", _("Invoices to send"), scope.is_secretariat, invoices_to_send, invoice_to_send_row),
    TaskList("overdue_invoices", _("Overdue invoices"), scope.is_secretariat, overdue_invoices, overdue_row),
    TaskList("reported", _("Cases reported to you"), scope.is_coordinator, reported_to_me, reported_row),
    TaskList(
        "validate",
        _("Plans waiting for validation"),
        scope.is_coordinator,
        plans_to_validate,
        plan_row,
        deadlines.PLAN_VALIDATION,
    ),
    TaskList("network", _("Network meetings asked for"), scope.is_coordinator, network_asked, network_row),
    TaskList("disputes", _("Open disputes to settle"), scope.is_coordinator, disputes_to_settle, dispute_row),
    TaskList(
        "team_reviews",
        _("Quarterly team reviews due"),
        scope.is_coordinator,
        _deadline_list(deadlines.TEAM_REVIEW, _coordinated),
        _deadline_row(deadlines.TEAM_REVIEW, "cases:new_review"),
        deadlines.TEAM_REVIEW,
    ),
    TaskList(
        "involved",
        _("Cases just reported that involve your institution"),
        scope.is_contact_person,
        just_reported,
        just_reported_row,
    ),
    TaskList("minutes", _("Minutes to record"), scope.is_contact_person, minutes_to_record, minutes_row),
    TaskList(
        "first_meetings",
        _("First meetings with the person"),
        scope.can_be_case_manager,
        _deadline_list(deadlines.FIRST_MEETING, scope.managed_q),
        _deadline_row(deadlines.FIRST_MEETING, "cases:first_meeting"),
        deadlines.FIRST_MEETING,
    ),
    TaskList(
        "reviews",
        _("Reviews with the person due"),
        scope.can_be_case_manager,
        _deadline_list(deadlines.REVIEW_WITH_PERSON, scope.managed_q),
        _deadline_row(deadlines.REVIEW_WITH_PERSON, "cases:new_review"),
        deadlines.REVIEW_WITH_PERSON,
    ),
    TaskList(
        "poa",
        _("Powers of attorney to renew"),
        scope.can_be_case_manager,
        _deadline_list(deadlines.POWER_OF_ATTORNEY, scope.managed_q),
        _deadline_row(deadlines.POWER_OF_ATTORNEY, "cases:new_poa"),
        deadlines.POWER_OF_ATTORNEY,
    ),
    TaskList("sent_back", _("Plans sent back"), scope.can_be_case_manager, plans_sent_back, sent_back_row),
    TaskList("my_reports", _("What you reported"), scope.is_frontline, my_reports, my_report_row),
    TaskList("funding_to_check", _("Funding requests to check"), scope.is_officer, funding_to_check, funding_check_row),
    TaskList(
        "funding_to_decide",
        _("Funding requests to decide"),
        scope.is_commission_member,
        funding_to_decide,
        funding_decide_row,
        pseudonymous=True,
    ),
]
BY_KEY = {task_list.key: task_list for task_list in LISTS}


def lists_of(user: User) -> list[TaskList]:
    """The lists the user's roles have, in the registry's order."""
    return [task_list for task_list in LISTS if task_list.has(user)]


def _count(queryset: QuerySet) -> Subquery:
    """``SELECT COUNT(*)`` of ``queryset`` as a scalar subquery (no GROUP BY: one row)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField())).values("n")
    return Coalesce(Subquery(counted[:1]), Value(0))


def counts(user: User, today: datetime.date | None = None) -> dict[str, int]:
    """{list key: number of items} of each list the user has, in one query whatever their
    number (one scalar subquery per list).

    Every page shows "My tasks (n)", so the counts are kept in the figures' cache
    (cases/cached.py) per user and day: a page other than My tasks reads them without a
    query until a write to the cases or roles tables (an action that gives or takes a task, a
    changed membership or grant) starts a new generation. They are also kept on the user
    object, which lives for one request, so the navigation and the page share them."""
    found = user.__dict__.get("_task_counts")
    if found is not None:
        return found
    today = today or timezone.localdate()
    found = cached.remember("task-counts", (user.pk, today.isoformat()), lambda: _counted(user, today))
    user.__dict__["_task_counts"] = found
    return found


def _counted(user: User, today: datetime.date) -> dict[str, int]:
    mine = lists_of(user)
    if not mine:
        return {}
    values = {task_list.key: _count(task_list.items(user, today)) for task_list in mine}
    return User.objects.filter(pk=user.pk).values(**values).get()


def total(user: User) -> int:
    """How many items wait in all of the user's lists (the navigation's "My tasks (n)")."""
    return sum(counts(user).values())
