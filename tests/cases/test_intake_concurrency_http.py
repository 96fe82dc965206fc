"""Two reports of the same new person at the same moment, over real HTTP (issue 18 points 1
and 7; cases/views/intake.py, actions.report_case): two users, each with their own session
and CSRF token, send the new-case form for the same person to the live server at once, from
two threads (each request on its own database connection). One case is made; the other
reporter gets a page that says so (the person was reported at the same moment, or is now
known), never a 500, and there is one person and one open case. With and without the AHV
number; several rounds, so that the requests really meet. Runs on the suite's database
(PostgreSQL in CI: ``DATABASE_URL``)."""

import re
import threading
import urllib.parse
import urllib.request

import pytest

from cases.models import Case, Person
from tests.cases.test_concurrency_http import Browser
from tests.helpers import intake_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_rows")]

ROUNDS = 4
# What the second reporter may read: reported at the same moment (the race lost at the save),
# or the person known already (the other report committed before this check).
SAME_MOMENT = "Jemand anderes hat diese Person im gleichen Moment gemeldet."
KNOWN = "Diese Person ist vielleicht bereits bekannt"


def report_at_once(browsers: list[Browser], data: dict) -> list[tuple[int, str]]:
    """Both browsers load the form, then send it at the same moment."""
    tokens = []
    for browser in browsers:
        html = browser.get("/cases/new/")
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1))
    start = threading.Barrier(len(browsers))
    answers: list = [None] * len(browsers)

    def send(i: int) -> None:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": tokens[i]}, doseq=True).encode()
        request = urllib.request.Request(
            browsers[i].base + "/cases/new/", data=body, headers={"Referer": browsers[i].base + "/cases/new/"}
        )
        start.wait()
        try:
            answers[i] = browsers[i]._send(request)
        except Exception as error:  # a 500 arrives as an HTTPError, which _send returns; anything else is noted
            answers[i] = (-1, repr(error))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.parametrize("with_ahv", [True, False], ids=["with AHV number", "without AHV number"])
def test_two_reports_of_the_same_new_person_at_once_make_one_case_and_a_message(live_server, frontline, contact_person, with_ahv):
    browsers = [Browser(live_server.url, frontline), Browser(live_server.url, contact_person)]
    ahv_numbers = ["7569217076985", "7561234567897", "7569876543217", "7565554443336"]
    for round_ in range(ROUNDS):
        # A person unlike the other rounds' (another name and date of birth: no fuzzy match).
        last_name = ["Muster", "Zenhäusern", "Bonvin", "Imboden"][round_]
        data = intake_data(
            **{
                "person-first_name": ["Anna", "Pascal", "Chiara", "Yves"][round_],
                "person-last_name": last_name,
                "person-birth_date": f"19{70 + round_}-0{round_ + 1}-1{round_}",
                "person-ahv_number": ahv_numbers[round_] if with_ahv else "",
            }
        )
        answers = report_at_once(browsers, data)
        statuses = sorted(status for status, _html in answers)
        assert all(status in (200, 302, 400, 409) for status in statuses), answers  # 409: the person has an open case now
        assert statuses.count(302) == 1, statuses  # one case made, and the reporter sent on to it
        (_status, other_html) = next(answer for answer in answers if answer[0] != 302)
        assert SAME_MOMENT in other_html or KNOWN in other_html, other_html[:2000]
        persons = Person.objects.filter(last_name=last_name)
        assert persons.count() == 1
        assert Case.objects.filter(person__in=persons).count() == 1
