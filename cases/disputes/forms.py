"""The forms of the steps of a dispute (the dispute page and the form to record one)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import date_input, not_in_future, text_area
from cases.models import DisputeSubject, ExchangeKind, ReferralKind
from iiz.forms import SafeForm
from roles.models import Institution


class DisputeForm(SafeForm):
    institutions = forms.ModelMultipleChoiceField(
        label=_("Institutions in dispute"),
        queryset=Institution.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("At least two."),
    )
    subject = forms.ChoiceField(label=_("About"), choices=DisputeSubject.choices, widget=forms.RadioSelect)
    description = forms.CharField(label=_("What the dispute is about"), widget=text_area(4))
    proposal = forms.CharField(
        label=_("Proposal"), widget=text_area(3), help_text=_("How the coordinator proposes to settle it.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institutions"].queryset = Institution.objects.filter(is_active=True).order_by("code")


class ExchangeForm(SafeForm):
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=ExchangeKind.choices, widget=forms.RadioSelect)
    held_on = forms.DateField(label=_("Held on"), widget=date_input(), validators=[not_in_future])
    participants = forms.CharField(label=_("Participants"), widget=text_area(2), help_text=_("Names and institutions."))
    outcome = forms.CharField(label=_("Outcome of the meeting"), widget=text_area(3))


class SettleForm(SafeForm):
    settlement = forms.CharField(label=_("What the institutions agreed"), widget=text_area(3))


class EscalateForm(SafeForm):
    reason = forms.CharField(label=_("Why it is not settled"), widget=text_area(3))


class PositionForm(SafeForm):
    position = forms.CharField(label=_("The officer's position"), widget=text_area(4))


class ReferForm(SafeForm):
    kind = forms.ChoiceField(label=_("The commission is asked to decide"), choices=ReferralKind.choices, widget=forms.RadioSelect)
    amount = forms.DecimalField(
        label=_("Amount (CHF)"),
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Needed for pre-financing and subsidiary financing."),
    )
    paying_institution = forms.ModelChoiceField(
        label=_("Institution expected to pay later"),
        queryset=Institution.objects.order_by("code"),
        required=False,
        help_text=_("Needed for pre-financing: the fund pays first, this institution refunds it."),
    )
    justification = forms.CharField(label=_("Justification for the commission"), widget=text_area(4))


# The form of each step, by its policy entry (cases/models/disputes.py STEPS).
STEP_FORMS = {
    "record_dispute_exchange": ExchangeForm,
    "settle_dispute": SettleForm,
    "escalate_dispute": EscalateForm,
    "take_dispute_position": PositionForm,
    "refer_dispute": ReferForm,
}
