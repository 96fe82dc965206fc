"""The demo data: one user per role, documented usernames, idempotent."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict

from cases.demo.users import DEMO_PASSWORD
from roles.models import Membership, User

DOCUMENTED_USERNAMES = {
    "officer",
    "secretariat",
    "coordinator-ow",
    "coordinator-mw",
    "coordinator-uw",
    "coordinator-youth",
    "coordinator-asylum",
    "contact-rav-ow",
    "contact-ai-uw",
    "contact-social-mw",
    "frontline-rav-ow",
    "casemanager-ow",
    "casemanager-uw",
    "legal",
    "steering",
}


def snapshot():
    users = [model_to_dict(u, exclude=["last_login", "groups", "user_permissions"]) for u in User.objects.order_by("username")]
    members = list(Membership.objects.order_by("pk").values())
    return users, members


@pytest.mark.django_db
def test_seed_demo_twice_gives_the_same_data(capsys):
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out and "coordinator-youth" in out
    assert "Second factor: required of nobody" in out  # the suite requires it of nobody


@pytest.mark.django_db
def test_seed_demo_says_who_sets_up_a_second_factor_and_how_to_go_without(settings):
    from cases.management.commands.seed_demo import Command

    settings.IIZ_OTP_REQUIRED_ROLES = ["officer", "secretariat", "staff"]
    output = io.StringIO()
    Command(stdout=output).print_logins()
    out = output.getvalue()
    assert "Second factor: officer, secretariat, staff" in out
    assert "IIZ_OTP_REQUIRED_ROLES= .ci/serve" in out


@pytest.mark.django_db
def test_every_documented_user_exists_with_the_right_role():
    call_command("seed_demo", quiet_logins=True)
    assert set(User.objects.values_list("username", flat=True)) == DOCUMENTED_USERNAMES
    assert User.objects.get(username="coordinator-mw").active_memberships[0].region.code == "mw"
    assert User.objects.get(username="contact-ai-uw").active_memberships[0].institution.code == "ai"
    assert User.objects.get(username="coordinator-asylum").active_roles == {"thematic_coordinator"}
    officer = User.objects.get(username="officer")
    assert officer.is_staff and officer.check_password(DEMO_PASSWORD)
    assert officer.has_perm("roles.change_membership")
    assert not User.objects.get(username="steering").is_staff


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refuses"):
        call_command("seed_demo")
    assert not User.objects.exists()
