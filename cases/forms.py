"""Forms for the steps and records of a case (CII101 steps 2 to 11).

The forms check what the user can correct next to a field (dates, required details,
percentages), and ask the records' own rules (``clean`` of the model) where the form edits
a record. The rules of the flow and of the roles are checked again by the action the view
calls (cases/actions.py); a refusal about one input (``ActionRefused.fields``) is shown next
to the field of that name, the others at the top of the form.

Choices that come from the database (contact persons, users, institutions, the catalogue of
measures) are loaded once per request and shared by every row of a formset, so a page runs
the same number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cases.flow.guards import all_measures_ended
from cases.intake import PersonForm
from cases.models import (
    ActionPlan,
    Case,
    CaseState,
    CatalogueMeasure,
    ChecklistItem,
    EmployerContact,
    ExitOutcome,
    ExitReport,
    InterruptionReason,
    JournalKind,
    Measure,
    MeasureStatus,
    Meeting,
    MeetingDecision,
    MeetingKind,
    Person,
    PoaCheck,
    PowerOfAttorney,
    Reply,
    ResourcesSheet,
    Review,
    ReviewDecision,
    ReviewKind,
)
from cases.models.meetings import NETWORK_DECISIONS
from iiz.forms import SafeForm, SafeModelForm
from roles.models import Institution, Membership, Role, User


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def text_area(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def not_in_future(value: datetime.date | None) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(_("This date cannot be in the future."), code="future")


def institution_label(institution: Institution) -> str:
    return institution.label


def employer_label(contact: EmployerContact) -> str:
    """ "Lonza AG (Visp) · Chemie und Pharma": enough to tell two branches apart."""
    return f"{contact} · {contact.sector}" if contact.sector else str(contact)


class ExtraAttrsSelect(forms.Select):
    """A select whose options carry data attributes (``option_attrs``: value -> attrs), for
    the small script that pre-fills a row from the chosen option."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs, choices)
        self.option_attrs: dict[str, dict[str, str]] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        option["attrs"].update(self.option_attrs.get(str(value), {}))
        return option


# --- round table and assessment (CII101 steps 2, 3) ----------------------------------------


def active_memberships() -> list[Membership]:
    """The roles held today by active users, with their units, ordered as the choices below
    list them (one query): for a page that offers both kinds of choices."""
    return list(
        Membership.objects.active()
        .filter(user__is_active=True)
        .select_related("user", "institution", "region", "theme")
        .order_by("user__last_name", "user__first_name", "user_id", "role", "institution__code")
    )


def contact_person_choices(memberships: list[Membership] | None = None) -> tuple[list[tuple[Any, str]], dict[int, User]]:
    """The active IIZ contact persons, who can be designated case manager (one query, none
    when given :func:`active_memberships`): the choices "name · institution (region)" and
    the users by id."""
    if memberships is None:
        memberships = (
            Membership.objects.active()
            .filter(role=Role.CONTACT_PERSON, user__is_active=True)
            .select_related("user", "institution", "region")
            .order_by("user__last_name", "user__first_name", "user_id", "institution__code")
        )
    users: dict[int, User] = {}
    units: dict[int, list[str]] = {}
    for m in memberships:
        if m.role != Role.CONTACT_PERSON:
            continue
        users.setdefault(m.user_id, m.user)
        units.setdefault(m.user_id, []).append(f"{m.institution.short} ({m.region.name})")
    choices = [("", _("— choose a contact person —"))]
    choices += [(pk, f"{user} · {', '.join(units[pk])}") for pk, user in users.items()]
    return choices, users


def platform_user_choices(
    also: list[User] = (), memberships: list[Membership] | None = None
) -> tuple[list[tuple[Any, str]], dict[int, User]]:
    """The users who hold a role today, with their units, for the participants of a meeting
    (one query, none when given :func:`active_memberships`). ``also``: users already listed
    as participants, kept even without a role."""
    if memberships is None:
        memberships = active_memberships()
    users: dict[int, User] = {}
    roles: dict[int, list[str]] = {}
    for m in memberships:
        users.setdefault(m.user_id, m.user)
        roles.setdefault(m.user_id, []).append(str(m))
    for user in also:
        users.setdefault(user.pk, user)
        roles.setdefault(user.pk, [])
    choices = [("", _("— external person —"))]
    choices += [(pk, f"{user} · {'; '.join(roles[pk])}" if roles[pk] else str(user)) for pk, user in users.items()]
    return choices, users


class MeetingForm(SafeModelForm):
    """The round table (CII102) or assessment (CII104): date, place, what was established
    (IIZ-MAMAC: work capacity, employability, social situation), then the decision and who
    leads."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)  # cases/audit/versions.py

    designated_cm = forms.TypedChoiceField(
        label=capfirst(_("designated case manager")),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Always an IIZ contact person, chosen by the team of contact persons."),
    )

    class Meta:
        model = Meeting
        fields = [
            "scheduled_for",
            "place",
            "held_on",
            "work_capacity",
            "medical_situation",
            "employability",
            "social_situation",
            "result",
            "action_options",
            "decision",
            "decision_reason",
            "lead_institution",
            "designated_cm",
        ]
        widgets = {
            "scheduled_for": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "held_on": date_input(),
            "work_capacity": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
            "medical_situation": text_area(3),
            "employability": text_area(3),
            "social_situation": text_area(3),
            "result": text_area(3),
            "action_options": text_area(3),
            "decision": forms.RadioSelect,
            "decision_reason": text_area(2),
        }
        help_texts = {
            "held_on": _("Empty while the meeting has not taken place."),
            "action_options": _("The basis of the action plan: what the institutions can offer."),
            "decision_reason": _("Required when no case management is needed."),
        }

    def __init__(self, *args, cm_choices, cm_users: dict[int, User], **kwargs):
        super().__init__(*args, **kwargs)
        self.cm_users = cm_users
        self.fields["designated_cm"].choices = cm_choices
        self.fields["held_on"].validators.append(not_in_future)
        self.fields["work_capacity"].validators += [MinValueValidator(0), MaxValueValidator(100)]
        self.fields["lead_institution"].queryset = Institution.objects.filter(is_active=True).order_by("code")
        self.fields["lead_institution"].label_from_instance = institution_label
        self.fields["lead_institution"].empty_label = _("— choose —")
        decisions = list(MeetingDecision.choices)
        self.is_network = self.instance.case_id is not None and self.instance.case.state == CaseState.NETWORK
        if self.is_network:  # back to the network during implementation
            decisions = [c for c in decisions if c[0] == MeetingDecision.PENDING or c[0] in NETWORK_DECISIONS]
        else:
            decisions = [c for c in decisions if c[0] not in NETWORK_DECISIONS]
            if self.instance.kind == MeetingKind.ASSESSMENT:
                decisions = [c for c in decisions if c[0] != MeetingDecision.ASSESSMENT]
        self.fields["decision"].choices = decisions

    def clean_designated_cm(self) -> User | None:
        pk = self.cleaned_data.get("designated_cm")
        return self.cm_users.get(pk) if pk else None

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision and not data.get("held_on") and "held_on" not in self._errors:
            self.add_error("held_on", _("A decision is taken at the meeting: give the date it was held."))
        if decision == MeetingDecision.CASE_MANAGEMENT and not data.get("designated_cm"):
            self.add_error("designated_cm", _("Name the case manager when the decision is case management."))
        if decision == MeetingDecision.CHANGE_CM and not data.get("designated_cm"):
            self.add_error("designated_cm", _("Name the new case manager."))
        if decision == MeetingDecision.NO_CASE_MANAGEMENT and not (data.get("decision_reason") or "").strip():
            self.add_error("decision_reason", _("Give the reason why no case management is needed."))
        return data


class ParticipantForm(SafeForm):
    """Someone at the meeting: a user of the platform, or an external person."""

    user = forms.TypedChoiceField(label=capfirst(_("user of the platform")), coerce=int, empty_value=None, required=False)
    name = forms.CharField(label=capfirst(_("name (external person)")), max_length=200, required=False)
    organisation = forms.CharField(label=capfirst(_("institution or organisation")), max_length=200, required=False)
    function = forms.CharField(label=capfirst(_("function")), max_length=200, required=False)

    def __init__(self, *args, user_choices, users: dict[int, User], **kwargs):
        super().__init__(*args, **kwargs)
        self.users = users
        self.fields["user"].choices = user_choices

    def clean(self):
        data = super().clean()
        if not data.get("user") and not (data.get("name") or "").strip():
            raise ValidationError(_("Choose a user of the platform or give the name of the external person."))
        return data

    def participant(self) -> dict:
        """The keyword arguments of one MeetingParticipant."""
        data = self.cleaned_data
        user = self.users.get(data["user"]) if data.get("user") else None
        return {
            "user": user,
            "name": "" if user else data["name"].strip(),
            "organisation": data.get("organisation", "").strip(),
            "function": data.get("function", "").strip(),
        }


ParticipantFormSet = forms.formset_factory(ParticipantForm, extra=1, can_delete=True)


def participants_initial(meeting: Meeting) -> list[dict]:
    return [
        {"user": p.user_id, "name": p.name, "organisation": p.organisation, "function": p.function}
        for p in meeting.participants.all()
    ]


def kept_forms(formset: forms.BaseFormSet) -> list[forms.Form]:
    """The rows of a valid formset that are filled in and not marked for removal, in order
    (an empty extra row has no cleaned data)."""
    deleted = set(map(id, formset.deleted_forms)) if formset.can_delete else set()
    return [f for f in formset.forms if f.cleaned_data and id(f) not in deleted]


# --- the resources data sheet (CII101 steps 3, 4, 7) --------------------------------------


class ResourcesSheetForm(SafeModelForm):
    """The person's resources data sheet (Datenblatt Ressourcen), beside the form of the round
    table or assessment, of the action plan and of a review, and on a page of its own
    (prefix "resources"). It holds what the person states, not diagnoses."""

    class Meta:
        model = ResourcesSheet
        fields = list(ResourcesSheet.CONTENT)
        widgets = {
            "education": text_area(2),
            "work_experience": text_area(2),
            "work_capacity": forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
            "constraints": text_area(2),
            "childcare": text_area(2),
            "other": text_area(3),
        }
        help_texts = {
            "education": _("Schools, apprenticeship, diplomas and courses, recognised in Switzerland or not."),
            "work_experience": _("Jobs, sectors and skills, in Switzerland and abroad."),
            "languages": _("With the level, e.g. German (mother tongue), French B1."),
            "work_capacity": _("As the person states it, from 0 to 100 %: not the medical assessment."),
            "constraints": _(
                "What the person cannot or does not want to take on (hours, places, kinds of work), "
                "in their own words; no diagnoses."
            ),
            "childcare": _("Children to look after, and who looks after them while the person works or attends a measure."),
            "other": _("Skills, interests, social network: anything else the person can build on."),
        }

    prefix = "resources"

    def changed_sheet(self) -> ResourcesSheet | None:
        """The sheet to save with the record it is filled in with: None when nothing in it
        changed (an untouched sheet is neither created nor marked as updated)."""
        return self.instance if self.has_changed() else None


# --- first meeting and action plan (CII101 step 4) ----------------------------------------


class FirstMeetingForm(SafeForm):
    first_meeting_on = forms.DateField(
        label=capfirst(_("first meeting with the person on")),
        widget=date_input(),
        validators=[not_in_future],
        help_text=_("The day you met the person to start the action plan together."),
    )


class PlanForm(SafeModelForm):
    """The plan version's own fields: notes and the two signatures (the person's resources
    are the case's data sheet: ResourcesSheetForm beside it)."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)  # cases/audit/versions.py

    class Meta:
        model = ActionPlan
        fields = ["notes", "signature_place", "signed_by_person_on", "signed_by_cm_on"]
        widgets = {
            "notes": text_area(3),
            "signed_by_person_on": date_input(),
            "signed_by_cm_on": date_input(),
        }
        help_texts = {
            "notes": _("Employer contacts, the doctor's or the medical service's opinion, agreements with organisers."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_by_person_on"].validators.append(not_in_future)
        self.fields["signed_by_cm_on"].validators.append(not_in_future)


class GoalForm(SafeForm):
    text = forms.CharField(label=capfirst(_("goal")), widget=text_area(2), required=False)


class BaseGoalFormSet(forms.BaseFormSet):
    def goals(self) -> list[str]:
        return [f.cleaned_data["text"].strip() for f in kept_forms(self) if f.cleaned_data.get("text", "").strip()]


GoalFormSet = forms.formset_factory(GoalForm, formset=BaseGoalFormSet, extra=1, can_delete=True)


@dataclass
class MeasureOptions:
    """What every measure row of one plan chooses from (three queries, once per request)."""

    catalogue: dict[int, CatalogueMeasure]
    institutions: dict[int, Institution]
    measure_ids: set[int] = field(default_factory=set)
    employers: dict[int, EmployerContact] = field(default_factory=dict)

    @classmethod
    def load(cls, plan: ActionPlan) -> MeasureOptions:
        # Measures already in the plan keep their catalogue entry, institution and employer
        # even if these were deactivated since.
        chosen_catalogue = {m.catalogue_measure_id for m in plan.measures_list if m.catalogue_measure_id}
        chosen_institutions = {m.responsible_institution_id for m in plan.measures_list}
        chosen_employers = {m.employer_contact_id for m in plan.measures_list if m.employer_contact_id}
        catalogue = CatalogueMeasure.objects.filter(Q(is_active=True) | Q(pk__in=chosen_catalogue)).select_related("institution")
        institutions = Institution.objects.filter(Q(is_active=True) | Q(pk__in=chosen_institutions))
        employers = (
            EmployerContact.objects.filter(Q(is_active=True) | Q(pk__in=chosen_employers))
            .select_related("institution")
            .order_by("company", "city", "pk")
        )
        return cls(
            catalogue={c.pk: c for c in catalogue},
            institutions={i.pk: i for i in institutions},
            measure_ids={m.pk for m in plan.measures_list},
            employers={e.pk: e for e in employers},
        )

    def catalogue_choices(self) -> list:
        """Grouped by institution, for a select with one group per partner."""
        groups: dict[int, tuple[Institution, list]] = {}
        for entry in sorted(self.catalogue.values(), key=lambda c: (c.institution.code, c.name)):
            groups.setdefault(entry.institution_id, (entry.institution, []))[1].append((entry.pk, entry.name))
        return [("", _("— none: a measure described freely —"))] + [
            (institution_label(institution), entries) for institution, entries in groups.values()
        ]

    def catalogue_attrs(self) -> dict[str, dict[str, str]]:
        return {
            str(pk): {"data-title": entry.name, "data-institution": str(entry.institution_id)}
            for pk, entry in self.catalogue.items()
        }

    def institution_choices(self) -> list:
        return [("", _("— choose —"))] + [
            (pk, institution_label(i)) for pk, i in sorted(self.institutions.items(), key=lambda item: item[1].code)
        ]

    def employer_choices(self) -> list:
        """Grouped by the partner institution that keeps the contact, companies in
        alphabetical order."""
        groups: dict[int, tuple[Institution, list]] = {}
        for contact in self.employers.values():
            groups.setdefault(contact.institution_id, (contact.institution, []))[1].append((contact.pk, employer_label(contact)))
        ordered = sorted(groups.values(), key=lambda group: group[0].code)
        return [("", _("— no employer —"))] + [(institution_label(institution), entries) for institution, entries in ordered]


class MeasureForm(SafeForm):
    """One measure of the plan: from a partner's catalogue or described freely. A catalogue
    measure fills in an empty title and responsible institution."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    catalogue_measure = forms.TypedChoiceField(
        label=capfirst(_("from the catalogue")),
        coerce=int,
        empty_value=None,
        required=False,
        widget=ExtraAttrsSelect,
        help_text=_("Fills in the title and the institution if they are empty."),
    )
    title = forms.CharField(label=capfirst(_("measure")), max_length=200, required=False)
    employer_contact = forms.TypedChoiceField(
        label=capfirst(_("employer")),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("When the measure takes place at an employer of the partners' employer contacts."),
    )
    responsible_institution = forms.TypedChoiceField(
        label=capfirst(_("responsible institution")), coerce=int, empty_value=None, required=False
    )
    starts_on = forms.DateField(label=capfirst(_("start")), widget=date_input(), required=False)
    due_on = forms.DateField(label=capfirst(_("due")), widget=date_input(), required=False)
    status = forms.ChoiceField(label=capfirst(_("status")), choices=MeasureStatus.choices, initial=MeasureStatus.PLANNED)
    result = forms.CharField(label=capfirst(_("result")), widget=text_area(2), required=False)

    def __init__(self, *args, options: MeasureOptions, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = options
        self.fields["catalogue_measure"].choices = options.catalogue_choices()
        self.fields["catalogue_measure"].widget.option_attrs = options.catalogue_attrs()
        self.fields["responsible_institution"].choices = options.institution_choices()
        self.fields["employer_contact"].choices = options.employer_choices()

    def clean(self):
        data = super().clean()
        if data.get("id") and data["id"] not in self.options.measure_ids:
            raise ValidationError(_("This measure is not part of this plan version. Reload the page."))
        entry = self.options.catalogue.get(data.get("catalogue_measure"))
        if entry is not None:
            # Filled in on the server, so it works without JavaScript; written back into the
            # data so that a page shown again with errors shows it too.
            if not data.get("title", "").strip():
                data["title"] = entry.name
                self._write_back("title", entry.name)
            if not data.get("responsible_institution"):
                data["responsible_institution"] = entry.institution_id
                self._write_back("responsible_institution", str(entry.institution_id))
        if not data.get("title", "").strip() and "title" not in self._errors:
            self.add_error("title", _("Give the measure a title, or choose it from the catalogue."))
        if not data.get("responsible_institution") and "responsible_institution" not in self._errors:
            self.add_error("responsible_institution", _("Choose the institution responsible for the measure."))
        try:  # the measure's own rule on its dates (Measure.clean), next to the due date
            Measure(starts_on=data.get("starts_on"), due_on=data.get("due_on")).clean()
        except ValidationError as error:
            self.add_error(None, error)
        return data

    def _write_back(self, name: str, value: str) -> None:
        if getattr(self.data, "_mutable", True):
            self.data[self.add_prefix(name)] = value

    def measure(self) -> dict:
        """The dict save_plan expects for this measure."""
        data = self.cleaned_data
        measure = {
            "catalogue_measure": self.options.catalogue.get(data.get("catalogue_measure")),
            "title": data["title"].strip(),
            "employer_contact": self.options.employers.get(data.get("employer_contact")),
            "responsible_institution": self.options.institutions[data["responsible_institution"]],
            "starts_on": data.get("starts_on"),
            "due_on": data.get("due_on"),
            "status": data["status"],
            "result": data.get("result", ""),
        }
        if data.get("id"):
            measure["id"] = data["id"]
        return measure


class BaseMeasureFormSet(forms.BaseFormSet):
    def measures(self) -> list[dict]:
        return [f.measure() for f in kept_forms(self)]


MeasureFormSet = forms.formset_factory(MeasureForm, formset=BaseMeasureFormSet, extra=1, can_delete=True)


def measure_initial(measure: Measure) -> dict:
    return {
        "id": measure.pk,
        "catalogue_measure": measure.catalogue_measure_id,
        "title": measure.name,  # a catalogue measure's name in the reader's language
        "employer_contact": measure.employer_contact_id,
        "responsible_institution": measure.responsible_institution_id,
        "starts_on": measure.starts_on,
        "due_on": measure.due_on,
        "status": measure.status,
        "result": measure.result,
    }


# --- validation of the plan (CII101 step 5) -----------------------------------------------


class StepTextForm(SafeForm):
    """The text of a step without a page of its own (cases:step): the comment of a validation,
    the reason for changing the plan. Read through a form like every input, so that no NUL
    character reaches the database; kept as typed (the action strips it)."""

    text = forms.CharField(required=False, strip=False)

    @classmethod
    def text_of(cls, data) -> str:
        form = cls(data)
        return form.cleaned_data["text"] if form.is_valid() else ""


class SendBackForm(SafeForm):
    """The coordinator does not validate the plan: why, and which other options the case
    manager should work out with the person (both required)."""

    reasons = forms.CharField(
        label=capfirst(_("reasons for the refusal")),
        widget=text_area(4),
        help_text=_("Why this version cannot be validated as it is."),
    )
    options = forms.CharField(
        label=capfirst(_("other options proposed")),
        widget=text_area(4),
        help_text=_("The other possible actions the case manager should work out with the person."),
    )


# --- the partners' employer contacts (CII101 step 4) --------------------------------------


class EmployerSearchForm(SafeForm):
    """The search of the partners' employer contacts: every word must appear in the
    company, sector, town or contact person, or be the abbreviation of the partner
    institution that keeps the contact (RAV, ORP, IV, ...); optionally one partner
    institution. (Institutions' full names are left out: a word like "Sion" would find
    "professionnelle".)"""

    MAX_WORDS = 5

    q = forms.CharField(
        label=capfirst(_("search")),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Company, sector, town or contact person"), "autocomplete": "off"}),
    )
    institution = forms.ModelChoiceField(
        label=capfirst(_("partner institution")),
        required=False,
        queryset=Institution.objects.none(),
        empty_label=_("all partners"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.filter(is_active=True).order_by("code")
        self.fields["institution"].label_from_instance = institution_label

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and self.is_valid() and bool(self.words() or self.cleaned_data.get("institution"))

    def words(self) -> list[str]:
        return (self.cleaned_data.get("q") or "").split()[: self.MAX_WORDS]

    def filter(self, contacts):
        """The contacts that match (all of them while the form is empty or invalid)."""
        if not self.is_bound or not self.is_valid():
            return contacts
        for word in self.words():
            contacts = contacts.filter(
                Q(company__icontains=word)
                | Q(sector__icontains=word)
                | Q(city__icontains=word)
                | Q(contact_name__icontains=word)
                | Q(institution__short_de__iexact=word)
                | Q(institution__short_fr__iexact=word)
            )
        if self.cleaned_data.get("institution"):
            contacts = contacts.filter(institution=self.cleaned_data["institution"])
        return contacts


# --- reviews and power of attorney (CII101 step 7) ----------------------------------------


class ReviewForm(SafeModelForm):
    """A review (Standortbestimmung) and its decision. Which kinds and decisions are
    offered depends on the user: only the case manager reviews with the person and
    decides to change or finish the plan. Its instance is a review of the case, so that
    the review's own rules on its date (Review.clean) are said next to the date.

    "Renewed" records the new power of attorney in the same step: the fields
    ``poa_signed_on`` and ``poa_institutions`` are the arguments of the same name of
    ``actions.record_review``, which says which are missing and whether the power of
    attorney checked covers the time until the next review."""

    poa_signed_on = forms.DateField(
        label=capfirst(_("new power of attorney signed on")),
        widget=date_input(),
        required=False,
        validators=[not_in_future],
        help_text=_("Valid one year: until the day before the same date next year."),
    )
    poa_institutions = forms.ModelMultipleChoiceField(
        label=capfirst(_("institutions covered")),
        queryset=Institution.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Data may be shared only between the institutions the person agreed to."),
    )

    class Meta:
        model = Review
        fields = ["kind", "held_on", "summary", "poa_check", "network_informed", "decision"]
        widgets = {
            "kind": forms.RadioSelect,
            "held_on": date_input(),
            "summary": text_area(4),
            "poa_check": forms.RadioSelect,
            "decision": forms.RadioSelect,
        }
        labels = {
            "poa_check": _("Check of the power of attorney"),
            "decision": _("What happens with the plan"),
        }
        help_texts = {
            "summary": _("What was found and agreed; it is written in the case journal."),
            "poa_check": _(
                "Required at every review with the person: the power of attorney is valid one year, and must still be "
                "valid when the next review with the person is due."
            ),
        }

    def __init__(self, *args, kinds: list[str], may_decide: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [c for c in ReviewKind.choices if c[0] in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
        self.fields["poa_check"].choices = [c for c in PoaCheck.choices if c[0]] + [("", PoaCheck.NOT_APPLICABLE.label)]
        self.fields["poa_institutions"].queryset = Institution.objects.filter(is_active=True).order_by("code")
        self.fields["poa_institutions"].label_from_instance = institution_label
        if not may_decide:
            self.fields["decision"].choices = [c for c in ReviewDecision.choices if c[0] == ReviewDecision.CONTINUE]
            self.fields["decision"].help_text = _("Only the case manager decides to change or finish the plan.")

    def clean(self):
        data = super().clean()
        if data.get("kind") == ReviewKind.WITH_PERSON and not data.get("poa_check"):
            self.add_error(
                "poa_check", _("At a review with the person, check the power of attorney (valid, renewed or refused).")
            )
        if data.get("poa_check") != PoaCheck.RENEWED:
            # A new power of attorney belongs to "renewed" only (its fields are hidden otherwise).
            data["poa_signed_on"], data["poa_institutions"] = None, []
        return data

    def new_power_of_attorney(self) -> dict:
        """The keyword arguments of actions.record_review for the new power of attorney."""
        return {
            "poa_signed_on": self.cleaned_data.get("poa_signed_on"),
            "poa_institutions": self.cleaned_data.get("poa_institutions") or [],
        }


class MeasureProgressForm(SafeForm):
    measure_id = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=capfirst(_("status")), choices=MeasureStatus.choices)
    note = forms.CharField(label=capfirst(_("progress")), widget=text_area(2), required=False)


class BaseProgressFormSet(forms.BaseFormSet):
    """One row per measure of the current plan, in the plan's order."""

    def __init__(self, *args, measures: list[Measure], **kwargs):
        self.measures = measures
        super().__init__(*args, **kwargs)

    def clean(self):
        if any(self.errors):
            return
        ids = [f.cleaned_data.get("measure_id") for f in self.forms]
        if ids != [m.pk for m in self.measures]:
            raise ValidationError(_("The measures of the plan changed in the meantime. Check them again and save."))

    def rows(self) -> list[tuple[Measure, forms.Form]]:
        return list(zip(self.measures, self.forms))

    def progress(self) -> list[dict]:
        return [
            {
                "measure_id": f.cleaned_data["measure_id"],
                "status": f.cleaned_data["status"],
                "note": f.cleaned_data["note"].strip(),
            }
            for f in self.forms
        ]


ProgressFormSet = forms.formset_factory(MeasureProgressForm, formset=BaseProgressFormSet, extra=0)


def progress_initial(measures: list[Measure]) -> list[dict]:
    return [{"measure_id": m.pk, "status": m.status} for m in measures]


def check_review_decision(form: ReviewForm, progress: BaseProgressFormSet) -> bool:
    """Finishing the plan needs every measure done or cancelled (as entered now): shown next
    to the decision rather than as a refusal after saving."""
    if form.cleaned_data.get("decision") != ReviewDecision.FINISH_PLAN:
        return True
    ended = (MeasureStatus.DONE, MeasureStatus.CANCELLED)
    if all(f.cleaned_data["status"] in ended for f in progress.forms):
        return True
    form.add_error("decision", all_measures_ended.message)
    return False


class PowerOfAttorneyForm(SafeForm):
    signed_on = forms.DateField(
        label=capfirst(_("signed on")),
        widget=date_input(),
        validators=[not_in_future],
        help_text=_("Valid one year: until the day before the same date next year."),
    )
    institutions = forms.ModelMultipleChoiceField(
        label=capfirst(_("institutions covered")),
        queryset=Institution.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Data may be shared only between the institutions the person agreed to."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institutions"].queryset = Institution.objects.filter(is_active=True).order_by("code")
        self.fields["institutions"].label_from_instance = institution_label


# --- interruption, exit report and closure (CII101 steps 10, 11) --------------------------


class InterruptForm(SafeForm):
    reason = forms.ChoiceField(
        label=capfirst(_("reason for the interruption")), choices=InterruptionReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=capfirst(_("details")),
        widget=text_area(4),
        required=False,
        help_text=_("What happened, and who was informed. Written in the case journal and the exit report."),
    )


# The fields of the exit report that belong to each outcome.
OUTCOME_FIELDS = {
    ExitOutcome.PLACED: ["employer", "job_title", "job_start_on", "workload_percent"],
    ExitOutcome.OTHER_SERVICE: ["other_service", "other_service_detail"],
    ExitOutcome.INTERRUPTED: ["interruption_reason", "interruption_note"],
}


class ExitReportForm(SafeModelForm):
    """The result and exit report. The details each outcome needs are the ones
    ExitReport.missing_fields() asks for, shown next to the fields."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)  # cases/audit/versions.py

    class Meta:
        model = ExitReport
        fields = [
            "outcome",
            "employer",
            "job_title",
            "job_start_on",
            "workload_percent",
            "other_service",
            "other_service_detail",
            "interruption_reason",
            "interruption_note",
            "summary",
            "power_of_attorney",
            "poa_not_renewed_reason",
        ]
        widgets = {
            "outcome": forms.RadioSelect,
            "job_start_on": date_input(),
            "workload_percent": forms.NumberInput(attrs={"min": 1, "max": 100, "step": 1}),
            "interruption_reason": forms.RadioSelect,
            "interruption_note": text_area(3),
            "summary": text_area(6),
            "power_of_attorney": forms.RadioSelect,
            "poa_not_renewed_reason": text_area(2),
        }
        help_texts = {
            "other_service_detail": _("The office or the person in charge, if useful."),
            "summary": _("The support from the report to the end: measures, results, what the person takes with them."),
            "poa_not_renewed_reason": _("Only when no power of attorney is valid at the end of the support."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = ExitOutcome.choices
        self.fields["outcome"].required = True
        self.fields["outcome"].error_messages["required"] = _("Choose the outcome of the support.")
        self.fields["summary"].required = True
        self.fields["summary"].error_messages["required"] = _("Summarise the support.")
        self.fields["interruption_reason"].choices = InterruptionReason.choices
        self.fields["workload_percent"].validators += [MinValueValidator(1), MaxValueValidator(100)]
        self.fields["other_service"].queryset = Institution.objects.filter(is_active=True).order_by("code")
        self.fields["other_service"].label_from_instance = institution_label
        self.fields["other_service"].empty_label = _("— choose —")
        # The case's powers of attorney valid on the day the support ended: the one renewed
        # is one of them (ExitReport.clean checks it again).
        poa = self.fields["power_of_attorney"]
        poa.label_from_instance = power_of_attorney_label
        poa.empty_label = _("None is valid: it was not renewed (say why below)")
        poa.queryset = self.instance.powers_of_attorney_valid_at_end()
        ended = self.instance.support_ended_on
        if ended:
            poa.help_text = _(
                "At the end of the support, make sure the power of attorney was renewed: choose the one valid on the day "
                "the support ended (%(date)s)."
            ) % {"date": ended.strftime("%d.%m.%Y")}

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome") or ""
        # Details of another outcome do not belong in this report.
        for other, names in OUTCOME_FIELDS.items():
            if other != outcome:
                for name in names:
                    data[name] = None if name in ("job_start_on", "workload_percent", "other_service") else ""
        if data.get("power_of_attorney"):
            data["poa_not_renewed_reason"] = ""  # renewed: nothing to explain
        probe = ExitReport(**{name: data.get(name) for name in self.Meta.fields})
        probe.summary = data.get("summary") or ""
        probe.poa_not_renewed_reason = data.get("poa_not_renewed_reason") or ""
        for name in probe.missing_fields():
            if name not in self._errors:  # outcome and summary: already "required" above
                self.add_error(name, MISSING_TEXT.get(name, _("Required for this outcome.")))
        return data


# What a missing field of the exit report says, when it is not "required for this outcome".
MISSING_TEXT = {
    "poa_not_renewed_reason": _("Choose the power of attorney valid at the end of the support, or say why it was not renewed."),
}


def power_of_attorney_label(poa: PowerOfAttorney) -> str:
    return _("Signed on %(signed)s, valid until %(until)s") % {
        "signed": poa.signed_on.strftime("%d.%m.%Y"),
        "until": poa.valid_until.strftime("%d.%m.%Y"),
    }


class CloseCaseForm(SafeForm):
    """The closure (CII101 step 11): the body of the letter to the person, and a note for the
    archive. The letter's frame is printed around the body (cases.documents.rendering.
    closure_letter_frame); ``frame_parts`` are those of its parts the body must not repeat."""

    letter_text = forms.CharField(
        label=capfirst(_("letter to the person")),
        widget=text_area(10),
        help_text=_(
            "The paragraphs of the letter, in the person's correspondence language. The letter prints the address, "
            "place and date, subject, salutation, closing formula and signature around them. It is kept with the "
            "archived dossier."
        ),
    )
    archive_note = forms.CharField(
        label=capfirst(_("archive note")),
        widget=text_area(3),
        required=False,
        help_text=_("For the archive only: anything the file does not say itself."),
    )

    def __init__(self, *args, frame_parts: Sequence[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.frame_parts = list(frame_parts)

    def clean_letter_text(self) -> str:
        """The body holds none of the frame's parts on a line of its own (the letter would
        print them twice)."""
        text = self.cleaned_data["letter_text"].replace("\r\n", "\n").strip()  # a browser posts CRLF
        lines = {_bare_line(line) for line in text.splitlines()}
        repeated = [part for part in self.frame_parts if _bare_line(part) in lines]
        if repeated:
            raise ValidationError(
                _("The letter prints these lines itself; remove them from the text: %(parts)s."),
                code="frame_repeated",
                params={"parts": ", ".join(f"«{part}»" for part in repeated)},
            )
        return text


def _bare_line(line: str) -> str:
    """A line as compared with the letter's frame: spaces, case and the final punctuation aside."""
    return re.sub(r"\s+", " ", line).strip().rstrip(",.:;!").strip().casefold()


class JournalEntryForm(SafeForm):
    kind = forms.ChoiceField(
        label=capfirst(_("kind")),
        widget=forms.RadioSelect,
        initial=JournalKind.NOTE,
        choices=[(JournalKind.NOTE, JournalKind.NOTE.label), (JournalKind.MINUTES, JournalKind.MINUTES.label)],
    )
    text = forms.CharField(label=capfirst(_("text")), widget=text_area(8))


# --- correcting a case: the person, the facts, the case manager --------------------------------


class VersionField(forms.IntegerField):
    """The version of the record the form was loaded from (cases/audit/versions.py)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=0, **kwargs)


class PersonCorrectionForm(SafeModelForm):
    """The person's data, as at intake, with the AHV number's check digit checked again; the
    action checks that no other person has the number."""

    version = VersionField()

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
        widgets = {"birth_date": date_input()}

    clean_ahv_number = PersonForm.clean_ahv_number
    clean_birth_date = PersonForm.clean_birth_date

    def _get_validation_exclusions(self):
        # The action says when another person has the number, in words of its own.
        return super()._get_validation_exclusions() | {"ahv_number"}

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class CaseFactsForm(SafeModelForm):
    """The facts of a case: institutions involved, lead institution, region, theme,
    coordinator and reason."""

    version = VersionField()
    institutions = forms.ModelMultipleChoiceField(
        label=_("Institutions involved"),
        queryset=Institution.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("An IIZ case involves at least two institutions; the reporting institution is always included."),
    )

    class Meta:
        model = Case
        fields = ["lead_institution", "region", "theme", "coordinator", "reason"]
        widgets = {"reason": text_area(4)}
        help_texts = {
            "coordinator": _("Empty: the coordinator of the case's region or theme."),
            "theme": _("Youth or asylum: the thematic coordinator then follows the case."),
        }

    def __init__(self, *args, coordinators, **kwargs):
        super().__init__(*args, **kwargs)
        active = Institution.objects.filter(is_active=True).order_by("code")
        self.fields["institutions"].queryset = active
        self.fields["lead_institution"].queryset = active
        # Both fields offer the same institutions: read them once (the querysets still check
        # the submitted ones).
        offered = [(i.pk, institution_label(i)) for i in active]
        self.fields["institutions"].choices = offered
        self.fields["lead_institution"].choices = [("", _("— not agreed yet —")), *offered]
        self.fields["theme"].empty_label = _("none (regional case)")
        self.fields["coordinator"].queryset = coordinators
        self.fields["coordinator"].required = False
        if self.instance.pk and not self.is_bound:
            self.initial["institutions"] = [i.pk for i in self.instance.institutions.all()]

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ReplaceCaseManagerForm(SafeForm):
    case_manager = forms.TypedChoiceField(
        label=_("New case manager"),
        coerce=int,
        help_text=_("Always an IIZ contact person, chosen by the coordinator with the team of contact persons."),
    )
    reason = forms.CharField(label=_("Why the case manager changes"), widget=text_area(3))

    def __init__(self, *args, cm_choices, cm_users: dict[int, User], current: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cm_users = cm_users
        self.fields["case_manager"].choices = [choice for choice in cm_choices if choice[0] != current]

    def clean_case_manager(self) -> User:
        return self.cm_users[self.cleaned_data["case_manager"]]


class AskNetworkForm(SafeForm):
    """The case manager asks for a network meeting or a new assessment, and says why."""

    kind = forms.ChoiceField(
        label=_("What is needed"),
        choices=[(MeetingKind.NETWORK, MeetingKind.NETWORK.label), (MeetingKind.ASSESSMENT, _("A new assessment"))],
        widget=forms.RadioSelect,
        initial=MeetingKind.NETWORK,
    )
    reason = forms.CharField(
        label=_("Why"),
        widget=text_area(4),
        help_text=_(
            "What changed, and what the network should decide: a plan change, another case manager, the end of the support."
        ),
    )


class RetentionHoldForm(SafeForm):
    """Why an ended case is kept past its retention period (cases/retention)."""

    reason = forms.CharField(label=capfirst(_("reason")), max_length=300)


class UnlockForm(SafeForm):
    """Which lock to lift (iiz/lockout.py): a username from an address, or an address."""

    username = forms.CharField(max_length=150, required=False)
    address = forms.GenericIPAddressField()


# --- scheduled meetings (cases/scheduling) -------------------------------------------------------

DATETIME_INPUT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class WhenForm(SafeForm):
    """The date, time and place or video link of a scheduled meeting."""

    starts_at = forms.DateTimeField(
        label=_("Starts at"), input_formats=DATETIME_INPUT, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), input_formats=DATETIME_INPUT, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_link = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")

    def when(self):
        from cases.scheduling.actions import When

        data = self.cleaned_data
        return When(data["starts_at"], data["ends_at"], data.get("place") or "", data.get("video_link") or "")


EXTERNAL_LINE = re.compile(r"^\s*(?P<name>[^;]+?)\s*;\s*(?P<email>[^;\s]+@[^;\s]+)\s*(?:;\s*(?P<language>de|fr))?\s*$")


class ScheduleForm(WhenForm):
    """Schedule a meeting: when and where, and who is invited (users of the platform,
    external participants one a line "name; e-mail; de|fr", the person of the case)."""

    users = forms.TypedMultipleChoiceField(label=_("Users of the platform"), coerce=int, required=False)
    externals = forms.CharField(
        label=_("External participants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: name; e-mail; language (de or fr)"),
    )
    invite_person = forms.BooleanField(label=_("Invite the person (by letter)"), required=False, initial=True)

    def __init__(self, *args, user_choices, users: dict[int, User], with_person: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.users_by_pk = users
        self.fields["users"].choices = [c for c in user_choices if c[0] != ""]
        if not with_person:
            del self.fields["invite_person"]

    def clean_externals(self):
        found = []
        for number, line in enumerate((self.cleaned_data.get("externals") or "").splitlines(), start=1):
            if not line.strip():
                continue
            match = EXTERNAL_LINE.match(line)
            if not match:
                raise ValidationError(_("Line %(number)s: write name; e-mail; language (de or fr)."), params={"number": number})
            try:
                forms.EmailField().clean(match["email"])
            except ValidationError:
                raise ValidationError(_("Line %(number)s: the e-mail address is not valid."), params={"number": number}) from None
            found.append((match["name"], match["email"], match["language"] or "de"))
        return found

    def invitees(self):
        from cases.scheduling.actions import Invitee

        data = self.cleaned_data
        people = [Invitee(user=self.users_by_pk[pk]) for pk in data.get("users") or [] if pk in self.users_by_pk]
        people += [Invitee(name=name, email=email, language=language) for name, email, language in data["externals"]]
        if data.get("invite_person"):
            people.append(Invitee(person=True))
        return people


class CancelMeetingForm(SafeForm):
    reason = forms.CharField(label=_("Reason for the cancellation"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MeetingHeldForm(SafeForm):
    minutes = forms.CharField(label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class ReplyForm(SafeForm):
    reply = forms.ChoiceField(label=_("Reply"), choices=Reply.choices)


class ChecklistForm(SafeForm):
    check = forms.ChoiceField(label=_("Checked"), choices=ChecklistItem.choices)


class UnitMeetingForm(ScheduleForm):
    """A coordinator's round-table session (``cases``: the cases waiting for a round table,
    each with the users invited for it and its person) or yearly meeting (``cases`` None)."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    unit = forms.ChoiceField(label=_("Region or theme"))

    def __init__(self, *args, units, cases=None, **kwargs):
        super().__init__(*args, with_person=False, **kwargs)
        self.units = dict(units)
        self.fields["unit"].choices = [(key, str(obj)) for key, obj in units]
        self.cases = cases
        self.case_rows = []
        if cases is not None:
            self.fields["users"].label = _("Invited for the whole session")
            for case in cases:
                agenda = f"case_{case.pk}"
                people = f"users_{case.pk}"
                person = f"person_{case.pk}"
                self.fields[agenda] = forms.BooleanField(label=f"{case.reference} · {case.person}", required=False)
                self.fields[people] = forms.TypedMultipleChoiceField(
                    label=_("Invited for this case"), coerce=int, required=False, choices=self.fields["users"].choices
                )
                self.fields[person] = forms.BooleanField(label=_("Invite the person (by letter)"), required=False, initial=True)
                self.case_rows.append((case, self[agenda], self[people], self[person]))

    def unit_of_meeting(self) -> dict:
        kind, _sep, _pk = self.cleaned_data["unit"].partition(":")
        return {kind: self.units[self.cleaned_data["unit"]]}

    def agenda(self):
        from cases.scheduling.actions import AgendaEntry, Invitee

        entries = []
        for case in self.cases or []:
            if not self.cleaned_data.get(f"case_{case.pk}"):
                continue
            people = [Invitee(user=self.users_by_pk[pk]) for pk in self.cleaned_data.get(f"users_{case.pk}") or []]
            if self.cleaned_data.get(f"person_{case.pk}"):
                people.append(Invitee(person=True))
            entries.append(AgendaEntry(case, tuple(people)))
        return entries
