"""Factories for test data. Reference rows (regions, themes, institutions) come from the
migration; look them up with ``region("ow")`` etc."""

import datetime

import factory

from roles.models import Institution, Membership, Region, Theme, User


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def theme(code: str) -> Theme:
    return Theme.objects.get(code=code)


def institution(code: str) -> Institution:
    return Institution.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="de_CH")
    last_name = factory.Faker("last_name", locale="de_CH")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    language = "de"
    password = factory.django.Password("secret-password-1")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = "officer"
    starts_on = datetime.date(2024, 1, 1)


# --- cases ------------------------------------------------------------------------------

from cases.models import Person  # noqa: E402


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Faker("first_name", locale="de_CH")
    last_name = factory.Faker("last_name", locale="de_CH")
    birth_date = datetime.date(1985, 4, 12)
    sex = "f"
    language = "de"
    street = "Bahnhofstrasse 1"
    postcode = "3900"
    city = "Brig"
