"""The closure letters stored before the letter had a frame of its own held the frame in
their text as the form had pre-filled it: the address, the date line, the subject and the
salutation before the paragraphs, the closing formula and the signature after them. The
PDF now prints these around the text (cases/documents/rendering.py), so they would appear
twice. This migration removes them where they are as generated, in German or French: the
head (the person's name and address, "Datum: ..." / "Date : ...", the subject with the
case's reference, a salutation) and the end (the closing formula, then the signer's name
and "Kantonale/r IIZ-Beauftragte/r" / "Chargé·e cantonal·e de CII") are removed each on
its own when each matches whole; a text the officer rewrote there is left as written.

The patterns are those of the former template cases/forms/close_letter.txt and its German
and French translations, frozen here."""

import re

from django.db import migrations

from cases.migrations._constraints import immediate

DATE_LINE = re.compile(r"^(Datum: |Date : ?)\d{1,2}\.\d{1,2}\.\d{4}$")
SUBJECTS = ("Ihr IIZ-Dossier {reference}: Abschluss", "Votre dossier CII {reference} : clôture")
SALUTATION = re.compile(r"^(Sehr geehrte Frau .+|Sehr geehrter Herr .+|Guten Tag .+|Madame,|Monsieur,|Madame, Monsieur,)$")
CLOSINGS = ("Freundliche Grüsse", "Nous vous prions d'agréer nos salutations distinguées.")
FUNCTIONS = ("Kantonale/r IIZ-Beauftragte/r", "Chargé·e cantonal·e de CII")


def paragraphs(text: str) -> list[list[str]]:
    """The paragraphs of a text (separated by blank lines), each a list of its lines."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    found, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def strip_frame(text: str, *, full_name: str, reference: str) -> str:
    """``text`` without the generated head and end of the former pre-filled letter (each
    removed only where it matches whole); ``text`` itself when neither matches."""
    parts = paragraphs(text)
    head = len(parts) > 4 and (
        parts[0][0] == full_name
        and parts[1] == [parts[1][0]]
        and DATE_LINE.match(parts[1][0])
        and parts[2] in ([subject.format(reference=reference)] for subject in SUBJECTS)
        and parts[3] == [parts[3][0]]
        and SALUTATION.match(parts[3][0])
    )
    end = len(parts) > 2 and (
        parts[-2] == [parts[-2][0]] and parts[-2][0] in CLOSINGS and len(parts[-1]) == 2 and parts[-1][1] in FUNCTIONS
    )
    if not head and not end:
        return text
    body = parts[4 if head else 0 : -2 if end else None]
    if not body:
        return text
    return "\n\n".join("\n".join(lines) for lines in body) + "\n"


def forwards(apps, schema_editor):
    Closure = apps.get_model("cases", "Closure")
    rows = Closure.objects.exclude(letter_text="").values_list(
        "pk", "letter_text", "case__reference", "case__person__first_name", "case__person__last_name"
    )
    for pk, text, reference, first_name, last_name in rows.iterator():
        stripped = strip_frame(text, full_name=f"{first_name} {last_name}".strip(), reference=reference)
        if stripped != text:
            Closure.objects.filter(pk=pk).update(letter_text=stripped)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_institutions_on_record"),
    ]

    operations = [
        migrations.RunPython(immediate(forwards), migrations.RunPython.noop),
    ]
