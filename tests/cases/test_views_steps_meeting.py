"""cases:meeting (cases/views/steps.py): the coordinator (or the secretariat) records the
round table or the assessment: participants, the situation, the decision and the designated
case manager."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseState, MeetingDecision, MeetingParticipant
from tests.conftest import make_member
from tests.factories import institution, region
from tests.helpers import meeting_data, messages_of

pytestmark = pytest.mark.django_db


def url(case, meeting=None):
    meeting = meeting or case.meetings.latest("pk")
    return reverse("cases:meeting", args=[case.pk, meeting.pk])


def test_the_coordinator_sees_the_form_with_the_contact_persons_to_choose_from(
    client, make_case, coordinator, case_manager, contact_person
):
    case = make_case("round_table")
    client.force_login(coordinator)
    response = client.get(url(case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Runder Tisch (CII102)" in html
    assert f'<option value="{case_manager.pk}">{case_manager} · DSW (Oberwallis)</option>' in html
    assert f'<option value="{contact_person.pk}">{contact_person} · RAV (Oberwallis)</option>' in html
    assert f'<option value="{coordinator.pk}">{coordinator}' not in html.split('name="designated_cm"')[1].split("</select>")[0]


def test_the_secretariat_may_record_an_assessment(client, make_case, secretariat):
    case = make_case("assessment")
    client.force_login(secretariat)
    assert client.get(url(case)).status_code == 200


def test_a_meeting_of_another_case_is_404(client, make_case, coordinator):
    case = make_case("round_table")
    other = make_case("round_table")
    client.force_login(coordinator)
    assert client.get(url(case, other.meetings.get())).status_code == 404


def test_the_coordinator_records_the_round_table_with_its_participants(client, make_case, coordinator, case_manager):
    case = make_case("round_table")
    client.force_login(coordinator)
    data = meeting_data(
        cm=case_manager,
        participants=[
            {"user": str(coordinator.pk)},
            {"name": "Dr. Anna Imhof", "organisation": "Spitalzentrum Oberwallis", "function": "Hausärztin"},
        ],
    )
    response = client.post(url(case), data)
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    meeting = case.meetings.get()
    assert meeting.held_on == timezone.localdate()
    assert meeting.work_capacity == 50
    assert meeting.designated_cm == case_manager
    assert meeting.lead_institution == institution("rav")
    assert meeting.decision == MeetingDecision.CASE_MANAGEMENT
    people = list(meeting.participants.order_by("pk").values_list("user_id", "name", "organisation", "function"))
    assert people == [(coordinator.pk, "", "", ""), (None, "Dr. Anna Imhof", "Spitalzentrum Oberwallis", "Hausärztin")]
    assert messages_of(response) == ["Runder Tisch (CII102) gespeichert."]
    assert Case.objects.get(pk=case.pk).state == CaseState.ROUND_TABLE
    # The guard of the next step now holds.
    response = client.post(reverse("cases:step", args=[case.pk, "designate_case_manager"]))
    assert Case.objects.get(pk=case.pk).case_manager == case_manager


def test_case_management_needs_a_designated_case_manager(client, make_case, coordinator):
    case = make_case("round_table")
    client.force_login(coordinator)
    response = client.post(url(case), meeting_data(cm=None))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bezeichnen Sie den Case Manager, wenn Case Management beschlossen wird." in html
    assert 'value="Brig, RAV-Sitzungszimmer"' in html  # the input is kept
    assert "Case Management empfohlen." in html
    assert case.meetings.get().held_on is None


def test_no_case_management_needs_a_reason(client, make_case, coordinator):
    case = make_case("round_table")
    client.force_login(coordinator)
    response = client.post(url(case), meeting_data(decision=MeetingDecision.NO_CASE_MANAGEMENT))
    assert response.status_code == 200
    assert "Begründen Sie, weshalb kein Case Management nötig ist." in response.content.decode()
    assert case.meetings.get().decision == ""


@pytest.mark.parametrize(
    "field,value,error",
    [
        (
            "held_on",
            (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
            "Dieses Datum darf nicht in der Zukunft liegen.",
        ),
        ("work_capacity", "150", "100"),
        ("designated_cm", "999999", "gültige Auswahl"),
    ],
)
def test_invalid_values_are_shown_next_to_the_field(client, make_case, coordinator, case_manager, field, value, error):
    case = make_case("round_table")
    client.force_login(coordinator)
    response = client.post(url(case), meeting_data(cm=case_manager, **{field: value}))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}-errors"' in html
    assert error in html.split(f'id="id_{field}-errors"')[1].split("</div></div>")[0]
    assert case.meetings.get().held_on is None


def test_a_participant_needs_a_user_or_a_name(client, make_case, coordinator, case_manager):
    case = make_case("round_table")
    client.force_login(coordinator)
    response = client.post(
        url(case), meeting_data(cm=case_manager, participants=[{"organisation": "Suva", "function": "Berater"}])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Wählen Sie eine/n Benutzer/in der Plattform oder geben Sie den Namen der externen Person an." in html
    assert 'value="Berater"' in html
    assert not MeetingParticipant.objects.filter(meeting__case=case).exists()


def test_participants_already_recorded_are_shown_and_can_be_removed(client, make_case, coordinator, case_manager):
    case = make_case("round_table")
    meeting = case.meetings.get()
    meeting.participants.create(name="Hans Kalbermatten", organisation="Lonza AG", function="HR")
    meeting.participants.create(user=case_manager)
    client.force_login(coordinator)
    html = client.get(url(case)).content.decode()
    assert 'value="Hans Kalbermatten"' in html
    assert f'<option value="{case_manager.pk}" selected>' in html
    data = meeting_data(
        cm=case_manager,
        participants=[
            {"name": "Hans Kalbermatten", "organisation": "Lonza AG", "function": "HR"},
            {"user": str(case_manager.pk)},
        ],
        **{"participants-INITIAL_FORMS": "2", "participants-0-DELETE": "on"},
    )
    assert client.post(url(case), data).status_code == 302
    assert list(meeting.participants.values_list("user_id", flat=True)) == [case_manager.pk]


def test_adding_a_row_without_javascript_saves_nothing(client, make_case, coordinator, case_manager):
    case = make_case("round_table")
    client.force_login(coordinator)
    data = meeting_data(cm=case_manager, participants=[{"name": "Dr. Anna Imhof"}], add_row="participants")
    response = client.post(url(case), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="participants-TOTAL_FORMS" value="2"' in html
    assert 'name="participants-1-name"' in html and 'value="Dr. Anna Imhof"' in html
    assert "Noch nichts gespeichert" not in html
    assert case.meetings.get().held_on is None


def test_the_form_is_closed_once_the_case_manager_is_designated(client, make_case, coordinator):
    case = make_case("cm_designated")
    client.force_login(coordinator)
    response = client.get(url(case))
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert messages_of(response) == ["Runde Tische und Assessments werden erfasst, solange der Fall in diesem Schritt ist."]


def test_a_meeting_saved_by_someone_else_meanwhile_is_not_overwritten(client, make_case, coordinator, secretariat):
    """The secretariat and the coordinator both record the assessment: the second save is
    refused with what the first one saved, and keeps what was typed."""
    from cases.audit.versions import version_of

    case = make_case("assessment")
    meeting = case.meetings.get()
    url = reverse("cases:meeting", args=[case.pk, meeting.pk])
    loaded = version_of(meeting)
    empty = {"participants-TOTAL_FORMS": "0", "participants-INITIAL_FORMS": "0", "version": loaded}
    client.force_login(secretariat)
    assert client.post(url, {**empty, "place": "Sitten, Avenue du Midi 7"}).status_code == 302
    client.force_login(coordinator)
    response = client.post(url, {**empty, "place": "Brig"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"In der Zwischenzeit geändert von {secretariat}" in html
    assert "Sitten, Avenue du Midi 7" in html and 'value="Brig"' in html
    meeting.refresh_from_db()
    assert meeting.place == "Sitten, Avenue du Midi 7"


@pytest.mark.parametrize("n", [0, 6])
def test_the_meeting_form_reads_its_people_once_whatever_their_number(
    client, make_case, coordinator, n, django_assert_num_queries
):
    case = make_case("round_table")
    for i in range(n):
        make_member(f"cp-{i}", "contact_person", region=region("ow"), institution=institution("rav"))
    client.force_login(coordinator)
    page = url(case)
    # user, memberships, grants, case, the meeting, its participants, the people offered (one
    # query for the contact persons and everyone with a role), the meeting's version, the
    # access log (+1 its chain head), the institutions; My tasks (n) in the navigation
    with django_assert_num_queries(MEETING_QUERIES):
        html = client.get(page).content.decode()
    assert html.count("· RAV (Oberwallis)") >= n


MEETING_QUERIES = 12
