"""The intake form (CII101 step 1): the person and the report, with duplicate detection."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import ahv
from cases.models import Person
from roles.models import Institution, Region, Role, Theme, User


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PersonForm(forms.ModelForm):
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


class ReportForm(forms.Form):
    reporting_institution = forms.ModelChoiceField(
        label=_("Reporting institution"), queryset=Institution.objects.filter(is_active=True)
    )
    institutions = forms.ModelMultipleChoiceField(
        label=_("Institutions involved"),
        queryset=Institution.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
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
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The situation, why IIZ is needed, and what has been tried."),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("reporting_institution", "institutions"):
            self.fields[name].label_from_instance = lambda i: f"{i.short} · {i.name}"
        # Defaults from the reporter's own memberships.
        for m in user.active_memberships:
            if m.institution_id and "reporting_institution" not in self.initial:
                self.initial["reporting_institution"] = m.institution_id
            if m.region_id and "region" not in self.initial:
                self.initial["region"] = m.region_id
            if m.role == Role.THEMATIC_COORDINATOR and "theme" not in self.initial:
                self.initial["theme"] = m.theme_id


class DuplicateChoiceForm(forms.Form):
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
