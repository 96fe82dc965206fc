"""Fixtures shared by the tests of the cases app."""

from tests.cases.network import dora, network  # noqa: F401  (fixtures, found by pytest by name)
