"""Issuing a buying unit's yearly aid certificate, and verifying one against
the books as they are now (docs/aid-accounting.md, "Certificates")."""

import datetime
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aid_accounting.certificates import figures as unit_figures
from aid_accounting.certificates.models import AidCertificate
from aid_accounting.exceptions import CertificateError
from aid_accounting.households.masking import MIN_HOUSEHOLDS
from aid_accounting.ledger import chain
from aid_accounting.periods import seals
from aid_accounting.periods.models import PeriodSeal
from core.money import format_yuan
from core.roles import Actor, SystemActor, acting_user, is_aid_officer
from shop.institutions.models import BuyingUnit

FIRST_YEAR = 2020


def may_issue(*, user: Actor, unit: BuyingUnit) -> bool:
    """A member of the unit (any role), an aid officer, or the system (a command)."""
    if isinstance(user, SystemActor):
        return True
    return bool(user and user.is_authenticated and user.is_active) and (
        unit.memberships.filter(user=user).exists() or is_aid_officer(user)
    )


def issue_certificate(*, unit: BuyingUnit, year: int, actor: Actor) -> AidCertificate:
    """The certificate of ``unit``'s purchases charged to ``year``, from the
    books as they are now. Idempotent for a day: the same figures on the same
    local day give the certificate issued earlier; any change of a figure (a
    refund, a close) issues a new one, and the earlier stays as it was.

    ``actor`` must be a member of the unit, an aid officer or ``SYSTEM``
    (``PermissionDenied``)."""
    if not may_issue(user=actor, unit=unit):
        raise PermissionDenied(_("只有本单位成员或帮扶专员可以出具帮扶证明。"))
    now = timezone.now()
    if not FIRST_YEAR <= year <= timezone.localdate(now).year:
        raise CertificateError(_("预算年度应在 %(first)s 年到今年之间。") % {"first": FIRST_YEAR})
    with transaction.atomic():
        # Two clicks at once issue one certificate: the second waits here and
        # then finds the first.
        BuyingUnit.objects.select_for_update().get(pk=unit.pk)
        figures = unit_figures.unit_year(unit_id=unit.pk, year=year)
        digest = chain.sha256(figures)
        start_of_today = timezone.make_aware(
            datetime.datetime.combine(timezone.localdate(now), datetime.time())
        )
        earlier = AidCertificate.objects.filter(
            unit=unit, year=year, digest=digest, issued_at__gte=start_of_today
        ).first()
        if earlier is not None:
            return earlier
        return AidCertificate.objects.create(
            unit=unit,
            year=year,
            code=secrets.token_urlsafe(18),
            issued_at=now,
            issued_by=acting_user(actor),
            figures=figures,
            digest=digest,
        )


@dataclass(frozen=True)
class Change:
    """One figure that is not what the certificate says: its name and both values, as shown."""

    name: str
    certified: str
    now: str


@dataclass(frozen=True)
class Verification:
    certificate: AidCertificate
    # The stored figures still hash to the stored digest.
    intact: bool
    changes: list[Change]
    # Problems of the certificate's periods' seals against the ledger now.
    seal_breaks: list[str]
    current: dict

    @property
    def matches(self) -> bool:
        return self.intact and not self.changes and not self.seal_breaks


def verify_certificate(certificate: AidCertificate) -> Verification:
    """Recompute ``certificate``'s figures from the books now and compare; and
    check the seals of its periods against the ledger (one balance query each)."""
    current = unit_figures.unit_year(unit_id=certificate.unit_id, year=certificate.year)
    periods = {row["period"] for row in certificate.figures.get("periods", [])}
    return Verification(
        certificate=certificate,
        intact=chain.sha256(certificate.figures) == certificate.digest,
        changes=changes(certificate.figures, current),
        seal_breaks=[
            str(broken)
            for seal in PeriodSeal.objects.filter(period__code__in=periods)
            .select_related("period")
            .order_by("period__start")
            for broken in seals.seal_breaks(seal)
        ],
        current=current,
    )


TOTALS = (
    ("purchases_fen", gettext_lazy("采购金额（扣除退款）")),
    ("aid_fen", gettext_lazy("带动帮扶资金")),
    ("reached_households_fen", gettext_lazy("已分配到户")),
    ("awaiting_close_fen", gettext_lazy("待结算分配")),
    ("orders", gettext_lazy("订单数")),
    ("households", gettext_lazy("受益户数")),
    ("villages", gettext_lazy("受益村数")),
)
TABLES = (
    ("by_month", "month", gettext_lazy("月份")),
    ("by_producer", "producer", gettext_lazy("生产者")),
    ("by_village", "village", gettext_lazy("村")),
)


def changes(certified: dict, now: dict) -> list[Change]:
    """What differs between two sets of figures, in the order the certificate shows them."""
    found = [
        Change(str(name), _shown(key, certified.get(key)), _shown(key, now.get(key)))
        for key, name in TOTALS
        if certified.get(key) != now.get(key)
    ]
    for table, label, heading in TABLES:
        was = {row[label]: row for row in certified.get(table, [])}
        is_ = {row[label]: row for row in now.get(table, [])}
        for name in sorted(was.keys() | is_.keys()):
            for key, what in (("purchases_fen", _("采购")), ("aid_fen", _("帮扶资金"))):
                before = was.get(name, {}).get(key, 0)
                after = is_.get(name, {}).get(key, 0)
                if before != after:
                    found.append(
                        Change(
                            f"{heading} {name} · {what}",
                            format_yuan(before),
                            format_yuan(after),
                        )
                    )
    was_periods = {row["period"]: row for row in certified.get("periods", [])}
    now_periods = {row["period"]: row for row in now.get("periods", [])}
    for code in sorted(was_periods.keys() | now_periods.keys()):
        before = was_periods.get(code, {}).get("seal_hash")
        after = now_periods.get(code, {}).get("seal_hash")
        if before != after:
            found.append(
                Change(
                    _("期间 %(code)s 封存哈希") % {"code": code},
                    (before or "—")[:16],
                    (after or "—")[:16],
                )
            )
    return found


def _shown(key: str, value) -> str:
    if value is None:
        return "—"
    if key == "households":
        return households_shown(value)
    return format_yuan(value) if key.endswith("_fen") else str(value)


def households_shown(count: int) -> str:
    """A count of households as the public may read it: below MIN_HOUSEHOLDS
    (one or two households, whose share could be worked out) only that it is
    fewer, as open data suppresses such cells. The stored figures keep the count."""
    if 0 < count < MIN_HOUSEHOLDS:
        return _("不足 %(minimum)s 户") % {"minimum": MIN_HOUSEHOLDS}
    return _("%(count)s 户") % {"count": count}
