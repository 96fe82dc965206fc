"""The demo's disputes (cases/demo/data.py ``play_disputes``): one settled at a regional
exchange, one escalated and referred to the legal commission, each step on its case's
timeline, in two regions."""

import pytest
from django.urls import reverse

from cases.models import Dispute, DisputeState
from roles.models import User
from tests.helpers import journal_texts

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_dispute_settled_regionally_and_one_referred_to_the_commission(demo):
    disputes = list(Dispute.objects.select_related("case").order_by("pk"))
    assert [d.state for d in disputes] == [DisputeState.SETTLED, DisputeState.REFERRED]
    settled, referred = disputes
    assert settled.case.region_id != referred.case.region_id
    assert settled.exchange_kind == "regional_exchange" and settled.settlement
    assert referred.referral_kind == "pre_financing" and referred.referral_amount == 4800
    assert referred.escalation_reason and referred.referral_justification
    assert any(text.startswith("Streitfall regional geregelt") for text in journal_texts(settled.case, "de"))
    assert any(text.startswith("Litige renvoyé à la commission juridique") for text in journal_texts(referred.case, "fr"))


def test_the_officer_reads_both_on_their_pages(demo, client):
    client.force_login(User.objects.get(username="officer"))
    for dispute in Dispute.objects.all():
        response = client.get(reverse("cases:dispute", args=[dispute.case_id, dispute.pk]))
        assert response.status_code == 200 and "data-step=" not in response.content.decode()
