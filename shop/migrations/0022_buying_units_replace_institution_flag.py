"""Buyers flagged as institutions become buying units of their own, managed
by the buyer, with the invoice title and tax number they had; then the flag
goes. The profile keeps its invoice details: individuals request 发票 too."""

from django.db import migrations


def _unit_name(BuyingUnit, profile) -> str:
    base = (profile.invoice_title or "").strip() or f"单位采购账户 {profile.user_id}"
    name, n = base[:120], 2
    # Two profiles with one title become two units: names are unique.
    while BuyingUnit.objects.filter(name=name).exists():
        name, n = f"{base[:110]}（{n}）", n + 1
    return name


def flags_to_units(apps, schema_editor):
    BuyerProfile = apps.get_model("shop", "BuyerProfile")
    BuyingUnit = apps.get_model("shop", "BuyingUnit")
    UnitMembership = apps.get_model("shop", "UnitMembership")
    for profile in BuyerProfile.objects.filter(is_institution=True).order_by("pk"):
        name = _unit_name(BuyingUnit, profile)
        unit = BuyingUnit.objects.create(
            name=name,
            kind="other",
            invoice_title=(profile.invoice_title or "").strip() or name,
            tax_number=profile.tax_number,
        )
        UnitMembership.objects.create(unit=unit, user_id=profile.user_id, role="manager")


def units_to_flags(apps, schema_editor):
    BuyerProfile = apps.get_model("shop", "BuyerProfile")
    UnitMembership = apps.get_model("shop", "UnitMembership")
    managers = UnitMembership.objects.filter(role="manager").values_list("user_id", flat=True)
    BuyerProfile.objects.filter(user_id__in=managers).update(is_institution=True)


class Migration(migrations.Migration):
    dependencies = [("shop", "0021_buying_units")]

    operations = [
        migrations.RunPython(flags_to_units, units_to_flags),
        migrations.RemoveField(model_name="buyerprofile", name="is_institution"),
    ]
