"""The case list's filters and search, as one form that builds the queryset."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _

from cases import ahv
from cases.models import CaseState
from roles.models import Institution, Membership, Region, Role, Theme, User


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Reference, name or AHV number"), "autocomplete": "off"}),
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("all states"))] + list(CaseState.choices))
    region = forms.ModelChoiceField(label=_("Region"), required=False, queryset=Region.objects.all(), empty_label=_("all regions"))
    theme = forms.ModelChoiceField(label=_("Theme"), required=False, queryset=Theme.objects.all(), empty_label=_("all themes"))
    institution = forms.ModelChoiceField(
        label=_("Institution involved"), required=False, queryset=Institution.objects.filter(is_active=True),
        empty_label=_("all institutions"),
    )
    case_manager = forms.ModelChoiceField(label=_("Case manager"), required=False, queryset=User.objects.none(), empty_label=_("all case managers"))
    open_only = forms.BooleanField(label=_("Open cases only"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        contact_people = Membership.objects.active().filter(role=Role.CONTACT_PERSON).values("user_id")
        self.fields["case_manager"].queryset = User.objects.filter(pk__in=contact_people).order_by("last_name", "first_name")
        self.fields["institution"].label_from_instance = lambda i: i.short
        self.fields["case_manager"].label_from_instance = lambda u: u.get_full_name() or u.username

    def filter(self, cases: QuerySet) -> QuerySet:
        """Apply the valid filters to an already scoped queryset."""
        if not self.is_valid():
            return cases
        data = self.cleaned_data
        if data["q"]:
            cases = search(cases, data["q"])
        if data["state"]:
            cases = cases.filter(state=data["state"])
        if data["region"]:
            cases = cases.filter(region=data["region"])
        if data["theme"]:
            cases = cases.filter(theme=data["theme"])
        if data["institution"]:
            cases = cases.filter(pk__in=cases.model.institutions.through.objects.filter(institution=data["institution"]).values("case_id"))
        if data["case_manager"]:
            cases = cases.filter(case_manager=data["case_manager"])
        if data["open_only"]:
            from cases.models.case import FINAL_STATES

            cases = cases.exclude(state__in=FINAL_STATES)
        if data["overdue"]:
            from cases.deadlines import overdue_cases

            cases = overdue_cases(cases)
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
        names &= Q(person__last_name__icontains=word) | Q(person__first_name__icontains=word)
    return cases.filter(match | names)
