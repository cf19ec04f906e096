"""Forms of the shop's producer-portal pages: short, phone-first, and
keeping what was typed when something is wrong."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.money import YuanField, yuan_amount
from shop.catalogue.models import Category, ProductPage, ProductVariant
from shop.catalogue.photos import PhotoError, PreparedPhoto, prepare_photo
from shop.orders.fulfilment import (
    CARRIER_CHOICES,
    LOCAL_DELIVERY,
    is_tracking_number,
    normalize_tracking_number,
)
from shop.portal.products import ProductText, VariantRow, description_text

MAX_STOCK = 100_000

# The price column is a 32-bit integer of fen; a million yuan is far above any product.
MAX_PRICE_FEN = 1_000_000_00

NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}


def _photo_input(**attrs) -> forms.FileInput:
    # HEIC named too: some Android pickers grey out files whose type they cannot name.
    return forms.FileInput(attrs={"accept": "image/*,.heic,.heif", **attrs})


class ProductForm(forms.Form):
    title = forms.CharField(
        label=_("商品名称"),
        max_length=100,
        error_messages={"required": _("请填商品名称。")},
        widget=forms.TextInput(attrs={"placeholder": _("例如：姜庄大棚番茄")}),
    )
    # Two pickers: with `capture` a phone opens its camera at once, but then
    # offers no gallery, and some photos were taken before.
    photo = forms.FileField(
        label=_("拍照"), required=False, widget=_photo_input(capture="environment")
    )
    photo_from_album = forms.FileField(label=_("或从相册选"), required=False, widget=_photo_input())
    category = forms.ModelChoiceField(
        label=_("分类"),
        queryset=Category.objects.filter(children__isnull=True).select_related("parent"),
        empty_label=_("请选择"),
        error_messages={
            "required": _("请选一个分类。"),
            "invalid_choice": _("请从列表里选一个分类。"),
        },
    )
    summary = forms.CharField(
        label=_("一句话介绍"),
        max_length=200,
        error_messages={"required": _("请用一句话介绍这件商品。")},
        widget=forms.TextInput(attrs={"placeholder": _("例如：自然成熟，沙瓤多汁")}),
    )
    description = forms.CharField(
        label=_("详细介绍（可不填）"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    @staticmethod
    def initial_for(page: ProductPage | None) -> dict:
        if page is None:
            return {}
        return {
            "title": page.title,
            "category": page.category_id,
            "summary": page.summary,
            "description": description_text(page.description),
        }

    def clean(self):
        cleaned = super().clean()
        field = "photo" if cleaned.get("photo") else "photo_from_album"
        cleaned["prepared_photo"] = None
        if cleaned.get(field):
            try:
                cleaned["prepared_photo"] = prepare_photo(cleaned[field])
            except PhotoError as error:
                self.add_error(field, str(error))
        return cleaned

    def product_text(self) -> ProductText:
        data = self.cleaned_data
        return ProductText(
            title=data["title"].strip(),
            summary=data["summary"].strip(),
            description=data["description"].strip(),
            category=data["category"],
        )

    def prepared_photo(self) -> PreparedPhoto | None:
        return self.cleaned_data["prepared_photo"]


class VariantForm(forms.Form):
    """One variant: an existing one (its stock is changed on the products
    page, through the inventory) or a new one with its first stock."""

    variant_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("规格"),
        max_length=64,
        error_messages={"required": _("请填规格，例如 5斤装礼盒。")},
        widget=forms.TextInput(attrs={"placeholder": _("例如：5斤装礼盒")}),
    )
    price = YuanField(
        label=_("价格（元）"),
        max_fen=MAX_PRICE_FEN,
        error_messages={"required": _("请填价格。")},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "39.80"}),
    )
    unit = forms.CharField(
        label=_("单位"),
        max_length=16,
        initial="份",
        error_messages={"required": _("请填单位，例如 盒。")},
        widget=forms.TextInput(attrs={"placeholder": _("盒、箱、斤")}),
    )
    stock = forms.IntegerField(
        label=_("现有库存"),
        min_value=0,
        max_value=MAX_STOCK,
        widget=forms.TextInput(attrs=NUMERIC),
        error_messages={
            "required": _("请填现在有多少（没有就填 0）。"),
            "invalid": _("库存请填整数，例如 20。"),
        },
    )
    is_active = forms.BooleanField(label=_("在售"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.existing_id:
            del self.fields["stock"]
        else:
            del self.fields["is_active"]

    @property
    def existing_id(self) -> int | None:
        return self.initial.get("variant_id")

    @staticmethod
    def initial_for(variant: ProductVariant) -> dict:
        return {
            "variant_id": variant.pk,
            "name": variant.name,
            "price": yuan_amount(variant.price_fen),
            "unit": variant.unit,
            "is_active": variant.is_active,
            "current_stock": variant.stock,
        }

    def clean(self):
        cleaned = super().clean()
        # Which variant a row is comes from the database, never from the page;
        # the posted id only tells that the page still shows the same rows.
        if cleaned.get("variant_id") != self.existing_id:
            raise forms.ValidationError(_("这个商品的规格刚被别人改过，请重新打开再改。"))
        return cleaned

    def row(self) -> VariantRow:
        data = self.cleaned_data
        return VariantRow(
            name=data["name"].strip(),
            price_fen=data["price"],
            unit=data["unit"].strip(),
            variant_id=self.existing_id,
            opening_stock=data.get("stock") or 0,
            is_active=data.get("is_active", True),
        )


class BaseVariantFormSet(forms.BaseFormSet):
    def rows(self) -> list[VariantRow]:
        # Blank rows left empty are not variants.
        return [form.row() for form in self.forms if form.has_changed() or form.existing_id]


VariantFormSet = forms.formset_factory(
    VariantForm, formset=BaseVariantFormSet, extra=1, max_num=20, validate_max=True
)

# A new product offers a second row: many sell a small and a large pack.
NewVariantFormSet = forms.formset_factory(
    VariantForm, formset=BaseVariantFormSet, extra=2, max_num=20, validate_max=True
)


class StockChangeForm(forms.Form):
    amount = forms.IntegerField(min_value=1, max_value=MAX_STOCK)
    direction = forms.ChoiceField(choices=[("up", "+"), ("down", "-")])

    def delta(self) -> int:
        amount = self.cleaned_data["amount"]
        return amount if self.cleaned_data["direction"] == "up" else -amount


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(
        label=_("快递公司"),
        choices=[("", _("请选择")), *CARRIER_CHOICES],
        error_messages={"required": _("请选快递公司。")},
    )
    tracking_number = forms.CharField(
        label=_("运单号"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_tracking_number(self) -> str:
        number = normalize_tracking_number(self.cleaned_data["tracking_number"])
        if number and not is_tracking_number(number):
            raise forms.ValidationError(_("运单号是 6 到 40 位字母和数字，例如 SF1234567890123。"))
        return number

    def clean(self):
        cleaned = super().clean()
        carrier = cleaned.get("carrier")
        # An absent key means the number was refused already, with its own message.
        if carrier and carrier != LOCAL_DELIVERY and cleaned.get("tracking_number") == "":
            self.add_error("tracking_number", _("请填写快递单上的运单号。"))
        return cleaned
