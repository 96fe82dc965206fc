"""Every PDF renders in bounded time whatever the text (issue 18 point 5): long unbroken
texts wrap anywhere, long values are cut in the change history of the PDFs, and the free
texts of the forms have a length limit."""

import io

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from cases import actions
from cases.documents.rendering import breakable
from cases.models import Review, ReviewDecision, ReviewKind
from cases.templatetags.pdf import HISTORY_VALUE_LENGTH
from iiz.forms import TEXT_MAX_LENGTH
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

UNBROKEN = "x" * 3_000


def test_the_right_of_access_pdf_prints_long_unbroken_notes_whole(client, officer, make_case, coordinator):
    """The note is printed (wrapped at its break opportunities), not dropped or cut; how long
    such an export takes at 20,000 characters is measured by bench/documents.py
    (docs/benchmarks.md)."""
    person = PersonFactory.build(first_name="Lange", last_name="Notiz")
    case = make_case("implementation", person=person)
    for day in (1, 2):
        review = Review(kind=ReviewKind.TEAM, held_on=timezone.localdate(), summary=UNBROKEN, decision=ReviewDecision.CONTINUE)
        review = actions.record_review(case, by=coordinator, review=review)
        review.summary = UNBROKEN[:-day] + "y" * day  # a correction: the history shows before → after
        review._history_user = coordinator
        review.save()
    client.force_login(officer)
    response = client.get(reverse("cases:person_export", kwargs={"person_pk": case.person_id, "fmt": "pdf"}))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert text.count("x") >= 2 * len(UNBROKEN)  # each review's note, whole (across pages)


@pytest.mark.parametrize("length", [10_000, 100_000])
def test_the_free_texts_of_the_forms_are_bounded(length):
    from cases.forms import JournalEntryForm, ReviewForm

    with translation.override("de"):
        review = ReviewForm(
            {"kind": ReviewKind.TEAM, "held_on": "01.03.2026", "summary": "x" * length, "decision": ReviewDecision.CONTINUE},
            instance=Review(),
            kinds=[ReviewKind.TEAM],
            may_decide=True,
        )
        journal = JournalEntryForm({"kind": "note", "text": "x" * length})
        if length > TEXT_MAX_LENGTH:
            assert "höchstens 10000 Zeichen" in str(review.errors["summary"])
            assert "höchstens 10000 Zeichen" in str(journal.errors["text"])
        else:
            assert "summary" not in review.errors and journal.is_valid()
    assert review.fields["summary"].widget.attrs["maxlength"] == str(TEXT_MAX_LENGTH)


def test_long_values_are_cut_in_the_history_of_the_pdf():
    with translation.override("de"):
        html = render_to_string(
            "pdf/_history.html",
            {
                "changes": [
                    {
                        "at": None,
                        "user": "Ida Officer",
                        "record": {"type_label": "Review", "label": "1"},
                        "change": {"label": "changed"},
                        "fields": [{"label": "summary", "before": "a" * 5000, "after": "b" * 5000}],
                    }
                ]
            },
        )
    assert "a" * (HISTORY_VALUE_LENGTH - 1) + "…" in html and "a" * HISTORY_VALUE_LENGTH not in html
    assert "b" * (HISTORY_VALUE_LENGTH - 1) + "…" in html
    assert f"Werte mit mehr als {HISTORY_VALUE_LENGTH} Zeichen sind in dieser Tabelle gekürzt" in html


def test_long_runs_get_break_opportunities_outside_the_markup():
    html = '<p title="' + "t" * 100 + '">' + "x" * 100 + "</p><style>" + "c" * 100 + "</style>"
    broken = breakable(html)
    assert broken.replace("\u200b", "") == html
    assert "x" * 40 + "\u200b" + "x" * 40 + "\u200b" + "x" * 20 in broken
    assert "t" * 100 in broken and "c" * 100 in broken  # attributes and style sheet untouched
