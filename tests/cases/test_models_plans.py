"""The name of a measure (cases/models/plans.py ``Measure.name``): a catalogue measure is
named by the catalogue in the active language, a title typed by hand stays as written."""

from django.utils import translation

from cases.models import CatalogueMeasure, Measure

TRIAL = CatalogueMeasure(name_de="Arbeitsversuch", name_fr="Placement à l'essai")


def measure(title: str, entry: CatalogueMeasure | None = TRIAL) -> Measure:
    return Measure(title=title, catalogue_measure=entry)


def test_a_catalogue_measure_copied_in_german_is_named_in_french_when_french_is_active():
    with translation.override("fr"):
        assert measure("Arbeitsversuch").name == "Placement à l'essai"
        assert measure("Arbeitsversuch").catalogue_name == ""
    with translation.override("de"):
        assert measure("Arbeitsversuch").name == "Arbeitsversuch"


def test_a_catalogue_measure_copied_in_french_is_named_in_german_when_german_is_active():
    with translation.override("de"):
        assert measure("Placement à l'essai").name == "Arbeitsversuch"
    with translation.override("fr"):
        assert measure(" Placement à l'essai ").name == "Placement à l'essai"


def test_a_title_typed_by_hand_stays_as_written_in_both_languages():
    for language in ("de", "fr"):
        with translation.override(language):
            assert measure("Sprachkurs B1", entry=None).name == "Sprachkurs B1"
            assert measure("Sprachkurs B1", entry=None).catalogue_name == ""


def test_a_changed_title_stays_and_the_catalogue_name_is_shown_beside_it_in_the_active_language():
    changed = measure("Arbeitsversuch in der Logistik")
    with translation.override("fr"):
        assert (changed.name, changed.catalogue_name) == ("Arbeitsversuch in der Logistik", "Placement à l'essai")
    with translation.override("de"):
        assert (changed.name, changed.catalogue_name) == ("Arbeitsversuch in der Logistik", "Arbeitsversuch")
