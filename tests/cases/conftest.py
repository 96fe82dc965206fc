"""Fixtures shared by the tests of the cases app (plain helpers are in tests/helpers.py)."""

import pytest

from tests.cases.network import dora, network, on_today  # noqa: F401  (fixtures, found by pytest by name)
from tests.conftest import make_member
from tests.factories import institution, region


@pytest.fixture
def media(settings, tmp_path):
    """Files go to a folder of the test, never to the project's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def deputy(db):
    """A contact person of another region: without a grant the case is out of scope."""
    return make_member("dora-deputy", "contact_person", region=region("uw"), institution=institution("ai"))
