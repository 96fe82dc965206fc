"""The versions of the action plan tell the story (CII101 steps 4 and 5): who submitted each
version, and for a version sent back the reasons and the other options proposed, kept with
the version, which is frozen; the case manager reworks a copy of it, the next version.

The data: who submitted each version comes from the journal (the author of the plan when the
journal does not say); the one text a version sent back had (the other options) becomes its
options; a version sent back that is still being prepared is frozen and the next version
opens, a copy of it, unsigned, with its rows in the change history.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from cases.migrations._constraints import immediate

REASON = "0012_plan_versions: a version sent back is frozen"


def _created(apps, model_name: str, obj, now) -> None:
    """The history row of a record created here (as the actions' history would have it)."""
    historical = apps.get_model("cases", f"Historical{model_name}")
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    historical.objects.create(**values, history_date=now, history_type="+", history_change_reason=REASON, history_user_id=None)


def _open_next_version(apps, plan, now) -> None:
    ActionPlan = apps.get_model("cases", "ActionPlan")
    Goal = apps.get_model("cases", "Goal")
    Measure = apps.get_model("cases", "Measure")
    case = plan.case
    new = ActionPlan.objects.create(
        case_id=plan.case_id,
        version=plan.version + 1,
        author_id=case.case_manager_id or plan.author_id,
        resources=plan.resources,
        notes=plan.notes,
        signature_place=plan.signature_place,
    )
    _created(apps, "ActionPlan", new, now)
    for goal in Goal.objects.filter(plan_id=plan.pk).order_by("position", "pk"):
        copy = Goal.objects.create(plan_id=new.pk, position=goal.position, text=goal.text)
        _created(apps, "Goal", copy, now)
    for measure in Measure.objects.filter(plan_id=plan.pk).order_by("position", "pk"):
        copy = Measure.objects.create(
            plan_id=new.pk,
            position=measure.position,
            catalogue_measure_id=measure.catalogue_measure_id,
            title=measure.title,
            responsible_institution_id=measure.responsible_institution_id,
            starts_on=measure.starts_on,
            due_on=measure.due_on,
            status=measure.status,
            result=measure.result,
        )
        _created(apps, "Measure", copy, now)


def tell_the_story(apps, schema_editor):
    ActionPlan = apps.get_model("cases", "ActionPlan")
    JournalEntry = apps.get_model("cases", "JournalEntry")
    submitted = ActionPlan.objects.filter(submitted_at__isnull=False)
    # The submission's journal entry is written in the same action, just after the date.
    entry = JournalEntry.objects.filter(
        case_id=OuterRef("case_id"), transition="submit_plan", at__gte=OuterRef("submitted_at")
    ).order_by("at", "pk")
    submitted.update(submitted_by_id=Subquery(entry.values("author_id")[:1]))
    submitted.filter(submitted_by__isnull=True).update(submitted_by_id=F("author_id"))
    ActionPlan.objects.filter(status="sent_back").update(proposed_options=F("decision_comment"), decision_comment="")
    now = timezone.now()
    latest = ActionPlan.objects.filter(case_id=OuterRef("case_id")).order_by("-version").values("pk")[:1]
    reworked = ActionPlan.objects.filter(status="sent_back", case__state="plan_preparation", pk=Subquery(latest)).select_related(
        "case"
    )
    for plan in reworked:
        _open_next_version(apps, plan, now)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_network"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="actionplan",
            name="proposed_options",
            field=models.TextField(
                blank=True,
                help_text="When sending back: the other options the coordinator proposes.",
                verbose_name="other options proposed",
            ),
        ),
        migrations.AddField(
            model_name="actionplan",
            name="refusal_reasons",
            field=models.TextField(
                blank=True, help_text="When sending back: why the plan is not validated.", verbose_name="reasons for the refusal"
            ),
        ),
        migrations.AddField(
            model_name="actionplan",
            name="submitted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="submitted by",
            ),
        ),
        migrations.AddField(
            model_name="historicalactionplan",
            name="proposed_options",
            field=models.TextField(
                blank=True,
                help_text="When sending back: the other options the coordinator proposes.",
                verbose_name="other options proposed",
            ),
        ),
        migrations.AddField(
            model_name="historicalactionplan",
            name="refusal_reasons",
            field=models.TextField(
                blank=True, help_text="When sending back: why the plan is not validated.", verbose_name="reasons for the refusal"
            ),
        ),
        migrations.AddField(
            model_name="historicalactionplan",
            name="submitted_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="submitted by",
            ),
        ),
        migrations.AlterField(
            model_name="actionplan",
            name="decision_comment",
            field=models.TextField(
                blank=True, help_text="When validating: a comment for the case manager.", verbose_name="coordinator's comment"
            ),
        ),
        migrations.AlterField(
            model_name="historicalactionplan",
            name="decision_comment",
            field=models.TextField(
                blank=True, help_text="When validating: a comment for the case manager.", verbose_name="coordinator's comment"
            ),
        ),
        migrations.RunPython(immediate(tell_the_story), migrations.RunPython.noop),
    ]
