"""The case list's filters and search, as one form that builds the queryset; and the filters
of the dashboards and of the steering view.

The dashboards' numbers link to the case list with these filters, so the list shows exactly
the counted cases: the filters use the same definitions as the statistics (cases/statistics/stats.py).
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.forms.models import ModelChoiceIterator
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cases import ahv, cached
from cases.deadlines import add_months
from cases.models import Case, CaseState, ExitOutcome, Person
from cases.statistics import stats
from iiz.forms import PlainSelect, SafeForm
from roles.models import Institution, Membership, Region, Role, Theme, User


class ThemeChoiceIterator(ModelChoiceIterator):
    """The themes, then "no theme" (the regional cases)."""

    def __iter__(self):
        yield from super().__iter__()
        yield (stats.NO_THEME, _("no theme (regional cases)"))

    def __len__(self):
        return super().__len__() + 1


class ThemeField(forms.ModelChoiceField):
    """A theme, or ``stats.NO_THEME`` for the cases without a theme."""

    iterator = ThemeChoiceIterator

    def to_python(self, value):
        if value == stats.NO_THEME:
            return stats.NO_THEME
        return super().to_python(value)


def filter_units(cases: QuerySet, *, region=None, theme=None, institution=None) -> QuerySet:
    """Cases of the region, of the theme (or without one), with the institution involved."""
    if region:
        cases = cases.filter(region=region)
    if theme == stats.NO_THEME:
        cases = cases.filter(theme__isnull=True)
    elif theme:
        cases = cases.filter(theme=theme)
    if institution:
        cases = cases.filter(pk__in=Case.institutions.through.objects.filter(institution=institution).values("case_id"))
    return cases


def _step_choices(empty):
    return [("", empty)] + [(key, label) for key, (_column, label) in stats.STEPS.items()]


def _theme_id(value: str) -> int | str:
    return value if value == stats.NO_THEME else int(value)


def list_choices() -> dict[str, list[tuple[int, str]]]:
    """The options of the case list's selects, in the user's language: every page of the list
    shows them, and they change only with the regions, themes, institutions, memberships
    (in force on the day) and case managers, so they are kept in the figures' cache
    (cases/cached.py) per language and day. The same for every user: the selects offer
    every unit and case manager."""
    parts = (translation.get_language(), timezone.localdate().isoformat())
    return cached.remember("case-list-choices", parts, _list_choices)


def _list_choices() -> dict[str, list[tuple[int, str]]]:
    # Contact persons in office, and anyone who is (or was) the case manager of a case, so
    # that a dashboard's link to the caseload of someone who left still filters.
    contact_people = Membership.objects.active().filter(role=Role.CONTACT_PERSON).values("user_id")
    has_cases = Exists(Case.objects.filter(case_manager=OuterRef("pk")))
    case_managers = User.objects.filter(Q(pk__in=contact_people) | has_cases).order_by("last_name", "first_name")
    return {
        "region": [(region.pk, str(region)) for region in Region.objects.all()],
        "theme": [(theme.pk, str(theme)) for theme in Theme.objects.all()],
        "institution": [(institution.pk, institution.short) for institution in Institution.objects.filter(is_active=True)],
        "case_manager": [(user.pk, user.get_full_name() or user.username) for user in case_managers],
    }


class CaseFilterForm(SafeForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Reference, name or AHV number"), "autocomplete": "off"}),
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("all states"))] + list(CaseState.choices))
    # The selects' options come from the cache (``list_choices``); the values are ids.
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None, widget=PlainSelect)
    theme = forms.TypedChoiceField(label=_("Theme"), required=False, coerce=_theme_id, empty_value=None, widget=PlainSelect)
    institution = forms.TypedChoiceField(
        label=_("Institution involved"), required=False, coerce=int, empty_value=None, widget=PlainSelect
    )
    case_manager = forms.TypedChoiceField(
        label=_("Case manager"), required=False, coerce=int, empty_value=None, widget=PlainSelect
    )
    open_only = forms.BooleanField(label=_("Open cases only"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    overdue_rule = forms.ChoiceField(
        label=_("Overdue deadline"), required=False, choices=[("", _("any deadline"))] + list(stats.OVERDUE_RULES.items())
    )
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[("", _("all outcomes"))] + list(ExitOutcome.choices))
    dated = forms.ChoiceField(label=_("Step in the period"), required=False, choices=_step_choices(_("reported")))
    date_from = forms.DateField(
        label=_("Date from"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("Date until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reached = forms.ChoiceField(label=_("Step reached"), required=False, choices=_step_choices(_("any step")))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list_choices()
        self.fields["region"].choices = [("", _("all regions")), *choices["region"]]
        self.fields["theme"].choices = [
            ("", _("all themes")),
            *choices["theme"],
            (stats.NO_THEME, _("no theme (regional cases)")),
        ]
        self.fields["institution"].choices = [("", _("all institutions")), *choices["institution"]]
        self.fields["case_manager"].choices = [("", _("all case managers")), *choices["case_manager"]]
        for field in self.fields.values():  # the selects built in Python (hundreds of case managers)
            if type(field.widget) is forms.Select:
                field.widget = PlainSelect(attrs=field.widget.attrs, choices=field.widget.choices)

    def filter(self, cases: QuerySet) -> QuerySet:
        """Apply the valid filters to an already scoped queryset."""
        if not self.is_valid():
            return cases
        data = self.cleaned_data
        if data["q"]:
            cases = search(cases, data["q"])
        if data["state"]:
            cases = cases.filter(state=data["state"])
        cases = filter_units(cases, region=data["region"], theme=data["theme"], institution=data["institution"])
        if data["case_manager"]:
            cases = cases.filter(case_manager=data["case_manager"])
        if data["open_only"]:
            from cases.models.case import FINAL_STATES

            cases = cases.exclude(state__in=FINAL_STATES)
        if data["overdue"]:
            from cases.deadlines import overdue_cases

            cases = overdue_cases(cases)
        if data["overdue_rule"]:
            cases = cases.filter(stats.overdue_rule_q(timezone.localdate())[data["overdue_rule"]])
        if data["outcome"]:
            cases = cases.filter(exit_report__outcome=data["outcome"])
        if data["date_from"] or data["date_to"]:
            cases = cases.filter(stats.dated_q(data["dated"] or "reported", data["date_from"], data["date_to"]))
        if data["reached"]:
            cases = cases.filter(stats.reached_q(data["reached"]))
        return cases

    @property
    def is_filtered(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


def search(cases: QuerySet, text: str) -> QuerySet:
    """Reference, the person's names (every word must match one of them), or the AHV
    number (whole or in part, with or without dots)."""
    text = text.strip()
    match = Q(reference__icontains=text)
    digits = ahv.digits_of(text)
    if digits.isdigit() and len(digits) >= 4:
        cases = cases.annotate(ahv_digits=Replace("person__ahv_number", Value("."), Value("")))
        match |= Q(ahv_digits__contains=digits)
    names = Q()
    for word in text.split():
        names &= Q(last_name__icontains=word) | Q(first_name__icontains=word)
    # The persons whose names match, looked up first in the trigram indexes of the names
    # (migration 0022). A few thousand at most (a name): their ids go into the query, and the
    # database reads their cases through the index of the person, where a subquery had it
    # test every case of the list against the persons (a name search at 100,000 cases: the
    # page 165 ms and its count 400 ms, against about 40 ms each). More (a letter, a
    # syllable): the subquery, which finds the first page of the list soonest.
    persons = Person.objects.filter(names).values_list("pk", flat=True)
    found = list(persons[: SEARCH_PERSONS + 1])
    return cases.filter(match | (Q(person_id__in=found) if len(found) <= SEARCH_PERSONS else Q(person__in=persons)))


SEARCH_PERSONS = 5000


# --- Dashboards and steering view ----------------------------------------------------------

MAX_PERIOD_YEARS = 10


def default_period(today: datetime.date) -> stats.Period:
    """The last twelve months, this one included."""
    return stats.Period(add_months(today.replace(day=1), -11), today)


def _unit_id(value: str):
    return value if value == stats.NO_THEME else int(value)


class DashboardFilterForm(SafeForm):
    """Period (for the flow figures), region, theme and institution (for every figure).
    Invalid input is reported on the form and the defaults are used instead.

    The units are chosen among the page's labels (``stats.Labels``, from the figures' cache):
    the form runs no query to render its choices or to check them; a valid unit is its id."""

    date_from = forms.DateField(
        label=_("Date from"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("Date until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=int, empty_value=None, widget=PlainSelect)
    theme = forms.TypedChoiceField(label=_("Theme"), required=False, coerce=_unit_id, empty_value=None, widget=PlainSelect)
    institution = forms.TypedChoiceField(
        label=_("Institution involved"), required=False, coerce=int, empty_value=None, widget=PlainSelect
    )

    def __init__(self, data=None, *, today: datetime.date, labels: stats.Labels):
        super().__init__(data)
        self.today = today
        self.fields["region"].choices = [("", _("all regions"))] + [(pk, str(r)) for pk, r in labels.regions.items()]
        self.fields["theme"].choices = (
            [("", _("all themes"))]
            + [(pk, str(t)) for pk, t in labels.themes.items()]
            + [(stats.NO_THEME, _("no theme (regional cases)"))]
        )
        self.fields["institution"].choices = [("", _("all institutions"))] + [
            (pk, i.short) for pk, i in labels.institutions.items() if i.is_active
        ]

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        default = default_period(self.today)
        first, last = first or (last and last.replace(month=1, day=1)) or default.first, last or default.last
        if first > last:
            raise ValidationError(_("The start of the period must be before its end."))
        if (last - first).days > 366 * MAX_PERIOD_YEARS:
            raise ValidationError(_("The period can be at most %(years)s years long.") % {"years": MAX_PERIOD_YEARS})
        data["period"] = stats.Period(first, last)
        return data

    def _valid(self, name, default=None):
        return self.cleaned_data.get(name, default) if self.is_valid() else default

    @property
    def period(self) -> stats.Period:
        return self._valid("period", default_period(self.today))

    def units(self) -> dict:
        """The valid region/theme/institution filters, as ids ({} when the form is invalid)."""
        return {name: self._valid(name) for name in ("region", "theme", "institution") if self._valid(name)}

    def filter(self, cases: QuerySet) -> QuerySet:
        return filter_units(cases, **self.units())

    def link_params(self) -> dict:
        """The same filters as parameters of the case list."""
        return self.units()


class YearForm(SafeForm):
    """One calendar year, this one by default: the steering view and the activity report."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, required=False)

    def __init__(self, data=None, *, today: datetime.date):
        super().__init__(data if data and "year" in data else None)
        self.today = today
        self.fields["year"].widget.attrs["max"] = today.year
        self.fields["year"].initial = today.year

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year and year > self.today.year:
            raise ValidationError(_("Choose a year up to %(year)s.") % {"year": self.today.year})
        return year

    @property
    def chosen_year(self) -> int:
        """The valid year asked for, else this year."""
        return (self.is_bound and self.is_valid() and self.cleaned_data["year"]) or self.today.year
