"""The forms of the accounting and conference pages (all derive from iiz/forms.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Conference, CostKind, InvoiceState
from iiz.forms import SafeForm, SafeModelForm
from roles.models import Institution, User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def institutions():
    return Institution.objects.filter(is_active=True).order_by("code")


class CostSharesForm(SafeForm):
    """A table of shares from a date: one percent field per active institution (empty: none)."""

    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution_list = list(institutions())
        for institution in self.institution_list:
            self.fields[f"share_{institution.code}"] = forms.DecimalField(
                label=str(institution), required=False, min_value=0, max_value=100, decimal_places=2, max_digits=5
            )

    def shares(self) -> dict[Institution, Decimal]:
        return {
            institution: self.cleaned_data[f"share_{institution.code}"]
            for institution in self.institution_list
            if self.cleaned_data.get(f"share_{institution.code}")
        }


class CostForm(SafeForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CostKind.choices)
    incurred_on = forms.DateField(label=_("Date"), widget=DATE)
    description = forms.CharField(label=_("Description"), max_length=200)
    amount = forms.DecimalField(label=_("Amount (CHF)"), min_value=Decimal("0.05"), max_digits=12, decimal_places=2)
    case_reference = forms.CharField(label=_("Case reference (optional)"), max_length=20, required=False)


class MakeInvoiceForm(SafeForm):
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.none())
    period_start = forms.DateField(label=_("Period from"), widget=DATE)
    period_end = forms.DateField(label=_("Period to"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions()


class InvoiceFilterForm(SafeForm):
    state = forms.ChoiceField(label=_("State"), choices=[("", _("All"))] + InvoiceState.choices, required=False)
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), required=False, empty_label=_("All")
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions()


class CancelInvoiceForm(SafeForm):
    reason = forms.CharField(label=_("Reason for the cancellation"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class PaidForm(SafeForm):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE, initial=datetime.date.today)


class ConferenceForm(SafeModelForm):
    class Meta:
        model = Conference
        fields = ["title", "held_on", "place", "description", "capacity"]
        widgets = {"held_on": DATE, "description": forms.Textarea(attrs={"rows": 3})}


class RegisterOtherForm(SafeForm):
    """The organisers register someone else: a user of a partner institution not on the list yet."""

    participant = forms.ModelChoiceField(label=_("Participant"), queryset=User.objects.none())

    def __init__(self, *args, conference, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = (
            User.objects.filter(is_active=True, memberships__institution__isnull=False)
            .exclude(pk__in=conference.registrations.values("participant"))
            .distinct()
            .order_by("last_name", "first_name")
        )
