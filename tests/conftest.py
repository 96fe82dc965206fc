"""Shared fixtures: one user per role, plus an outsider with no role."""

import io
import os

import pytest
from django.core.management import call_command

from tests.factories import MembershipFactory, UserFactory, institution, region, theme

# Playwright drives the browser from the test thread while Django serves from another.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_second_factor_required(settings):
    """Nobody must use a second factor in the suite, so that ``force_login`` and the browser
    tests' password logins reach the pages; tests/test_second_factor.py turns the production
    default (iiz/settings.py) back on and asserts it."""
    settings.IIZ_OTP_REQUIRED_ROLES = []


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language: a request in French leaves French active
    in the thread (the locale middleware does not reset it), which must not reach the next test."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_of_the_test(settings, tmp_path_factory):
    """Files the application stores (a plan's PDF on its first download, uploads) go to a
    folder of the test, never to the project's media folder."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _fresh_figures():
    """Every test starts with a new generation of the cached figures (cases/cached.py): the
    cache outlives a test whose rows were rolled back."""
    from cases import cached

    cached._bump()


def make_member(username, role, **units):
    user = UserFactory(username=username)
    MembershipFactory(user=user, role=role, **units)
    return user


@pytest.fixture
def officer(db):
    user = make_member("alice-officer", "officer")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def secretariat(db):
    return make_member("sam-secretariat", "secretariat")


@pytest.fixture
def coordinator(db):
    return make_member("bob-coordinator", "regional_coordinator", region=region("ow"))


@pytest.fixture
def thematic_coordinator(db):
    return make_member("tina-thematic", "thematic_coordinator", theme=theme("youth"))


@pytest.fixture
def contact_person(db):
    return make_member("carl-contact", "contact_person", region=region("ow"), institution=institution("rav"))


@pytest.fixture
def frontline(db):
    return make_member("fred-frontline", "frontline", institution=institution("rav"))


@pytest.fixture
def legal(db):
    return make_member("lea-legal", "legal")


@pytest.fixture
def steering(db):
    return make_member("stella-steering", "steering")


@pytest.fixture
def outsider(db):
    """A logged-in user without any role."""
    return UserFactory(username="oscar-outsider")


@pytest.fixture
def case_manager(db):
    """An IIZ contact person (social services, Oberwallis) who acts as case manager."""
    return make_member("cora-cm", "contact_person", region=region("ow"), institution=institution("social"))


@pytest.fixture
def cast(coordinator, case_manager, officer):
    from cases.demo.walk import Cast

    return Cast(coordinator=coordinator, case_manager=case_manager, officer=officer)


@pytest.fixture
def make_case(db, frontline, cast):
    """make_case(state="implementation", **fields): a case of Oberwallis reported by the
    front-line worker and taken through the real actions up to ``state``."""
    from cases import actions
    from cases.demo.walk import walk
    from tests.factories import PersonFactory

    def make(state="reported", *, person=None, region_code="ow", theme_code=None, reporter=None, **walk_options):
        case = actions.report_case(
            by=reporter or frontline,
            person=person or PersonFactory.build(),
            reporting_institution=institution("rav"),
            institutions=[institution("rav"), institution("social")],
            region=region(region_code),
            theme=theme(theme_code) if theme_code else None,
            reason="Langzeitarbeitslos, gesundheitliche Einschränkungen, Sozialhilfe.",
        )
        return walk(case, state, cast, **walk_options)

    return make


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data (``seed_demo``), seeded once for the whole module inside a transaction
    rolled back at its end (each test that asks for ``db`` runs in a savepoint within it);
    the value is what the command printed."""
    from tests.helpers import module_data

    with module_data(django_db_blocker):
        out = io.StringIO()
        call_command("seed_demo", quiet_logins=True, stdout=out)
        yield out.getvalue()


@pytest.fixture
def task_runs_here():
    """With a broker (CI, production) Celery tasks go to a worker; a test using this runs them
    in-process instead, as a worker would, with or without a broker."""
    from iiz.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def reference_rows(transactional_db):
    """A transactional test may start after another one's flush, which removed the rows the
    migrations create: load them again."""
    from roles.models import Institution, Region, Theme
    from roles.reference import load_reference_data

    load_reference_data(Region, Theme, Institution)
