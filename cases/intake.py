"""The intake form (CII101 step 1): the person and the report, with duplicate detection.

Duplicates are found fuzzily: the same AHV number, or the same date of birth with a first
or a last name that is alike (accents, transposed or missing letters, a changed last name).
Names are alike when their trigram similarity (PostgreSQL's ``pg_trgm``, on the names
without accents by ``unaccent``) reaches :data:`NAME_SIMILARITY`; on SQLite the same
similarity is computed in Python over the persons born on that day (a bounded set)."""

from __future__ import annotations

import datetime
import re
import unicodedata

from django import forms
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import ahv
from cases.models import Person
from iiz.forms import TEXT_MAX_LENGTH, SafeForm, SafeModelForm
from roles.models import Institution, Region, Role, Theme, User

# Two names are alike from this trigram similarity on (0..1; pg_trgm's default is 0.3).
NAME_SIMILARITY = 0.4
# At most so many persons born on the same day are compared (the SQLite path).
MAX_SAME_BIRTH_DATE = 500


def plain(text: str) -> str:
    """A name without accents, in lower case (what ``unaccent`` and ``pg_trgm`` compare)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("ß", "ss")


def trigrams(text: str) -> set[str]:
    """The trigrams of ``text`` as pg_trgm forms them: each word padded with two spaces in
    front and one behind."""
    found: set[str] = set()
    for word in re.findall(r"[^\W_]+", plain(text)):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity``: shared trigrams over all trigrams of both."""
    first, second = trigrams(a), trigrams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def likely_duplicates(*, ahv_number: str, first_name: str, last_name: str, birth_date: datetime.date | None) -> list[Person]:
    """Persons who are probably the same (one query), with their cases: the same AHV
    number, or the same date of birth and a first or a last name alike."""
    match = Q(ahv_number=ahv_number) if ahv_number else Q()
    if birth_date and (first_name.strip() or last_name.strip()):
        match |= Q(birth_date=birth_date)
    if not match:
        return []
    persons = Person.objects.filter(match).prefetch_related("cases")
    if connection.vendor == "postgresql" and birth_date:
        from django.contrib.postgres.lookups import Unaccent
        from django.contrib.postgres.search import TrigramSimilarity
        from django.db.models.functions import Lower

        found = Q(birth_date=birth_date) & (Q(first_alike__gte=NAME_SIMILARITY) | Q(last_alike__gte=NAME_SIMILARITY))
        if ahv_number:
            found |= Q(ahv_number=ahv_number)
        persons = persons.annotate(
            first_alike=TrigramSimilarity(Unaccent(Lower("first_name")), plain(first_name)),
            last_alike=TrigramSimilarity(Unaccent(Lower("last_name")), plain(last_name)),
        ).filter(found)
        return list(persons.order_by("last_name", "first_name", "pk")[:MAX_SAME_BIRTH_DATE])

    def alike(person: Person) -> bool:
        if ahv_number and person.ahv_number == ahv_number:
            return True
        return person.birth_date == birth_date and (
            similarity(person.first_name, first_name) >= NAME_SIMILARITY
            or similarity(person.last_name, last_name) >= NAME_SIMILARITY
        )

    return [p for p in persons.order_by("last_name", "first_name", "pk")[:MAX_SAME_BIRTH_DATE] if alike(p)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PersonForm(SafeModelForm):
    class Meta:
        model = Person
        fields = [
            "first_name",
            "last_name",
            "birth_date",
            "ahv_number",
            "sex",
            "language",
            "street",
            "postcode",
            "city",
            "phone",
            "email",
        ]
        widgets = {"birth_date": DateInput()}

    def clean_ahv_number(self) -> str:
        value = self.cleaned_data["ahv_number"].strip()
        if value:
            ahv.validate_ahv(value)
            value = ahv.normalize(value)
        return value

    def clean_birth_date(self):
        born = self.cleaned_data["birth_date"]
        if born and born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if born and born.year < 1900:
            raise forms.ValidationError(_("Please check the date of birth."))
        return born

    def _get_validation_exclusions(self):
        # A known AHV number is not an error here: the intake shows the existing person
        # instead (the number itself is checked in clean_ahv_number).
        return super()._get_validation_exclusions() | {"ahv_number"}


class ReportForm(SafeForm):
    reporting_institution = forms.ModelChoiceField(
        label=_("Reporting institution"), queryset=Institution.objects.filter(is_active=True)
    )
    institutions = forms.ModelMultipleChoiceField(
        label=_("Institutions involved"),
        queryset=Institution.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
        help_text=_("An IIZ case involves at least two institutions; the reporting institution is always included."),
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), help_text=_("Where the person lives."))
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.all(),
        required=False,
        empty_label=_("none (regional case)"),
        help_text=_("Youth or asylum: the thematic coordinator then follows the case."),
    )
    reason = forms.CharField(
        label=_("Reason for the report"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The situation, why IIZ is needed, and what has been tried."),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("reporting_institution", "institutions"):
            self.fields[name].label_from_instance = lambda i: i.label
        # Defaults from the reporter's own memberships.
        for m in user.active_memberships:
            if m.institution_id and "reporting_institution" not in self.initial:
                self.initial["reporting_institution"] = m.institution_id
            if m.region_id and "region" not in self.initial:
                self.initial["region"] = m.region_id
            if m.role == Role.THEMATIC_COORDINATOR and "theme" not in self.initial:
                self.initial["theme"] = m.theme_id


class DuplicateChoiceForm(SafeForm):
    """Shown when likely duplicates exist: use one of them, or confirm a new person."""

    NEW = "new"
    duplicate_choice = forms.ChoiceField(label=_("Is this one of these persons?"), widget=forms.RadioSelect)

    def __init__(self, *args, candidates, allow_new: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (str(p.pk), _("Yes: %(name)s, born %(date)s") % {"name": p.full_name, "date": p.birth_date.strftime("%d.%m.%Y")})
            for p in candidates
        ]
        if allow_new:
            choices.append((self.NEW, _("No: it is another person, create a new record")))
        self.fields["duplicate_choice"].choices = choices
