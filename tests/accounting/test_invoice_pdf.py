"""The invoice PDF: in the institution's language, with the letterhead, the positions, the
total and the Swiss QR-bill payment part (qrbill), its texts in the same language."""

import datetime
from decimal import Decimal

import pytest

from cases.accounting import actions
from cases.documents import rendering
from roles.models import Institution
from tests.helpers import text

pytestmark = pytest.mark.django_db


def addressed(code: str, language: str) -> Institution:
    institution = Institution.objects.get(code=code)
    institution.language = language
    institution.street = "Avenue du Midi 7" if language == "fr" else "Bahnhofstrasse 3"
    institution.postcode, institution.town = ("1950", "Sion") if language == "fr" else ("3900", "Brig")
    institution.save()
    return institution


def test_an_invoice_in_german_with_its_positions_and_the_qr_bill(invoice, secretariat):
    addressed("rav", "de")
    actions.send_invoice(invoice, by=secretariat, issued_on=datetime.date(2026, 4, 2))
    invoice.refresh_from_db()
    words = " ".join(text(rendering.render_invoice(invoice)).split())
    assert f"Rechnung {invoice.number}" in words
    assert "Regionale Arbeitsvermittlungszentren" in words and "3900 Brig" in words
    assert "Job coaching" in words and "333.33" in words and "133.35" in words and "40 %" in words
    assert "533.35" in words  # the total, also in the payment part
    assert "02.05.2026" in words  # payable by
    assert "Kantonale Stelle für interinstitutionelle Zusammenarbeit" in words  # the letterhead
    for label in ("Empfangsschein", "Zahlteil", "Konto / Zahlbar an", "Zahlbar durch", "Annahmestelle"):
        assert label in words
    assert "CH44 3199 9123 0008 8901 2" in words  # the account (IIZ_INVOICE_IBAN)
    digits = invoice.number.replace("-", "")
    reference = rendering.payment_reference(invoice.number, qr_iban=True)
    assert reference.startswith("0" * (26 - len(digits))) and reference[:26].endswith(digits)
    assert "ß" not in words


def test_an_invoice_in_french(invoice, secretariat):
    addressed("rav", "fr")
    words = " ".join(text(rendering.render_invoice(invoice)).split())
    assert f"Facture {invoice.number}" in words
    assert "Offices régionaux de placement" in words and "1950 Sion" in words
    for label in ("Récépissé", "Section paiement", "Compte / Payable à", "Payable par"):
        assert label in words
    assert "Empfangsschein" not in words
    assert "533.35" in words


def test_an_ordinary_iban_takes_an_rf_creditor_reference(invoice, settings):
    settings.IIZ_INVOICE_IBAN = "CH93 0076 2011 6238 5295 7"
    svg = rendering.qr_bill_svg(invoice, language="de")
    reference = rendering.payment_reference(invoice.number, qr_iban=False)
    assert reference.startswith("RF") and reference.endswith(invoice.number.replace("-", ""))
    assert "Referenz" in svg and "CH93 0076 2011 6238 5295 7" in svg


def test_a_cancelled_invoice_has_no_payment_part(invoice, secretariat):
    actions.cancel_invoice(invoice, by=secretariat, reason="Falsche Periode")
    invoice.refresh_from_db()
    words = " ".join(text(rendering.render_invoice(invoice)).split())
    assert "Annulée: Falsche Periode" in words  # the RAV / ORP writes in French (roles migration 0005)
    assert "Empfangsschein" not in words
    assert invoice.total == Decimal("533.35")


def test_the_reference_institutions_have_an_address_and_a_language_from_their_migration():
    rav, suva = Institution.objects.get(code="rav"), Institution.objects.get(code="suva")
    assert (rav.language, rav.postcode, rav.town) == ("fr", "1950", "Sion") and rav.street
    assert (suva.language, suva.town) == ("de", "Luzern")
