"""Pages of the scheduled meetings (cases/scheduling): scheduling the meeting a case waits
for, a meeting's page (agenda, checklist, invited and their replies, the person's letter,
reschedule, cancel, held), a coordinator's sessions and yearly meetings, and each user's
calendar with its private feed.

Every page loads the meeting through ``visible_meetings`` (404 outside), asks the policy
(through cases/scheduling/access.py) and calls one action. The feed is the one URL without
a session: its secret token is its authentication, a wrong token is 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import forms
from cases.actions import ActionRefused
from cases.audit.access import log_access, log_access_many
from cases.documents import rendering
from cases.flow import policy
from cases.models import AccessKind, AgendaItem, Case, CaseState, Participant, ScheduledKind
from cases.scheduling import access, invitations
from cases.scheduling import actions as scheduling
from cases.views import denied, forbidden, get_case_for_user

FORM_PAGE = require_http_methods(["GET", "POST"])


def _meeting(request: HttpRequest, meeting_pk: int):
    meetings = access.visible_meetings(request.user).select_related(
        "case__person", "case__region", "case__theme", "organiser", "region", "theme"
    )
    return get_object_or_404(meetings, pk=meeting_pk)


def _refused(request: HttpRequest, meeting, error: ActionRefused) -> HttpResponse:
    if error.forbidden:
        return forbidden(request, error.reasons)
    for reason in error.reasons:
        messages.error(request, reason)
    return redirect(meeting)


def _organiser_denied(request: HttpRequest, meeting) -> HttpResponse | None:
    decision = access.organiser_decision(request.user, meeting)
    if decision:
        return None
    if decision.forbidden:
        return forbidden(request, list(decision.reasons))
    for reason in decision.reasons:
        messages.error(request, reason)
    return redirect(meeting)


# --- scheduling the meeting a case waits for ----------------------------------------------------


@FORM_PAGE
def schedule_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat (a network meeting: the coordinator) sets the date, the place or the
    video link and invites the network, external participants and the person."""
    case = get_case_for_user(request.user, pk)
    if refusal := denied(request, "schedule_meeting", case):
        return refusal
    user_choices, users = forms.platform_user_choices()
    form = forms.ScheduleForm(request.POST or None, user_choices=user_choices, users=users)
    reasons: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            meeting = scheduling.schedule_case_meeting(case, by=request.user, when=form.when(), invitees=form.invitees())
        except ActionRefused as error:
            if error.forbidden:
                return forbidden(request, error.reasons)
            for name, texts in error.fields.items():
                for text in texts:
                    form.add_error(name if name in form.fields else None, text)
            reasons = [r for r in error.reasons if not any(r in texts for texts in error.fields.values())]
        else:
            messages.success(request, _("Meeting scheduled: the invitations are sent."))
            return redirect(meeting)
    if request.method == "GET":
        log_access(request, case, AccessKind.VIEW, "schedule meeting form")
    context = {"case": case, "form": form, "reasons": reasons, "page_title": _("Schedule the meeting"), "step": 2}
    return render(request, "cases/forms/schedule_meeting.html", context)


# --- a meeting's page ------------------------------------------------------------------------------


@require_GET
def meeting_page(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    """Everything about one scheduled meeting. The cases on its agenda show the person's
    name only to whoever sees the case (the reading is written to the access log)."""
    meeting = _meeting(request, meeting_pk)
    agenda = list(
        meeting.agenda.select_related(
            "case__person", "case__region", "case__theme", "record", "person_data_by", "power_of_attorney_by", "documents_by"
        )
    )
    participants = list(meeting.participants.select_related("user", "agenda_item__case__person", "reply_by"))
    seen = set(Case.objects.visible_to(request.user).filter(pk__in=[i.case_id for i in agenda]).values_list("pk", flat=True))
    log_access_many(request, [i.case for i in agenda if i.case_id in seen], AccessKind.VIEW, "scheduled meeting")
    organises = access.organiser_decision(request.user, meeting)
    rows = []
    for item in agenda:
        rows.append(
            {
                "item": item,
                "seen": item.case_id in seen,
                "may_tick": meeting.is_open and bool(access.checklist_decision(request.user, item.case)),
                "may_record": item.case_id in seen and bool(policy.may(request.user, "record_meeting", item.case)),
                "participants": [p for p in participants if p.agenda_item_id == item.pk and not p.is_person],
                "person_invited": any(p.is_person and p.agenda_item_id == item.pk for p in participants),
            }
        )
    context = {
        "meeting": meeting,
        "agenda": rows,
        "general": [p for p in participants if p.agenda_item_id is None],
        "organises": bool(organises),
        "may_reply": meeting.is_open and bool(access.reply_decision(request.user, meeting)),
        "checklist_open": meeting.is_open and any(not row["item"].checklist_done for row in rows),
        "reply_form": forms.ReplyForm(),
        "cancel_form": forms.CancelMeetingForm(),
        "held_form": forms.MeetingHeldForm(),
        "has_started": meeting.starts_at <= timezone.now(),
        "replies": Participant._meta.get_field("reply").choices,
    }
    return render(request, "cases/scheduling/meeting.html", context)


@FORM_PAGE
def reschedule_meeting(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    meeting = _meeting(request, meeting_pk)
    if refusal := _organiser_denied(request, meeting):
        return refusal
    if not meeting.is_open:
        messages.error(request, _("This meeting is no longer scheduled: it was held or cancelled."))
        return redirect(meeting)
    initial = {
        "starts_at": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(meeting.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "place": meeting.place,
        "video_link": meeting.video_link,
    }
    form = forms.WhenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            scheduling.reschedule(meeting, by=request.user, when=form.when())
        except ActionRefused as error:
            if error.forbidden:
                return forbidden(request, error.reasons)
            for name, texts in error.fields.items():
                for text in texts:
                    form.add_error(name if name in form.fields else None, text)
            if not error.fields:
                for reason in error.reasons:
                    form.add_error(None, reason)
        else:
            messages.success(request, _("Meeting moved: the new invitations are sent."))
            return redirect(meeting)
    return render(request, "cases/scheduling/reschedule.html", {"meeting": meeting, "form": form})


@require_POST
def cancel_meeting(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    meeting = _meeting(request, meeting_pk)
    form = forms.CancelMeetingForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        scheduling.cancel(meeting, by=request.user, reason=reason)
    except ActionRefused as error:
        return _refused(request, meeting, error)
    messages.success(request, _("Meeting cancelled: everyone invited is told."))
    return redirect(meeting)


@require_POST
def meeting_held(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    meeting = _meeting(request, meeting_pk)
    form = forms.MeetingHeldForm(request.POST)
    minutes = form.cleaned_data["minutes"] if form.is_valid() else ""
    try:
        scheduling.mark_held(meeting, by=request.user, minutes=minutes)
    except ActionRefused as error:
        return _refused(request, meeting, error)
    messages.success(request, _("Meeting marked as held."))
    return redirect(meeting)


@require_POST
def record_reply(request: HttpRequest, meeting_pk: int, participant_pk: int) -> HttpResponse:
    meeting = _meeting(request, meeting_pk)
    participant = get_object_or_404(meeting.participants.select_related("user", "agenda_item__case"), pk=participant_pk)
    participant.meeting = meeting
    form = forms.ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose attends or excused."))
        return redirect(meeting)
    try:
        scheduling.record_reply(participant, by=request.user, reply=form.cleaned_data["reply"])
    except ActionRefused as error:
        return _refused(request, meeting, error)
    messages.success(request, _("Reply recorded."))
    return redirect(meeting)


@require_POST
def tick_checklist(request: HttpRequest, meeting_pk: int, item_pk: int) -> HttpResponse:
    meeting = _meeting(request, meeting_pk)
    item = get_object_or_404(AgendaItem.objects.select_related("case"), meeting=meeting, pk=item_pk)
    item.meeting = meeting
    form = forms.ChecklistForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        scheduling.tick_checklist(item, by=request.user, check=form.cleaned_data["check"])
    except ActionRefused as error:
        return _refused(request, meeting, error)
    messages.success(request, _("Checked."))
    return redirect(meeting)


@require_GET
def person_letter(request: HttpRequest, meeting_pk: int, item_pk: int) -> HttpResponse:
    """The letter to the person of a case on the agenda (invitation, or its cancellation),
    for whoever organises the meeting or ticks its checklist; the download is logged."""
    meeting = _meeting(request, meeting_pk)
    item = get_object_or_404(AgendaItem.objects.select_related("case__person"), meeting=meeting, pk=item_pk)
    get_case_for_user(request.user, item.case_id)
    if not meeting.participants.filter(agenda_item=item, is_person=True).exists():
        raise Http404
    decision = access.checklist_decision(request.user, item.case)
    if not decision and not access.organiser_decision(request.user, meeting):
        return forbidden(request, list(decision.reasons))
    pdf = rendering.render_meeting_letter(meeting, item)
    log_access(request, item.case, AccessKind.DOWNLOAD, "meeting letter (PDF)")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{item.case.reference}-meeting.pdf"'
    return response


# --- sessions and yearly meetings -----------------------------------------------------------------


def _units_of(user):
    """The regions and themes the coordinator coordinates, as the form's choices."""
    from roles.models import Region, Theme

    units = access.scope.coordinated_units(user)
    regions = Region.objects.filter(pk__in=[pk for kind, pk in units if kind == "region"]).order_by("pk")
    themes = Theme.objects.filter(pk__in=[pk for kind, pk in units if kind == "theme"]).order_by("pk")
    return [(f"region:{r.pk}", r) for r in regions] + [(f"theme:{t.pk}", t) for t in themes]


@FORM_PAGE
def new_session(request: HttpRequest) -> HttpResponse:
    """A coordinator's round-table session: the cases waiting for a round table in the
    coordinator's units, the people invited for the session."""
    if refusal := denied(request, "organise_session"):
        return refusal
    return _unit_meeting(request, ScheduledKind.SESSION)


@FORM_PAGE
def new_yearly_meeting(request: HttpRequest) -> HttpResponse:
    if refusal := denied(request, "organise_yearly_meeting"):
        return refusal
    return _unit_meeting(request, ScheduledKind.YEARLY)


def _unit_meeting(request: HttpRequest, kind: str) -> HttpResponse:
    units = _units_of(request.user)
    user_choices, users = forms.platform_user_choices()
    waiting = []
    if kind == ScheduledKind.SESSION:
        waiting = list(
            Case.objects.visible_to(request.user)
            .filter(access.scope.units_q(request.user), state=CaseState.ROUND_TABLE)
            .select_related("person")
            .order_by("pk")
        )
    form = forms.UnitMeetingForm(
        request.POST or None,
        user_choices=user_choices,
        users=users,
        units=units,
        cases=waiting if kind == ScheduledKind.SESSION else None,
    )
    if request.method == "POST" and form.is_valid():
        unit = form.unit_of_meeting()
        try:
            if kind == ScheduledKind.SESSION:
                meeting = scheduling.schedule_session(
                    by=request.user,
                    when=form.when(),
                    title=form.cleaned_data["title"],
                    agenda=form.agenda(),
                    invitees=form.invitees(),
                    **unit,
                )
            else:
                meeting = scheduling.schedule_yearly_meeting(
                    by=request.user, when=form.when(), title=form.cleaned_data["title"], invitees=form.invitees(), **unit
                )
        except ActionRefused as error:
            if error.forbidden:
                return forbidden(request, error.reasons)
            for reason in error.reasons:
                form.add_error(None, reason)
        else:
            messages.success(request, _("Meeting scheduled: the invitations are sent."))
            return redirect(meeting)
    title = _("New round-table session") if kind == ScheduledKind.SESSION else _("New yearly meeting")
    return render(request, "cases/scheduling/unit_meeting.html", {"form": form, "page_title": title, "kind": kind})


# --- the calendar -------------------------------------------------------------------------------


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """The user's meetings, from today on, and the past ones of the last 90 days; the
    private feed's address (shown once, right after it is made)."""
    if refusal := denied(request, "view_calendar"):
        return refusal
    since = timezone.now() - timezone.timedelta(days=90)
    meetings = list(
        access.my_meetings(request.user)
        .filter(ends_at__gte=since)
        .select_related("case", "organiser", "region", "theme")
        .order_by("starts_at", "pk")[:200]
    )
    now = timezone.now()
    context = {
        "upcoming": [m for m in meetings if m.ends_at >= now],
        "past": [m for m in meetings if m.ends_at < now][::-1],
        "feed_url": request.session.pop("calendar_feed_url", ""),
        "has_feed": hasattr(request.user, "calendar_feed"),
        "may_session": bool(policy.may(request.user, "organise_session")),
        "may_yearly": bool(policy.may(request.user, "organise_yearly_meeting")),
    }
    return render(request, "cases/scheduling/calendar.html", context)


@require_POST
def new_calendar_token(request: HttpRequest) -> HttpResponse:
    """Make (or make again) the user's private feed address; the old one stops working."""
    if refusal := denied(request, "view_calendar"):
        return refusal
    token = scheduling.new_feed_token(by=request.user)
    from django.urls import reverse

    request.session["calendar_feed_url"] = request.build_absolute_uri(reverse("cases:calendar_feed", args=[token]))
    messages.success(request, _("New calendar address made: the old one no longer works."))
    return redirect("cases:calendar")


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private iCalendar feed: authenticated by its token (no session), the meetings of
    the token's user that the user may see now."""
    user = invitations.feed_user(token)
    if user is None:
        raise Http404
    meetings = access.my_meetings(user).select_related("case", "organiser").order_by("starts_at", "pk")
    response = HttpResponse(invitations.feed(meetings), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "no-store, private"
    return response
