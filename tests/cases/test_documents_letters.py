"""Letters (cases/documents/rendering.py, templates/pdf/closure_letter.html): a frame printed
by the letter's template (address, place and date, subject, salutation, closing formula,
signature) around a body of paragraphs only, which the cantonal officer edits. Neither
repeats the other, and a standard letter fits on one A4 page; letters stored with the
frame in their text are cleaned by migration cases/migrations/0017_closure_letter_body.py."""

import importlib
from html import unescape
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

import cases.migrations
from cases.documents import rendering
from cases.models import Closure
from tests.helpers import field_errors, migrate_around, pages, person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def long_date(day, language) -> str:
    with translation.override(language):
        return formats.date_format(day, "DATE_FORMAT")


# What each language's frame says, for Jürg Zürcher (de) and Hélène Zürcher (fr).
FRAME = {
    "de": {
        "place": "Sitten",
        "subject": "Abschluss Ihrer IIZ-Begleitung",
        "salutation": "Sehr geehrter Herr Zürcher",
        "closing": "Freundliche Grüsse",
        "office": "Kantonale Stelle für interinstitutionelle Zusammenarbeit (IIZ)",
        "old_date": "Datum:",
    },
    "fr": {
        "place": "Sion",
        "subject": "Clôture de votre accompagnement CII",
        "salutation": "Madame,",
        "closing": "Nous vous prions d'agréer nos salutations distinguées.",
        "office": "Office cantonal de la collaboration interinstitutionnelle (CII)",
        "old_date": "Date :",
    },
}


@pytest.fixture(params=["de", "fr"])
def language(request):
    return request.param


@pytest.fixture
def awaiting(make_case, language):
    return make_case("awaiting_closure", person=person(language))


def close_through_the_page(client, case, officer) -> Closure:
    """The officer closes the case with the letter as the close page pre-fills it."""
    client.force_login(officer)
    html = client.get(reverse("cases:close", args=[case.pk])).content.decode()
    body = html.split('name="letter_text"')[1].split(">", 1)[1].split("</textarea>")[0]
    response = client.post(reverse("cases:close", args=[case.pk]), {"letter_text": unescape(body), "archive_note": ""})
    assert response.status_code == 302, field_errors(response.content.decode(), "letter_text")
    return Closure.objects.select_related("case__person", "closed_by").get(case=case)


def test_the_standard_letter_prints_each_part_of_its_frame_once_on_one_page(client, awaiting, officer, language):
    closure = close_through_the_page(client, awaiting, officer)
    pdf_pages = pages(rendering.render_closure_letter(closure))
    assert len(pdf_pages) == 1
    body = "\n".join(pdf_pages)
    frame = FRAME[language]
    date_line = f"{frame['place']}, {long_date(timezone.localdate(closure.closed_at), language)}"
    signature = f"{officer}\n{frame['office']}"  # the signer, and the office of the letterhead
    for part in (frame["salutation"], frame["subject"], date_line, frame["closing"], str(officer), signature):
        assert body.count(part) == 1, part
    assert body.count(awaiting.reference) == 1  # our reference, not a subject line of its own
    assert body.count("Rhonesandstrasse 7" if language == "de" else "Rue du Rhône 12") == 1
    assert frame["old_date"] not in body
    # in the order of a letter
    assert body.index(date_line) < body.index(frame["subject"]) < body.index(frame["salutation"])
    assert body.index(frame["salutation"]) < body.index(frame["closing"]) < body.index(str(officer))


def test_the_pre_filled_body_holds_no_part_of_the_frame(awaiting, officer, language):
    body = rendering.closure_letter_body(awaiting, awaiting.exit_report)
    frame = FRAME[language]
    for part in (frame["salutation"].rstrip(","), frame["subject"], frame["closing"], frame["old_date"], frame["place"] + ","):
        assert part not in body
    for line in awaiting.person.address_lines:
        assert line not in body
    assert str(officer) not in body and awaiting.reference not in body
    assert "Lonza AG, Visp" in body  # the outcome, from the exit report
    assert body.count("\n\n") == 2  # three paragraphs


def test_the_frame_is_signed_by_the_officer_with_the_letterheads_office(awaiting, officer, language):
    frame = rendering.closure_letter_frame(awaiting, signer=officer, date=TODAY)
    assert frame["signature"] == [str(officer), FRAME[language]["office"]]
    assert frame["date_line"] == f"{FRAME[language]['place']}, {long_date(TODAY, language)}"
    assert frame["salutation"] == FRAME[language]["salutation"]


def test_the_close_page_shows_the_frame_around_the_text_in_the_persons_language(client, awaiting, officer, language):
    officer.language = "de" if language == "fr" else "fr"
    officer.save(update_fields=["language"])
    client.force_login(officer)
    html = client.get(reverse("cases:close", args=[awaiting.pk])).content.decode()
    frame_html = html.split('id="letter-frame-title"')[1].split("</section>")[0]
    assert FRAME[language]["salutation"] in frame_html and FRAME[language]["subject"] in frame_html
    textarea = html.split('name="letter_text"')[1].split("</textarea>")[0]
    assert FRAME[language]["salutation"].rstrip(",") not in textarea


def test_a_text_that_repeats_the_frame_is_refused(client, awaiting, officer, language):
    client.force_login(officer)
    frame = FRAME[language]
    letter = f"{frame['salutation']}\n\nIhr Dossier ist abgeschlossen.\n\n{frame['closing']}\n\n{officer}\n"
    response = client.post(reverse("cases:close", args=[awaiting.pk]), {"letter_text": letter, "archive_note": ""})
    assert response.status_code == 200
    errors = unescape(field_errors(response.content.decode(), "letter_text"))
    assert frame["salutation"] in errors and frame["closing"] in errors and str(officer) in errors
    assert not Closure.objects.filter(case=awaiting).exists()


def test_a_text_that_mentions_the_salutation_within_a_sentence_is_accepted(client, awaiting, officer):
    client.force_login(officer)
    letter = "Wir danken Ihnen, sehr geehrter Herr Zürcher, für die Zusammenarbeit.\n"
    response = client.post(reverse("cases:close", args=[awaiting.pk]), {"letter_text": letter, "archive_note": ""})
    assert response.status_code == 302
    assert Closure.objects.get(case=awaiting).letter_text == letter.strip()


def test_the_text_is_kept_with_plain_line_breaks(client, awaiting, officer):
    client.force_login(officer)
    letter = "Erster Absatz.\r\n\r\nZweiter Absatz.\r\n"  # as a browser posts a textarea
    response = client.post(reverse("cases:close", args=[awaiting.pk]), {"letter_text": letter, "archive_note": ""})
    assert response.status_code == 302
    assert Closure.objects.get(case=awaiting).letter_text == "Erster Absatz.\n\nZweiter Absatz."


def test_a_letter_that_still_holds_its_frame_prints_it_twice_and_runs_to_two_pages(make_case, officer):
    """What the tests above guard against, as the closure letters were before."""
    case = make_case("closed", person=person("de"))
    closure = case.closure
    closure.letter_text = old_letter("de", case, officer, body=rendering.closure_letter_body(case, case.exit_report))
    pdf_pages = pages(rendering.render_closure_letter(closure))
    assert len(pdf_pages) == 2
    assert "\n".join(pdf_pages).count("Sehr geehrter Herr Zürcher") == 2


# --- migration 0017: the letters stored with their frame -------------------------------------------

# Found by its name, whatever number it gets when branches are merged.
MIGRATION = next(path.stem for path in Path(cases.migrations.__file__).parent.glob("*_closure_letter_body.py"))
strip_frame = importlib.import_module(f"cases.migrations.{MIGRATION}").strip_frame

BODY = {
    "de": "Seit dem 02.03.2026 haben Sie die Partnerinstitutionen gemeinsam begleitet.\n\nIhr Dossier wird archiviert.\n",
    "fr": "Depuis le 02.03.2026, les institutions partenaires vous ont accompagnée.\n\nVotre dossier est archivé.\n",
}


def old_letter(language, case, officer, body=None) -> str:
    """A letter as the close page pre-filled it before the frame was printed around it."""
    head = {
        "de": f"Datum: 02.12.2026\n\nIhr IIZ-Dossier {case.reference}: Abschluss\n\nSehr geehrter Herr Zürcher",
        "fr": f"Date : 02.12.2026\n\nVotre dossier CII {case.reference} : clôture\n\nMadame,",
    }[language]
    end = {
        "de": f"Freundliche Grüsse\n\n{officer}\nKantonale/r IIZ-Beauftragte/r",
        "fr": f"Nous vous prions d'agréer nos salutations distinguées.\n\n{officer}\nChargé·e cantonal·e de CII",
    }[language]
    address = "\n".join(case.person.address_lines)
    return f"{address}\n\n{head}\n\n{body or BODY[language]}\n{end}\n"


def test_the_migration_strips_the_generated_frame_in_german_and_french(make_case, officer, language):
    case = make_case("closed", person=person(language))
    old = old_letter(language, case, officer)
    assert strip_frame(old, full_name=case.person.full_name, reference=case.reference) == BODY[language]
    # as a browser posts a textarea
    crlf = old.replace("\n", "\r\n")
    assert strip_frame(crlf, full_name=case.person.full_name, reference=case.reference) == BODY[language]


def test_the_migration_leaves_rewritten_parts_as_written(make_case, officer):
    case = make_case("closed", person=person("de"))
    old = old_letter("de", case, officer)
    name, reference = case.person.full_name, case.reference
    # the salutation rewritten: the head stays, the generated end goes
    kept_head = old.replace("Sehr geehrter Herr Zürcher", "Lieber Jürg")
    assert strip_frame(kept_head, full_name=name, reference=reference).startswith("Jürg Zürcher\n")
    assert "Freundliche Grüsse" not in strip_frame(kept_head, full_name=name, reference=reference)
    # the closing rewritten: the end stays, the generated head goes
    kept_end = old.replace("Freundliche Grüsse", "Herzliche Grüsse")
    stripped = strip_frame(kept_end, full_name=name, reference=reference)
    assert stripped.startswith("Seit dem") and "Herzliche Grüsse" in stripped
    # a text written anew, and a body-only text, stay as they are
    for own in ("Sehr geehrter Herr Zürcher\n\nIhr Dossier ist abgeschlossen.", BODY["de"]):
        assert strip_frame(own, full_name=name, reference=reference) == own


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_rows")
def test_the_migration_cleans_the_stored_letters(make_case, officer):
    generated = make_case("closed", person=person("fr"))
    rewritten = make_case("closed", person=person("de"))
    migrate(before=True)
    try:
        Closure.objects.filter(case=generated).update(letter_text=old_letter("fr", generated, officer))
        Closure.objects.filter(case=rewritten).update(letter_text="Lieber Jürg\n\nAlles Gute!\n\nDein Team")
    finally:
        migrate(before=False)
    assert Closure.objects.get(case=generated).letter_text == BODY["fr"]
    assert Closure.objects.get(case=rewritten).letter_text == "Lieber Jürg\n\nAlles Gute!\n\nDein Team"


def migrate(*, before: bool):
    migrate_around(("cases", MIGRATION), before=before)
