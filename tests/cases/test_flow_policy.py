"""The policy (cases/flow/policy.py) against everything that enforces or shows it.

The cases come from the policy itself: for every operation on a case, every role of the cast
and a case in every state, the action refuses exactly when the policy says so (403-kind for
the role, a message for the state, with the policy's own reasons); the views of the
operations without an action answer 403, back to the case, or the page as the policy says;
the case page shows a step's button or a record's link exactly when the policy allows it;
and docs/permissions.md holds the policy's table.
"""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases import actions
from cases.commission import actions as commission_actions
from cases.demo.walk import Cast, walk
from cases.disputes import actions as dispute_actions
from cases.flow import policy
from cases.flow.grants import DEPUTY, SHARED
from cases.flow.machine import STEP_FORM_URLS, simple_steps, steps
from cases.flow.policy import OPERATIONS, ActionRefused
from cases.flow.states import CaseState
from cases.management.commands.policy_table import BEGIN, END, document_path
from cases.models import (
    ActionPlan,
    AgendaItem,
    Case,
    CaseFile,
    CaseGrant,
    Closure,
    Dispute,
    ExitReport,
    FileCategory,
    InterruptionReason,
    JournalKind,
    Letterhead,
    Meeting,
    MeetingKind,
    PrintMarkKind,
    ResourcesSheet,
    Review,
    ReviewDecision,
    ReviewKind,
    ScheduledKind,
    ScheduledMeeting,
)
from cases.scheduling import actions as scheduling
from tests.conftest import make_member
from tests.factories import PersonFactory, UserFactory, institution, region, theme
from tests.helpers import PDF, module_data

ROLES = [
    "officer",
    "secretariat",
    "coordinator",
    "thematic_coordinator",
    "contact_person",
    "frontline",
    "legal",
    "steering",
    "outsider",
    "case_manager",
    "deputy",
    "reader",
]
STATES = list(CaseState)


class _Rollback(Exception):
    pass


def _pdf(name: str = "Scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The cast of tests/conftest.py, a deputy, and one case of Oberwallis in every state
    (built along the real actions), created once for the module inside a transaction that
    is rolled back at its end; each test runs in a savepoint within it."""
    with module_data(django_db_blocker):
        users = {
            "officer": make_member("alice-officer", "officer"),
            "secretariat": make_member("sam-secretariat", "secretariat"),
            "coordinator": make_member("bob-coordinator", "regional_coordinator", region=region("ow")),
            "thematic_coordinator": make_member("tina-thematic", "thematic_coordinator", theme=theme("youth")),
            "contact_person": make_member("carl-contact", "contact_person", region=region("ow"), institution=institution("rav")),
            "frontline": make_member("fred-frontline", "frontline", institution=institution("rav")),
            "legal": make_member("lea-legal", "legal"),
            "steering": make_member("stella-steering", "steering"),
            "outsider": UserFactory(username="oscar-outsider"),
            "case_manager": make_member("cora-cm", "contact_person", region=region("ow"), institution=institution("social")),
            "deputy": make_member("dan-deputy", "contact_person", region=region("mw"), institution=institution("ai")),
            # A contact person of another region to whom every case is shared (read access).
            "reader": make_member("rita-reader", "contact_person", region=region("mw"), institution=institution("rav")),
        }
        cast = Cast(coordinator=users["coordinator"], case_manager=users["case_manager"], officer=users["officer"])
        deputy_permission = Permission.objects.get(codename=DEPUTY, content_type=ContentType.objects.get_for_model(Case))
        read_permission = Permission.objects.get(codename=SHARED, content_type=ContentType.objects.get_for_model(Case))
        cases = {}
        for state in STATES:
            case = actions.report_case(
                by=users["frontline"],
                person=PersonFactory.build(),
                reporting_institution=institution("rav"),
                institutions=[institution("rav"), institution("social")],
                region=region("ow"),
                theme=None,
                reason="Langzeitarbeitslos, Sozialhilfe.",
            )
            case = walk(case, state, cast)
            CaseGrant.objects.create(
                user=users["deputy"],
                permission=deputy_permission,
                content_object=case,
                valid_until=timezone.localdate() + datetime.timedelta(days=30),
                reason="Ferienvertretung",
                granted_by=users["coordinator"],
            )
            CaseGrant.objects.create(
                user=users["reader"],
                permission=read_permission,
                content_object=case,
                valid_until=timezone.localdate() + datetime.timedelta(days=30),
                reason="Austausch",
                granted_by=users["coordinator"],
            )
            cases[state] = case.pk
        yield {"users": {name: user.pk for name, user in users.items()}, "cases": cases}


def user_of(world, role):
    from roles.models import User

    return User.objects.get(pk=world["users"][role])


def case_in(world, state) -> Case:
    return Case.objects.select_related("person", "region", "theme", "case_manager", "coordinator").get(pk=world["cases"][state])


# --- how each operation is attempted through its action ----------------------------------------
# Each takes the case (fresh from the database) and the acting user, and gives the action the
# input a user would: valid, so that only the policy can refuse.


def _meeting(case, by):
    return case.records.last_meeting or Meeting(case=case, kind=MeetingKind.ROUND_TABLE, created_by=by)


def _plan(case, by):
    return case.records.current_plan or ActionPlan(case=case, version=1, author=by)


def _review(kind, decision=ReviewDecision.CONTINUE):
    return Review(
        kind=kind,
        held_on=timezone.localdate(),
        summary="Standortbestimmung",
        poa_check="renewed" if kind == ReviewKind.WITH_PERSON else "",
        decision=decision,
    )


def _when():
    start = timezone.now() + datetime.timedelta(days=3)
    return scheduling.When(starts_at=start, ends_at=start + datetime.timedelta(hours=2), place="Sitten")


def _agenda_item(case, world):
    """A meeting scheduled for ``case`` (written directly: the attempt tests the action that
    follows), with its agenda item."""
    when = _when()
    meeting = ScheduledMeeting.objects.create(
        kind=ScheduledKind.ASSESSMENT,
        case=case,
        organiser=user_of(world, "secretariat"),
        starts_at=when.starts_at,
        ends_at=when.ends_at,
        place=when.place,
    )
    item = AgendaItem.objects.create(meeting=meeting, case=case)
    item.meeting = meeting
    return item


def _withdraw(case, by, world):
    case_file = CaseFile(case=case, category=FileCategory.CV, content_type="application/pdf", original_name="CV.pdf", size=17)
    case_file.uploaded_by = user_of(world, "officer")
    case_file.file.save("policy-cv.pdf", ContentFile(PDF), save=False)
    case_file.save()
    actions.withdraw_file(case_file, by=by, reason="Falsch abgelegt")


def _revoke(case, by, world):
    grant = CaseGrant.objects.get(content_object=case, user_id=world["users"]["deputy"])
    actions.revoke_access(case, by=by, grant_id=grant.pk)


def _grant(case, by, world):
    grantee = user_of(world, "contact_person" if by.pk != world["users"]["contact_person"] else "secretariat")
    actions.grant_access(
        case,
        by=by,
        user=grantee,
        permission=SHARED,
        valid_until=timezone.localdate() + datetime.timedelta(days=7),
        reason="Austausch",
    )


def _release(case, by, world):
    from cases.models import RetentionHold

    RetentionHold.objects.get_or_create(case=case, defaults={"reason": "Beschwerde", "held_by": user_of(world, "officer")})
    actions.release_retention(case, by=by)


def _closure(case, by):
    closure = Closure.objects.filter(case=case).first() or Closure(case=case, closed_by=by)
    actions.file_closure_letter_copy(closure, by=by, upload=_pdf("Brief.pdf"))


ATTEMPTS = {
    "edit_person": lambda case, by, world: actions.correct_person(case, by=by, fields={"phone": "027 000 00 00"}, version=None),
    "edit_case_facts": lambda case, by, world: actions.correct_case_facts(
        case,
        by=by,
        fields={"reason": "Neu beurteilt"},
        institutions=[institution("rav"), institution("social"), institution("ai")],
        version=None,
    ),
    "ask_network": lambda case, by, world: actions.ask_network(case, by=by, kind=MeetingKind.NETWORK, reason="Neu beurteilen"),
    "replace_case_manager": lambda case, by, world: actions.replace_case_manager(
        case, by=by, case_manager=user_of(world, "contact_person"), reason="Wechsel der Stelle"
    ),
    "start_plan": lambda case, by, world: actions.start_plan(case, by=by, first_meeting_on=timezone.localdate()),
    "interrupt": lambda case, by, world: actions.interrupt(case, by=by, reason=InterruptionReason.MOVED),
    "send_back_plan": lambda case, by, world: actions.send_back_plan(case, by=by, reasons="Unklar", options="Abklärung IV"),
    "close": lambda case, by, world: actions.close_case(case, by=by, letter_text="Brief"),
    "record_meeting": lambda case, by, world: actions.save_meeting(_meeting(case, by), by=by),
    "edit_plan": lambda case, by, world: actions.save_plan(_plan(case, by), by=by, goals=["Arbeit finden"], measures=[]),
    "edit_resources": lambda case, by, world: actions.save_resources(
        case.records.resources_sheet or ResourcesSheet(case=case, languages="Deutsch, Französisch B1"), by=by
    ),
    "record_review_with_person": lambda case, by, world: actions.record_review(
        case,
        by=by,
        review=_review(ReviewKind.WITH_PERSON),
        poa_signed_on=timezone.localdate(),
        poa_institutions=[institution("rav")],
    ),
    "record_team_review": lambda case, by, world: actions.record_review(case, by=by, review=_review(ReviewKind.TEAM)),
    "decide_at_review": lambda case, by, world: actions.record_review(
        case, by=by, review=_review(ReviewKind.TEAM, ReviewDecision.CHANGE_PLAN)
    ),
    "record_power_of_attorney": lambda case, by, world: actions.record_power_of_attorney(
        case, by=by, signed_on=timezone.localdate(), institutions=[institution("rav")]
    ),
    "write_exit_report": lambda case, by, world: actions.save_exit_report(
        case.records.exit_report or ExitReport(case=case, author=by), by=by
    ),
    "write_journal": lambda case, by, world: actions.add_journal_entry(case, by=by, kind=JournalKind.NOTE, text="Notiz"),
    "file_documents": lambda case, by, world: actions.add_attachment(case, by=by, upload=_pdf(), category=FileCategory.CV),
    "file_closure_letter_copy": lambda case, by, world: _closure(case, by),
    "withdraw_file": _withdraw,
    "give_access": _grant,
    "revoke_access": _revoke,
    "hold_retention": lambda case, by, world: actions.hold_retention(case, by=by, reason="Beschwerde hängig"),
    "release_retention": _release,
    "request_funding": lambda case, by, world: commission_actions.request_funding(
        case, by=by, kind="risk", amount=None, justification="Risiko tragbar", proposed_measure="Arbeitsversuch"
    ),
    "schedule_meeting": lambda case, by, world: scheduling.schedule_case_meeting(
        case, by=by, when=_when(), invitees=[scheduling.Invitee(person=True)]
    ),
    "tick_checklist": lambda case, by, world: scheduling.tick_checklist(_agenda_item(case, world), by=by, check="person_data"),
    "record_reply": lambda case, by, world: scheduling.record_reply(
        _agenda_item(case, world).meeting.participants.create(name="Dr. Muster", email="m@example.org"), by=by, reply="attends"
    ),
}
for _name in simple_steps():
    ATTEMPTS[_name] = lambda case, by, world, name=_name: actions.simple_step(case, name, by=by, text="Begründung")


def _dispute(case, state="open"):
    """A dispute of ``case`` in ``state`` (its steps are attempted through the actions)."""
    dispute = Dispute.objects.create(
        case=case,
        subject="costs",
        description="Wer zahlt den Kurs?",
        proposal="Je die Hälfte",
        opened_by=case.coordinator,
        state=state,
    )
    dispute.institutions.set([institution("rav"), institution("social")])
    return dispute


ATTEMPTS.update(
    {
        "record_dispute": lambda case, by, world: dispute_actions.record_dispute(
            case,
            by=by,
            institutions=[institution("rav"), institution("social")],
            subject="costs",
            description="Wer zahlt den Kurs?",
            proposal="Je die Hälfte",
        ),
        "record_dispute_exchange": lambda case, by, world: dispute_actions.record_exchange(
            _dispute(case), by=by, kind="regional_exchange", held_on=timezone.localdate(), participants="RAV, SD", outcome="Offen"
        ),
        "settle_dispute": lambda case, by, world: dispute_actions.settle_dispute(
            _dispute(case, "exchange_held"), by=by, settlement="Einigung"
        ),
        "escalate_dispute": lambda case, by, world: dispute_actions.escalate_dispute(
            _dispute(case, "exchange_held"), by=by, reason="Keine Einigung"
        ),
        "take_dispute_position": lambda case, by, world: dispute_actions.take_dispute_position(
            _dispute(case, "escalated"), by=by, position="Das RAV zahlt."
        ),
        "refer_dispute": lambda case, by, world: dispute_actions.refer_dispute_to_commission(
            _dispute(case, "escalated"), by=by, kind="risk", justification="Risiko"
        ),
    }
)
# Operations on a case that have no action: the page that shows them, answered 403 (role),
# back to the case (state) or the page (allowed): its URL name (with the case), or a
# function of the case giving its URL.
PAGES = {
    "view_history": "cases:history",
    "view_access_log": "cases:access_log",
    "follow_funding": "cases:case_funding",
    "view_disputes": lambda case: reverse("cases:dispute", args=[case.pk, _dispute(case).pk]),
}


def page_url(name: str, case) -> str:
    return PAGES[name](case) if callable(PAGES[name]) else reverse(PAGES[name], args=[case.pk])


CASE_OPERATIONS = [name for name, op in OPERATIONS.items() if op.needs_case]


def test_every_operation_on_a_case_is_attempted_or_has_a_page():
    assert set(CASE_OPERATIONS) == set(ATTEMPTS) | set(PAGES) | {"read_case"}
    assert set(steps()) <= set(ATTEMPTS), "every transition is an entry of the policy"


def attempt(function) -> ActionRefused | None:
    """Run ``function`` in a savepoint that is always rolled back: the refusal, or None."""
    try:
        with transaction.atomic():
            function()
            raise _Rollback
    except _Rollback:
        return None
    except ActionRefused as refusal:
        return refusal


@pytest.mark.parametrize("name", sorted(ATTEMPTS))
def test_the_action_refuses_exactly_when_the_policy_says_so(world, db, name):
    mismatches = []
    for state in STATES:
        for role in ROLES:
            case, user = case_in(world, state), user_of(world, role)
            decision = policy.may(user, name, case)
            refusal = attempt(lambda case=case, user=user: ATTEMPTS[name](case_in(world, case.state), user, world))
            if decision.allowed:
                if refusal is not None:
                    mismatches.append((state, role, "policy allows, action refused", refusal.reasons))
            elif refusal is None:
                mismatches.append((state, role, "policy refuses, action did it", decision.reasons))
            elif refusal.forbidden != decision.forbidden:
                mismatches.append((state, role, "not the same kind of refusal", refusal.reasons, decision.reasons))
            elif refusal.reasons != list(decision.reasons):
                mismatches.append((state, role, "not the same reasons", refusal.reasons, decision.reasons))
    assert mismatches == []


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_page_answers_as_the_policy_says(world, db, client, name):
    mismatches = []
    for state in STATES:
        for role in ROLES:
            case, user = case_in(world, state), user_of(world, role)
            if not Case.objects.visible_to(user).filter(pk=case.pk).exists():
                continue  # outside the scope: 404, checked by the scope tests
            client.force_login(user)
            status = client.get(page_url(name, case)).status_code
            decision = policy.may(user, name, case)
            expected = 200 if decision else 403 if decision.forbidden else 302
            if status != expected:
                mismatches.append((state, role, status, expected))
    assert mismatches == []


WRITES = [name for name in CASE_OPERATIONS if OPERATIONS[name].writes]


def test_a_read_only_grant_writes_nothing(world, db):
    """The reader sees every case (its grant) and may change nothing in any of them, by the
    policy and by the action, whatever the operation and the state."""
    reader = user_of(world, "reader")
    assert "write_journal" in WRITES and "withdraw_file" in WRITES
    done = []
    for state in STATES:
        case = case_in(world, state)
        assert Case.objects.visible_to(reader).filter(pk=case.pk).exists()
        assert policy.may(reader, "read_case", case)
        for name in WRITES:
            decision = policy.may(reader, name, case)
            if decision or not decision.forbidden:
                done.append((state, name, "policy", decision.reasons))
            refusal = attempt(lambda name=name, state=state: ATTEMPTS[name](case_in(world, state), reader, world))
            if refusal is None or not refusal.forbidden:
                done.append((state, name, "action"))
    assert done == []


def test_a_closed_case_accepts_no_change_but_what_the_closure_defines(world, db):
    """Every role, every operation that changes a case: refused on a closed case, by the
    policy and by the action, except the operations the policy names for the closure."""
    after_closure = {name for name, op in OPERATIONS.items() if op.after_closure}
    # Keeping an ended case past its retention period, and lifting that, apply only to ended cases.
    assert after_closure == {"file_closure_letter_copy", "revoke_access", "hold_retention", "release_retention"}
    done = []
    for role in ROLES:
        user = user_of(world, role)
        for name in WRITES:
            if name in after_closure:
                continue
            if policy.may(user, name, case_in(world, CaseState.CLOSED)):
                done.append((role, name, "policy"))
            refusal = attempt(lambda name=name, user=user: ATTEMPTS[name](case_in(world, CaseState.CLOSED), user, world))
            if refusal is None:
                done.append((role, name, "action"))
    assert done == []
    # The closure's own operations stay open to those who do them.
    officer = user_of(world, "officer")
    assert policy.may(officer, "file_closure_letter_copy", case_in(world, CaseState.CLOSED))
    assert policy.may(officer, "revoke_access", case_in(world, CaseState.CLOSED))


LETTERHEAD = {
    **{f"{field}_{lang}": "Kanton Wallis" for field in ("name", "address", "place") for lang in ("de", "fr")},
}


def test_operations_without_a_case_are_refused_by_their_action_as_the_policy_says(world, db):
    actions_without_case = {
        "report_case": lambda by: actions.report_case(
            by=by,
            person=PersonFactory.build(),
            reporting_institution=institution("rav"),
            institutions=[institution("rav"), institution("social")],
            region=region("ow"),
            theme=None,
            reason="Neu",
        ),
        "use_print_queue": lambda by: actions.mark_documents([], by=by, mark=PrintMarkKind.PRINTED),
        "edit_letterhead": lambda by: actions.save_letterhead(Letterhead(**LETTERHEAD), by=by),
    }
    mismatches = []
    for name, function in actions_without_case.items():
        for role in ROLES:
            user = user_of(world, role)
            decision = policy.may(user, name)
            refusal = attempt(lambda function=function, user=user: function(user))
            if bool(decision) != (refusal is None) or (refusal and not refusal.forbidden):
                mismatches.append((name, role, decision, refusal and refusal.reasons))
    assert mismatches == []


# --- the case page shows what the policy allows ------------------------------------------------

BUTTON = re.compile(r'data-step="(\w+)"')
HREF = re.compile(r'href="([^"]+)"')


def shown_steps(html: str) -> set[str]:
    return set(BUTTON.findall(html))


def test_the_case_page_shows_a_step_or_a_link_exactly_when_the_policy_allows_it(world, db, client):
    """A step's button (ready, or disabled with the rules still unmet) when the policy lets
    the role take it from the case's state; a record's link when the policy allows it now."""
    links = {
        "edit_plan": "cases:edit_plan",
        "edit_resources": "cases:resources",
        "record_team_review": "cases:new_review",
        "record_power_of_attorney": "cases:new_poa",
        "write_exit_report": "cases:exit_report",
        "write_journal": "cases:new_journal_entry",
        "view_history": "cases:history",
        "view_access_log": "cases:access_log",
        "edit_person": "cases:edit_person",
        "edit_case_facts": "cases:edit_case_facts",
        "replace_case_manager": "cases:replace_case_manager",
        "record_dispute": "cases:new_dispute",
        "schedule_meeting": "cases:schedule_meeting",
    }
    mismatches = []
    for state in STATES:
        for role in ROLES:
            case, user = case_in(world, state), user_of(world, role)
            if not Case.objects.visible_to(user).filter(pk=case.pk).exists():
                continue
            client.force_login(user)
            html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
            expected = {name for name in steps() if policy.operation(name).may(user, case, conditions=False)}
            if shown_steps(html) != expected:
                mismatches.append((state, role, "steps", sorted(shown_steps(html)), sorted(expected)))
            hrefs = set(HREF.findall(html))
            for name, url_name in links.items():
                url = reverse(url_name, args=[case.pk])
                allowed = policy.may(user, name, case) if name not in PAGES else policy.permits(user, name, case)
                if (url in hrefs) != bool(allowed):
                    mismatches.append((state, role, name, url in hrefs, bool(allowed)))
            meeting = case.records.last_meeting
            if meeting is not None:
                url = reverse("cases:meeting", args=[case.pk, meeting.pk])
                if (url in hrefs) != bool(policy.may(user, "record_meeting", case)):
                    mismatches.append((state, role, "record_meeting"))
            for form_step, url_name in STEP_FORM_URLS.items():
                url = reverse(url_name, args=[case.pk])
                ready = policy.may(user, form_step, case)
                if (url in hrefs) != bool(ready):
                    mismatches.append((state, role, form_step, url in hrefs, bool(ready)))
    assert mismatches == []


# --- the document -------------------------------------------------------------------------------


def test_the_permissions_document_holds_the_policy_table():
    text = document_path().read_text(encoding="utf-8")
    documented = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert documented == policy.policy_table().strip(), "run: manage.py policy_table --write"


def test_every_entry_refuses_with_a_text_of_its_own_and_names_its_states():
    for op in OPERATIONS.values():
        assert str(op.refusal).strip(), op.name
        if op.states is not None:
            assert op.not_now, f"{op.name}: a state rule needs the message that says why not now"


def test_changing_who_may_validate_a_plan_is_one_line(monkeypatch):
    """The transition, the action and the page all read the one entry: replace it, and the
    state machine's permission follows."""
    from cases.flow.scope import is_officer

    case = Case(state=CaseState.PLAN_VALIDATION, region_id=None, theme_id=None)
    changed = policy.Operation("validate_plan", is_officer, "officer only", is_step=True, summary="officer")
    monkeypatch.setitem(OPERATIONS, "validate_plan", changed)
    transition = next(t for t in Case._meta.get_field("state").get_all_transitions(Case) if t.name == "validate_plan")

    class Someone:
        pk = 1

        def has_role(self, *roles):
            return "officer" in roles

    assert transition.has_perm(case, Someone())
