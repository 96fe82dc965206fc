"""The demo's meetings (cases/demo/meetings.py): assessments asked for, scheduled and held,
a round-table session with three cases and a yearly meeting, all made by the real actions."""

import pytest

from cases import worklists
from cases.models import MeetingState, ScheduledKind, ScheduledMeeting
from roles.models import User


@pytest.mark.django_db
def test_the_demo_has_meetings_in_each_state_a_session_and_a_yearly_meeting(demo):
    assessments = ScheduledMeeting.objects.filter(kind=ScheduledKind.ASSESSMENT)
    assert assessments.filter(state=MeetingState.SCHEDULED).exists()
    assert assessments.filter(state=MeetingState.HELD).exists()
    session = ScheduledMeeting.objects.get(kind=ScheduledKind.SESSION)
    assert session.agenda.count() >= 3
    assert session.participants.filter(is_person=True).count() == session.agenda.count()
    yearly = ScheduledMeeting.objects.get(kind=ScheduledKind.YEARLY)
    assert yearly.case is None and yearly.participants.count() >= 2
    # One assessment asked for waits in the secretariat's queue to be scheduled.
    secretariat = User.objects.get(username="secretariat")
    rows = [worklists.assessment_row(case, None) for case in worklists.assessments_to_organise(secretariat, None)]
    assert any("/schedule/" in row.url for row in rows)
