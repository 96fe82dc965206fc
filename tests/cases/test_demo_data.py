"""The demo cases (cases/demo/data.py) loaded by ``seed_demo``: every state, region and theme,
valid persons, real-looking timelines, the documented cast, and idempotent."""

import datetime
import io
from collections import Counter

from django.core.management import call_command
from django.db.models import Count, Max, Q
from django.utils import timezone

from cases.ahv import is_valid
from cases.demo.data import DEMO_CASE_COUNT, UNREAD_DAYS, demo_ahv_numbers, plan_demo_cases
from cases.models import (
    ActionPlan,
    Case,
    CaseState,
    Closure,
    ExitOutcome,
    ExitReport,
    Goal,
    JournalEntry,
    JournalKind,
    Measure,
    Meeting,
    MeetingKind,
    Notification,
    Person,
    PlanStatus,
    PowerOfAttorney,
    Reminder,
    ResourcesSheet,
    Review,
    ReviewKind,
)
from roles.models import Role, User

CASE_TIMES = [
    "reported_at",
    "meeting_decided_at",
    "cm_designated_at",
    "plan_submitted_at",
    "plan_validated_at",
    "implementation_finished_at",
    "exit_reported_at",
    "closed_at",
    "interrupted_at",
    "updated_at",
]


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Case,
            Person,
            Meeting,
            ActionPlan,
            Goal,
            Measure,
            Review,
            PowerOfAttorney,
            ExitReport,
            Closure,
            JournalEntry,
            ResourcesSheet,
        )
    }


def test_seed_demo_reports_the_cases_it_created(demo, db):
    assert f"Demo cases: {DEMO_CASE_COUNT} cases in the database ({DEMO_CASE_COUNT} created now)." in demo


def test_seeding_again_creates_nothing(demo, db):
    before = counts()
    out = io.StringIO()
    call_command("seed_demo", quiet_logins=True, stdout=out)
    assert counts() == before
    assert before["Case"] == DEMO_CASE_COUNT and before["ActionPlan"] > 40 and before["Review"] > 100
    assert f"({0} created now)" in out.getvalue()


def test_every_state_has_at_least_three_cases(demo, db):
    per_state = Counter(Case.objects.values_list("state", flat=True))
    assert set(per_state) == set(CaseState.values)
    assert min(per_state.values()) >= 3


def test_cases_cover_every_region_both_themes_and_both_languages(demo, db):
    assert set(Case.objects.values_list("region__code", flat=True)) == {"ow", "mw", "uw"}
    themes = Counter(Case.objects.values_list("theme__code", flat=True))
    assert themes["youth"] >= 3 and themes["asylum"] >= 3 and themes[None] >= 30
    languages = set(Case.objects.values_list("region__code", "person__language"))
    assert {("ow", "de"), ("mw", "fr"), ("uw", "fr")} <= languages
    assert "fr" not in {lang for region, lang in languages if region == "ow"}
    french_towns = set(Person.objects.filter(language="fr").values_list("city", flat=True))
    assert {"Sion", "Martigny", "Monthey", "Sierre"} <= french_towns
    german_towns = set(Person.objects.filter(cases__region__code="ow").values_list("city", flat=True))
    assert {"Brig", "Visp", "Zermatt", "Naters"} & german_towns


def test_closed_cases_have_every_exit_outcome_and_a_closure(demo, db):
    closed = Case.objects.filter(state=CaseState.CLOSED)
    outcomes = Counter(ExitReport.objects.filter(case__in=closed).values_list("outcome", flat=True))
    assert set(outcomes) == set(ExitOutcome.values)
    assert all(n >= 1 for n in outcomes.values())
    assert Closure.objects.filter(case__in=closed, closed_by__username="officer").count() == closed.count()
    assert not ExitReport.objects.filter(
        case__state__in=[CaseState.AWAITING_CLOSURE, CaseState.CLOSED], submitted_at=None
    ).exists()
    placed = ExitReport.objects.filter(case__in=closed, outcome=ExitOutcome.PLACED)
    assert all(r.employer and r.job_start_on and r.workload_percent for r in placed)


def test_ahv_numbers_are_valid_and_unique(demo, db):
    numbers = list(Person.objects.values_list("ahv_number", flat=True))
    assert numbers and all(is_valid(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    assert set(numbers) <= set(demo_ahv_numbers())


def test_nothing_happened_in_the_future(demo, db):
    now = timezone.now()
    today = timezone.localdate()
    for case in Case.objects.all():
        for name in CASE_TIMES:
            value = getattr(case, name)
            assert value is None or value <= now, (case.reference, name, value)
    stamped = [
        (JournalEntry, "at"),
        (Person, "created_at"),
        (Meeting, "created_at"),
        (ActionPlan, "created_at"),
        (ActionPlan, "submitted_at"),
        (ActionPlan, "decided_at"),
        (Review, "created_at"),
        (PowerOfAttorney, "created_at"),
        (ExitReport, "created_at"),
        (ExitReport, "submitted_at"),
        (Closure, "closed_at"),
        (ResourcesSheet, "updated_at"),
    ]
    for model, name in stamped:
        assert not model.objects.filter(**{f"{name}__gt": now}).exists(), (model.__name__, name)
    for manager in (Case.history, Person.history, ActionPlan.history, Measure.history, Review.history, ResourcesSheet.history):
        assert not manager.filter(history_date__gt=now).exists()
    dated = [
        (Case, "first_meeting_on"),
        (Meeting, "held_on"),
        (ActionPlan, "signed_by_person_on"),
        (ActionPlan, "signed_by_cm_on"),
        (Review, "held_on"),
        (PowerOfAttorney, "signed_on"),
        (ExitReport, "job_start_on"),
    ]
    for model, name in dated:
        assert not model.objects.filter(**{f"{name}__gte": today}).exists(), (model.__name__, name)


def test_reports_are_spread_over_the_last_eighteen_months(demo, db):
    now = timezone.now()
    ages = [(now - at).days for at in Case.objects.values_list("reported_at", flat=True)]
    assert max(ages) <= 550
    assert sum(age > 365 for age in ages) >= 3
    assert sum(age < 30 for age in ages) >= 5
    months = {(at.year, at.month) for at in Case.objects.values_list("reported_at", flat=True)}
    assert len(months) >= 12


def test_each_case_timeline_is_chronological(demo, db):
    for case in Case.objects.prefetch_related("journal"):
        entries = sorted(case.journal.all(), key=lambda e: e.pk)
        times = [e.at for e in entries]
        assert times == sorted(times), case.reference
        assert entries[0].transition == "report"
        assert abs(entries[0].at - case.reported_at) < datetime.timedelta(seconds=1)
        steps = [e for e in entries if e.kind == JournalKind.TRANSITION]
        assert steps[-1].to_state == case.state, case.reference
        dates = [
            d
            for d in (
                case.reported_at,
                case.meeting_decided_at,
                case.cm_designated_at,
                case.plan_validated_at,
                case.implementation_finished_at,
                case.exit_reported_at,
                case.closed_at,
            )
            if d
        ]
        assert dates == sorted(dates), case.reference
        if case.first_meeting_on:
            # The case manager meets the person within two weeks of the designation, except
            # in the demo case whose first meeting is overdue (still "cm_designated").
            waited = case.first_meeting_on - timezone.localdate(case.cm_designated_at)
            assert datetime.timedelta(0) <= waited <= datetime.timedelta(days=14), case.reference


def test_references_carry_the_year_of_the_report(demo, db):
    for reference, reported_at in Case.objects.values_list("reference", "reported_at"):
        assert reference.split("-")[1] == str(timezone.localtime(reported_at).year)
    this_year = Case.objects.filter(reference__startswith=f"IIZ-{timezone.localdate().year}-").order_by("reported_at")
    numbers = [int(reference.rsplit("-", 1)[1]) for reference in this_year.values_list("reference", flat=True)]
    assert numbers == list(range(1, len(numbers) + 1))


def test_case_managers_are_active_contact_persons_of_the_region(demo, db):
    expected = {"ow": "casemanager-ow", "mw": "contact-social-mw", "uw": "casemanager-uw"}
    managed = Case.objects.exclude(case_manager=None).select_related("case_manager", "region")
    assert managed.count() >= 30
    for case in managed:
        assert case.case_manager.has_role(Role.CONTACT_PERSON)
        assert case.case_manager.username == expected[case.region.code]
    without = Case.objects.filter(case_manager=None).values_list("state", flat=True)
    assert set(without) <= {
        CaseState.REPORTED,
        CaseState.ROUND_TABLE,
        CaseState.ASSESSMENT,
        CaseState.NO_CASE_MANAGEMENT,
        CaseState.CLOSED,
    }


def test_coordinators_and_reporters_are_the_demo_cast(demo, db):
    for case in Case.objects.select_related("coordinator", "theme", "region", "reported_by"):
        expected = f"coordinator-{case.theme.code}" if case.theme else f"coordinator-{case.region.code}"
        assert case.coordinator.username == expected
        assert case.reported_by.username in {"frontline-rav-ow", "contact-rav-ow", "contact-ai-uw", "contact-social-mw"}
    youth = User.objects.get(username="coordinator-youth")
    assert set(Case.objects.visible_to(youth).values_list("theme__code", flat=True)) == {"youth"}
    assert Case.objects.visible_to(User.objects.get(username="contact-ai-uw")).exists()
    assert not Case.objects.visible_to(User.objects.get(username="steering")).exists()


def test_cases_show_the_variety_of_real_work(demo, db):
    # Round tables and assessments, one escalated to an assessment.
    kinds = Counter(Meeting.objects.values_list("kind", flat=True))
    assert kinds[MeetingKind.ROUND_TABLE] >= 10 and kinds[MeetingKind.ASSESSMENT] >= 10
    # 2 to 4 institutions per case.
    involved = set(Case.objects.annotate(n=Count("institutions")).values_list("n", flat=True))
    assert involved <= {2, 3, 4} and len(involved) == 3
    # Plans sent back once, and changed after a review (versions 2 and 3).
    assert JournalEntry.objects.filter(transition="send_back_plan").values("case").distinct().count() >= 3
    # Each version sent back is frozen with the reasons and the options; the next one reworks it,
    # and some reworked versions wait for the coordinator's decision.
    sent_back = ActionPlan.objects.filter(status=PlanStatus.SENT_BACK)
    assert sent_back.count() >= 3
    assert not sent_back.filter(Q(refusal_reasons="") | Q(proposed_options="")).exists()
    assert all(ActionPlan.objects.filter(case=p.case_id, version=p.version + 1).exists() for p in sent_back)
    assert Case.objects.filter(state=CaseState.PLAN_VALIDATION, plans__status=PlanStatus.SENT_BACK).exists()
    versions = Counter(Case.objects.annotate(v=Max("plans__version")).values_list("v", flat=True))
    assert versions[2] >= 3 and versions[3] >= 1
    assert ActionPlan.objects.filter(status=PlanStatus.SUPERSEDED).exists()
    # Several reviews with the measures' progress in every case being implemented.
    implementation = Case.objects.filter(state=CaseState.IMPLEMENTATION).annotate(n=Count("reviews"))
    assert all(case.n >= 2 for case in implementation)
    assert Review.objects.filter(kind=ReviewKind.TEAM).count() >= 20
    assert Review.objects.filter(kind=ReviewKind.WITH_PERSON, progress__isnull=False).distinct().count() >= 30
    # Notes and minutes in the journal.
    assert JournalEntry.objects.filter(kind=JournalKind.NOTE).count() >= 20
    assert JournalEntry.objects.filter(kind=JournalKind.MINUTES).count() >= 5


def test_some_measures_take_place_at_an_employer_of_the_region(demo, db):
    linked = Measure.objects.filter(employer_contact__isnull=False).select_related("employer_contact", "plan__case__region")
    assert linked.count() >= 5
    regions = {"ow": "Visp Brig Zermatt", "mw": "Sion Sierre", "uw": "Martigny Verbier Sion"}
    assert all(m.employer_contact.city in regions[m.plan.case.region.code] for m in linked)
    assert all(m.catalogue_measure_id for m in linked)


def test_every_case_with_a_plan_has_its_resources_data_sheet(demo, db):
    """Recorded by the coordinator at the round table or assessment, completed by the case
    manager with the first plan: the case page, the plan PDF and the history show it."""
    with_plan = Case.objects.filter(plans__isnull=False).distinct()
    assert with_plan.count() >= 30
    sheets = {s.case_id: s for s in ResourcesSheet.objects.select_related("case__coordinator", "case__case_manager")}
    assert set(with_plan.values_list("pk", flat=True)) <= set(sheets)
    for case_id in with_plan.values_list("pk", flat=True):
        sheet = sheets[case_id]
        assert sheet.education and sheet.languages and sheet.other and sheet.work_capacity is not None
        authors = list(sheet.history.order_by("history_date").values_list("history_user_id", flat=True))
        assert authors == [sheet.case.coordinator_id, sheet.case.case_manager_id]
    assert any(s.childcare for s in sheets.values()) and any(s.has_car for s in sheets.values())


def test_some_powers_of_attorney_expire_soon_and_some_have_expired(demo, db):
    today = timezone.localdate()
    latest = {}
    for poa in PowerOfAttorney.objects.filter(case__state=CaseState.IMPLEMENTATION).order_by("signed_on"):
        latest[poa.case_id] = poa
    expired = [p for p in latest.values() if p.valid_until < today]
    expiring = [p for p in latest.values() if today <= p.valid_until <= today + datetime.timedelta(days=30)]
    assert len(expired) >= 2 and len(expiring) >= 2
    assert Review.objects.filter(poa_check="renewed").exists()


def test_demo_cases_are_planned_the_same_way_every_run_and_every_day(demo, db):
    def structure(anchor):
        return [
            (
                c.spec.state,
                c.spec.region,
                c.spec.theme,
                c.person.ahv_number,
                c.person.last_name,
                [((day - anchor).days, method.__name__) for day, _minute, method, _kwargs in c.events],
            )
            for c in plan_demo_cases(anchor)
        ]

    today = timezone.localdate()
    assert structure(today) == structure(today)
    assert structure(today) == structure(today - datetime.timedelta(days=40))


def test_with_the_clock_moved_forward_every_inbox_and_mailbox_holds_the_right_reminders_once(demo, db):
    """The demo data, 45 days later, after a broker outage of all those days: one run
    creates a reminder for every deadline whose reminder date has come, for exactly the
    people whose inbox shows it, and each is e-mailed once, however often the run repeats."""
    from django.core import mail

    from cases import deadlines, worklists
    from cases.deadlines import reminders

    for user in User.objects.all():
        user.email = f"{user.username}@example.ch"
        user.save(update_fields=["email"])
    later = timezone.localdate() + datetime.timedelta(days=45)
    morning = timezone.make_aware(datetime.datetime.combine(later, datetime.time(10)))
    for _run in range(2):
        reminders.sweep(later)
        reminders.send_pending(now=morning)
    checked = 0
    for user in User.objects.order_by("username"):
        inbox = {  # the deadlines of the user's My tasks whose reminder date has come
            (case.pk, task_list.rule, deadline.due_on)
            for task_list in worklists.lists_of(user)
            if task_list.rule
            for case in task_list.items(user, later)
            if (deadline := deadlines.kept_deadline(case, task_list.rule, later)) is not None
            and reminders.stage(deadline, later) is not None
        }
        reminded = set(Reminder.objects.filter(recipient=user).values_list("case_id", "rule", "due_on"))
        assert reminded == inbox, user.username
        received = [message for message in mail.outbox if message.to == [user.email]]
        assert len(received) == Reminder.objects.filter(recipient=user).count(), user.username
        checked += bool(inbox)
    assert checked >= 5  # case managers and coordinators of several regions and themes
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
    assert Reminder.objects.filter(rule="power_of_attorney").exists()


def test_the_demo_users_have_notifications_under_the_bell_and_none_is_emailed(demo, db):
    # the steps the demo replays notify as they would (read or not), but the past is not e-mailed
    assert not Notification.objects.exclude(email_state="none").exists()
    users = User.objects.annotate(unread=Count("notifications", filter=Q(notifications__read_at__isnull=True)))
    counts = {user.username: (user.unread_notifications, user.unread) for user in users}
    assert counts["coordinator-ow"][0] > 0 and counts["secretariat"][0] > 0 and counts["casemanager-ow"][0] > 0
    assert all(kept == unread for kept, unread in counts.values())  # the bell's count is right


def test_the_demo_notifications_are_dated_with_their_steps_and_the_older_ones_read(demo, db):
    now = timezone.now()
    dates = list(Notification.objects.values_list("created_at", flat=True))
    assert min(dates) < now - datetime.timedelta(days=300)  # told when the step was taken, not at seeding
    recent = now - datetime.timedelta(days=UNREAD_DAYS)
    assert not Notification.objects.filter(created_at__lt=recent, read_at__isnull=True).exists()
    assert Notification.objects.filter(created_at__gte=recent, read_at__isnull=True).exists()
    for note in Notification.objects.filter(event="report").select_related("case")[:20]:
        assert abs(note.created_at - note.case.reported_at) < datetime.timedelta(hours=1)


def test_the_demo_journal_re_dated_to_its_moments_keeps_an_intact_hash_chain(demo, db):
    """The demo moves its journal's dates to the simulated moments and re-chains it: the
    chain verifies, and the dates are in the past (not the moment of seeding)."""
    from cases.audit import chain

    count, broken = chain.verify(JournalEntry)
    assert count > DEMO_CASE_COUNT and broken is None
    assert JournalEntry.objects.filter(at__lt=timezone.now() - datetime.timedelta(days=30)).exists()
