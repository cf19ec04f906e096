"""Issuing certificates: who may, idempotency for a day, and verifying one later."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from aid_accounting.certificates.issue import (
    changes,
    households_shown,
    issue_certificate,
    verify_certificate,
)
from aid_accounting.certificates.models import AidCertificate
from aid_accounting.exceptions import CertificateError
from aid_accounting.ledger import chain
from core.roles import SYSTEM
from tests.factories import UserFactory
from tests.township import refund

pytestmark = pytest.mark.django_db


def test_a_certificate_stores_the_figures_and_their_digest(canteen):
    certificate = issue_certificate(unit=canteen.unit, year=2026, actor=canteen.member)

    assert certificate.figures["aid_fen"] == 6 * 995
    assert certificate.digest == chain.sha256(certificate.figures)
    assert len(certificate.code) >= 24
    assert certificate.issued_by == canteen.member


def test_issuing_again_the_same_day_gives_the_same_certificate(canteen, aid_officer):
    first = issue_certificate(unit=canteen.unit, year=2026, actor=canteen.member)

    again = issue_certificate(unit=canteen.unit, year=2026, actor=aid_officer)

    assert again == first
    assert AidCertificate.objects.count() == 1


def test_the_next_day_a_new_certificate_is_issued(canteen, clock):
    first = issue_certificate(unit=canteen.unit, year=2026, actor=canteen.member)
    clock.set("2026-12-02")

    second = issue_certificate(unit=canteen.unit, year=2026, actor=canteen.member)

    assert second != first and second.digest == first.digest


def test_after_a_refund_a_new_one_is_issued_and_the_old_one_reports_the_change(canteen, staff):
    first = issue_certificate(unit=canteen.unit, year=2026, actor=canteen.member)
    assert verify_certificate(first).matches

    refund(
        canteen.october,
        staff=staff,
        line=canteen.october.lines.get(product_title="大棚番茄"),
        quantity=1,
    )
    second = issue_certificate(unit=canteen.unit, year=2026, actor=canteen.member)

    assert second != first
    assert second.figures["aid_fen"] == 5 * 995
    assert verify_certificate(second).matches
    old = verify_certificate(first)
    assert not old.matches and old.intact and old.seal_breaks == []
    changed = {change.name: (change.certified, change.now) for change in old.changes}
    assert changed["带动帮扶资金"] == ("¥59.70", "¥49.75")
    assert changed["已分配到户"] == ("¥39.80", "¥29.85")
    assert changed["采购金额（扣除退款）"] == ("¥258.60", "¥218.80")
    assert "月份 2026-10 · 帮扶资金" in changed


def test_a_stored_certificate_altered_behind_the_service_no_longer_verifies(canteen):
    certificate = issue_certificate(unit=canteen.unit, year=2026, actor=canteen.member)
    figures = {**certificate.figures, "aid_fen": 1_000_000}
    AidCertificate.objects.filter(pk=certificate.pk).update(figures=figures)
    certificate.refresh_from_db()

    verification = verify_certificate(certificate)

    assert not verification.intact and not verification.matches


def test_the_system_issues_and_is_recorded_as_nobody(canteen):
    assert issue_certificate(unit=canteen.unit, year=2026, actor=SYSTEM).issued_by is None


def test_someone_outside_the_unit_may_not_issue(canteen, staff):
    for stranger in (UserFactory(), staff, AnonymousUser(), None):
        with pytest.raises(PermissionDenied):
            issue_certificate(unit=canteen.unit, year=2026, actor=stranger)
    assert not AidCertificate.objects.exists()


@pytest.mark.parametrize("year", [2019, 2027])
def test_a_year_out_of_range_is_refused(canteen, year):
    with pytest.raises(CertificateError, match="预算年度应在"):
        issue_certificate(unit=canteen.unit, year=year, actor=canteen.member)
    assert not AidCertificate.objects.exists()


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, "0 户"), (1, "不足 3 户"), (2, "不足 3 户"), (3, "3 户"), (70, "70 户")],
)
def test_one_or_two_households_are_shown_only_as_fewer_than_three(count, shown):
    # A unit's aid to one or two households would say what each received.
    assert households_shown(count) == shown
    assert changes({"households": 5}, {"households": count})[0].now == shown
