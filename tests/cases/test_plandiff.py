"""What changed between two versions of an action plan (cases/plandiff.py): pure functions
on loaded plans, tested without the database."""

import datetime

from cases.models import ActionPlan, CatalogueMeasure, EmployerContact, Goal, Measure, MeasureStatus
from cases.plandiff import ADDED, CHANGED, REMOVED, SAME, diff_goals, diff_measures, diff_plans
from roles.models import Institution

RAV = Institution(
    pk=1,
    code="rav",
    name_de="Regionale Arbeitsvermittlung",
    name_fr="Office régional de placement",
    short_de="RAV",
    short_fr="ORP",
)
IV = Institution(pk=2, code="ai", name_de="IV-Stelle", name_fr="Office AI", short_de="IV", short_fr="AI")
D = datetime.date


def measure(title, institution=RAV, starts_on=None, due_on=None, status="planned", result="", catalogue=None):
    m = Measure(
        title=title, responsible_institution=institution, starts_on=starts_on, due_on=due_on, status=status, result=result
    )
    if catalogue:
        m.catalogue_measure = CatalogueMeasure(pk=catalogue, institution=institution, name_de=title, name_fr=title)
    return m


def plan(goals, measures):
    p = ActionPlan()
    p.goals_list = [Goal(text=g) for g in goals]
    p.measures_list = measures
    return p


def test_goals_added_removed_reworded_and_kept():
    changes = diff_goals(
        ["Stelle finden", "Gesundheit stabilisieren", "Schulden sanieren"],
        ["Stelle im ersten Arbeitsmarkt finden", "Gesundheit stabilisieren", "Deutschkurs besuchen", "Wohnung suchen"],
    )
    assert [(c.status, c.old, c.new) for c in changes] == [
        (CHANGED, "Stelle finden", "Stelle im ersten Arbeitsmarkt finden"),
        (SAME, "Gesundheit stabilisieren", "Gesundheit stabilisieren"),
        (CHANGED, "Schulden sanieren", "Deutschkurs besuchen"),
        (ADDED, "", "Wohnung suchen"),
    ]


def test_a_goal_only_removed_or_only_added():
    assert [(c.status, c.old) for c in diff_goals(["A", "B", "C"], ["A", "C"])] == [(SAME, "A"), (REMOVED, "B"), (SAME, "C")]
    assert [(c.status, c.new) for c in diff_goals([], ["Neu"])] == [(ADDED, "Neu")]


def test_whitespace_and_case_do_not_count_as_a_change():
    assert [c.status for c in diff_goals(["Stelle  finden "], ["stelle finden"])] == [SAME]


def test_measures_are_compared_field_by_field():
    old = [measure("Coaching", RAV, D(2026, 1, 1), D(2026, 3, 31), "running", "Gestartet.")]
    new = [measure("Coaching", IV, D(2026, 1, 1), D(2026, 6, 30), "done", "Abgeschlossen.")]
    [change] = diff_measures(old, new)
    assert change.status == CHANGED
    fields = {c.name: (c.old, c.new) for c in change.changes}
    assert fields == {
        "responsible_institution": ("Regionale Arbeitsvermittlung", "IV-Stelle"),
        "due_on": (D(2026, 3, 31), D(2026, 6, 30)),
        "status": (MeasureStatus.RUNNING.label, MeasureStatus.DONE.label),
        "result": ("Gestartet.", "Abgeschlossen."),
    }
    due = next(c for c in change.changes if c.name == "due_on")
    assert due.is_date
    assert not next(c for c in change.changes if c.name == "result").is_date


def test_an_unchanged_measure_is_matched_by_title_wherever_it_moved():
    old = [measure("Coaching"), measure("Arbeitstraining", IV)]
    new = [measure("Arbeitstraining", IV), measure("Coaching")]
    assert [(c.status, c.measure.title) for c in diff_measures(old, new)] == [(SAME, "Arbeitstraining"), (SAME, "Coaching")]


def test_measures_added_and_removed():
    old = [measure("Coaching"), measure("Arbeitstraining")]
    new = [measure("Coaching"), measure("Berufliche Abklärung", IV)]
    result = [(c.status, c.measure.title) for c in diff_measures(old, new)]
    assert result == [(SAME, "Coaching"), (ADDED, "Berufliche Abklärung"), (REMOVED, "Arbeitstraining")]


def test_a_renamed_catalogue_measure_counts_as_changed():
    old = [measure("Coaching", catalogue=7)]
    new = [measure("Bewerbungscoaching", catalogue=7)]
    [change] = diff_measures(old, new)
    assert change.status == CHANGED
    assert [(c.name, c.old, c.new) for c in change.changes] == [("title", "Coaching", "Bewerbungscoaching")]


def test_another_employer_for_a_measure_counts_as_changed():
    lonza = EmployerContact(pk=1, company="Lonza AG", city="Visp")
    hotel = EmployerContact(pk=2, company="Hotel Bergsonne", city="Zermatt")
    old = [measure("Arbeitsversuch", IV)]
    old[0].employer_contact = lonza
    new = [measure("Arbeitsversuch", IV)]
    new[0].employer_contact = hotel
    [change] = diff_measures(old, new)
    assert change.status == CHANGED
    assert [(c.name, c.old, c.new) for c in change.changes] == [
        ("employer_contact", "Lonza AG (Visp)", "Hotel Bergsonne (Zermatt)")
    ]
    new[0].employer_contact = lonza
    assert diff_measures(old, new)[0].status == SAME


def test_two_equal_versions_have_no_changes():
    one = plan(["Stelle finden"], [measure("Coaching")])
    two = plan(["Stelle finden"], [measure("Coaching")])
    diff = diff_plans(one, two)
    assert not diff.has_changes
    assert diff.count("goals", SAME) == 1 and diff.count("measures", SAME) == 1


def test_a_whole_plan_diff_counts_its_changes():
    one = plan(["Stelle finden"], [measure("Coaching"), measure("Kurs")])
    two = plan(["Stelle finden", "Wohnung"], [measure("Coaching", due_on=D(2026, 5, 1))])
    diff = diff_plans(one, two)
    assert diff.has_changes
    assert diff.count("goals", ADDED) == 1
    assert diff.count("measures", CHANGED) == 1 and diff.count("measures", REMOVED) == 1


def test_a_catalogue_measure_is_the_same_under_its_name_in_either_language_and_shown_in_the_readers():
    from django.utils import translation

    trial = CatalogueMeasure(pk=7, institution=IV, name_de="Arbeitsversuch", name_fr="Placement à l'essai")
    german, french = measure("Arbeitsversuch", IV), measure("Placement à l'essai", IV, due_on=D(2026, 6, 30))
    german.catalogue_measure = french.catalogue_measure = trial
    with translation.override("fr"):
        [change] = diff_measures([german], [french])
    assert change.status == CHANGED and [c.name for c in change.changes] == ["due_on"]
    typed = measure("Arbeitsversuch bei Lonza", IV)
    typed.catalogue_measure = trial
    with translation.override("fr"):
        [change] = diff_measures([german], [typed])
        [title] = [c for c in change.changes if c.name == "title"]
    assert (title.old, title.new) == ("Placement à l'essai", "Arbeitsversuch bei Lonza")
