"""The forms of the legal commission's and the fund's pages (cases/views/commission.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.documents.uploads import UploadField, scan_help
from cases.forms import date_input
from cases.models import (
    Disclosure,
    FundingKind,
    FundingRequest,
    Measure,
    MovementKind,
    Outcome,
    Sitting,
    SittingState,
)
from iiz.forms import SafeForm
from roles.models import Institution

AMOUNT_FIELD = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal("0")}


class FundingRequestForm(SafeForm):
    """A request to the commission, for a measure of the plan or a proposed measure."""

    kind = forms.ChoiceField(label=_("Kind of request"), choices=FundingKind.choices, widget=forms.RadioSelect)
    measure = forms.ModelChoiceField(
        label=_("Measure of the action plan"),
        queryset=None,
        required=False,
        empty_label=_("— a proposed measure (described below)"),
    )
    proposed_measure = forms.CharField(
        label=_("Proposed measure"),
        max_length=300,
        required=False,
        help_text=_("When the measure is not in the plan: what it is, who offers it."),
    )
    amount = forms.DecimalField(label=_("Amount (CHF)"), required=False, **AMOUNT_FIELD)
    paying_institution = forms.ModelChoiceField(
        label=_("Institution expected to pay later"),
        queryset=Institution.objects.filter(is_active=True),
        required=False,
        help_text=_("Pre-financing only."),
    )
    no_catalogue_reason = forms.CharField(
        label=_("Why no catalogue covers it"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Subsidiary financing only."),
    )
    justification = forms.CharField(label=_("Justification"), widget=forms.Textarea(attrs={"rows": 5}))
    disclosure = forms.MultipleChoiceField(
        label=_("Personal data the commission needs to see"),
        choices=Disclosure.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None by default: the commission sees the case pseudonymised."),
    )
    disclosure_reason = forms.CharField(
        label=_("Why the commission needs these personal data"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    attachment = UploadField(label=_("Attachment (an offer, a report)"), required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        plan = case.records.current_plan
        measures = Measure.objects.filter(plan=plan) if plan is not None else Measure.objects.none()
        self.fields["measure"].queryset = measures.select_related("catalogue_measure").order_by("position", "pk")
        self.fields["measure"].label_from_instance = lambda measure: measure.name
        self.fields["attachment"].help_text = scan_help()

    def request_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("attachment", None)
        return data


class SendBackForm(SafeForm):
    reason = forms.CharField(label=_("What is missing or to be changed"), widget=forms.Textarea(attrs={"rows": 3}))


class AgendaForm(SafeForm):
    sitting = forms.ModelChoiceField(label=_("Sitting"), queryset=Sitting.objects.none(), empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sitting"].queryset = Sitting.objects.filter(state=SittingState.SCHEDULED).order_by("held_on", "pk")


class SittingForm(SafeForm):
    held_on = forms.DateField(label=_("Date"), widget=date_input())
    place = forms.CharField(label=_("Place"), max_length=200)

    def clean_held_on(self):
        day = self.cleaned_data["held_on"]
        if day < datetime.date.today() - datetime.timedelta(days=365):
            raise forms.ValidationError(_("A sitting is scheduled within the last year or later."))
        return day


class DecisionForm(SafeForm):
    outcome = forms.ChoiceField(label=_("Decision"), choices=Outcome.choices, widget=forms.RadioSelect)
    amount = forms.DecimalField(label=_("Amount granted (CHF)"), required=False, **AMOUNT_FIELD)
    conditions = forms.CharField(label=_("Conditions or changes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    members_present = forms.ModelMultipleChoiceField(
        label=_("Members present"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    confirm_over_budget = forms.BooleanField(
        label=_("I confirm the decision although it goes over what remains of the fund"), required=False
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members_present"].queryset = members
        self.fields["members_present"].label_from_instance = lambda user: user.get_full_name() or user.username


class BudgetForm(SafeForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    budget = forms.DecimalField(label=_("Budget (CHF)"), **AMOUNT_FIELD)


class MovementForm(SafeForm):
    request = forms.ModelChoiceField(label=_("Approved request"), queryset=FundingRequest.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=MovementKind.choices)
    amount = forms.DecimalField(label=_("Amount (CHF)"), **AMOUNT_FIELD)
    on = forms.DateField(label=_("Date"), widget=date_input())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, requests, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request"].queryset = requests
        self.fields["request"].label_from_instance = lambda request: (
            f"{request.number} · {request.case.reference} · {request.get_kind_display()} · CHF {request.amount}"
        )
