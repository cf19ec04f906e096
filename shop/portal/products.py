"""A producer's own products as the portal edits them.

Text and photo changes are saved as draft revisions of the ProductPage and
reach buyers only through the township's moderation workflow, exactly as in
the admin: the portal never publishes, so it is no second path around
approval. Variants are plain rows (DESIGN §5): their names and prices change
here, their stock only through ``shop.orders.inventory``.
"""

import html
import logging
import re
from dataclasses import dataclass

import jieba
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Prefetch
from django.utils.html import escape, strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin
from wagtail.coreutils import find_available_slug
from wagtail.images import get_image_model
from wagtail.images.models import AbstractImage
from wagtail.models import Page, WorkflowState

from producers.access import ensure_collection
from producers.models import Producer, ProducerPage
from shop.catalogue import page_cache
from shop.catalogue.approval import ProductStatus, product_status
from shop.catalogue.models import Category, ProductPage, ProductVariant
from shop.catalogue.photos import PreparedPhoto

logger = logging.getLogger(__name__)

THUMBNAIL = "fill-160x160"

# Long enough for a title's first few words; a slug is cut between words.
MAX_SLUG_LENGTH = 50

# A title with nothing to spell in Latin letters (only emoji, say).
FALLBACK_SLUG = "product"


class ListingError(Exception):
    """A change the rules refuse; the message is for the producer."""


@dataclass(frozen=True)
class ProductText:
    title: str
    summary: str
    description: str  # plain text, one paragraph per line
    category: Category


@dataclass(frozen=True)
class VariantRow:
    """One variant as the producer wants it; ``variant_id`` None for a new one."""

    name: str
    price_fen: int
    unit: str
    variant_id: int | None = None
    opening_stock: int = 0  # a new variant's first stock; existing stock is not touched here
    is_active: bool = True


def producer_products(producer: Producer) -> list[tuple[ProductPage, ProductStatus]]:
    """The producer's products with their status, recently edited first, in
    a fixed number of queries."""
    renditions = get_image_model().get_rendition_model().objects.filter(filter_spec=THUMBNAIL)
    pages = list(
        ProductPage.objects.filter(producer=producer)
        .select_related("image")
        .prefetch_related(
            Prefetch("variants", queryset=ProductVariant.objects.order_by("sort_order", "pk")),
            Prefetch("image__renditions", queryset=renditions, to_attr="prefetched_renditions"),
        )
        .order_by("-latest_revision_created_at", "-pk")
    )
    # Wagtail's prefetch_workflow_states() finds nothing on a ProductPage
    # queryset (it matches the states' base content type, Page, against
    # ProductPage), so the active states are read here, in one query.
    states = {
        int(state.object_id): state
        for state in WorkflowState.objects.active()
        .filter(
            base_content_type=ContentType.objects.get_for_model(Page),
            object_id__in=[str(page.pk) for page in pages],
        )
        .select_related("current_task_state")
    }
    return [(page, product_status(page, states.get(page.pk))) for page in pages]


def is_locked(page: ProductPage, user: AbstractBaseUser) -> bool:
    """Locked as the admin would lock it: while editors review it, or by an editor."""
    lock = page.get_lock()
    return bool(lock and lock.for_user(user))


def description_text(rich_text: str) -> str:
    """The rich-text description as plain lines for the portal's text box."""
    return html.unescape(strip_tags(re.sub(r"</p>|<br\s*/?>", "\n", rich_text))).strip()


def _description_html(text: str) -> str:
    return "".join(f"<p>{escape(line.strip())}</p>" for line in text.splitlines() if line.strip())


def pinyin_slug(title: str) -> str:
    """A readable ASCII slug, as the seeded products have: the title's words
    (jieba) in toneless pinyin, e.g. "姜庄大棚番茄" → "jiangzhuang-dapeng-fanqie";
    Latin letters and digits kept, anything else dropped."""
    words = ("".join(lazy_pinyin(word)) for word in jieba.lcut(title))
    slug = slugify(" ".join(words))
    if len(slug) > MAX_SLUG_LENGTH:
        slug = slug[: MAX_SLUG_LENGTH + 1].rsplit("-", 1)[0][:MAX_SLUG_LENGTH]
    return slug.strip("-") or FALLBACK_SLUG


def _store_photo(
    photo: PreparedPhoto, *, producer: Producer, user: AbstractBaseUser, title: str
) -> AbstractImage:
    try:
        return get_image_model().objects.create(
            title=title,
            collection=ensure_collection(producer),
            uploaded_by_user=user,
            file=photo.as_file(producer.code),
            width=photo.width,
            height=photo.height,
            file_size=len(photo.content),
        )
    except OSError:
        # The disk is full or read-only: the producer can do nothing but try later,
        # the township's staff must act (the storage left no part of the file).
        logger.exception("Photo of producer %s not stored", producer.code)
        raise ListingError(
            _(
                "照片没能保存：网站的存储空间满了或暂时不能写入。您填的内容还在，请稍后再传，或联系镇电商服务站。"
            )
        ) from None


def _check_variants(rows: list[VariantRow], existing_ids: set[int]) -> None:
    ids = [row.variant_id for row in rows if row.variant_id is not None]
    # The form lists every variant; a mismatch means someone else changed them meanwhile.
    if sorted(ids) != sorted(existing_ids):
        raise ListingError(_("这个商品的规格刚被别人改过，请重新打开再改。"))
    names = [row.name for row in rows]
    if len(set(names)) != len(names):
        raise ListingError(_("同一个商品的规格名称不能重复。"))
    if not any(row.is_active for row in rows):
        raise ListingError(_("至少要有一个在售的规格。"))


# The change reason of the variants' history records written here.
PORTAL_EDIT = "producer_portal"


def _save_variants(product: ProductPage, rows: list[VariantRow], user: AbstractBaseUser) -> None:
    before = {variant.pk: variant for variant in product.variants.all()}
    changed = []
    for order, row in enumerate(rows):
        if row.variant_id is None:
            variant = ProductVariant(
                product=product,
                name=row.name,
                price_fen=row.price_fen,
                unit=row.unit,
                stock=row.opening_stock,
                sort_order=order,
            )
            variant._history_user = user  # simple-history's "who" for this save
            variant._change_reason = PORTAL_EDIT
            variant.save()
            continue
        terms = {
            "name": row.name,
            "price_fen": row.price_fen,
            "unit": row.unit,
            "is_active": row.is_active,
            "sort_order": order,
        }
        # update(), not save(): save() would write back the stock read
        # earlier and undo what orders took meanwhile.
        ProductVariant.objects.filter(pk=row.variant_id, product=product).update(**terms)
        old = before[row.variant_id]
        if any(getattr(old, name) != value for name, value in terms.items()):
            changed.append(row.variant_id)
    # update() writes no history, so the price and name changes are recorded
    # here, as the rows now are (stock included, as orders left it).
    ProductVariant.history.bulk_history_create(
        ProductVariant.objects.filter(pk__in=changed),
        update=True,
        default_user=user,
        default_change_reason=PORTAL_EDIT,
    )
    # update() sends no signal, and the variants show at once on a live product.
    page_cache.invalidate()


@transaction.atomic
def save_product_draft(
    *,
    producer: Producer,
    user: AbstractBaseUser,
    text: ProductText,
    variants: list[VariantRow],
    photo: PreparedPhoto | None = None,
    page: ProductPage | None = None,
) -> ProductPage:
    """Create the product under the producer's page, or change ``page``, as a
    draft revision; a live product stays as buyers see it until approved.
    ``variants`` is the whole list, every existing variant included."""
    if page is not None and page.producer_id != producer.pk:
        raise ListingError(_("这不是您的商品。"))
    if page is not None and is_locked(page, user):
        raise ListingError(_("这个商品正在审核，审核完成前不能修改。"))
    _check_variants(variants, set(page.variants.values_list("pk", flat=True)) if page else set())

    if page is None:
        parent = ProducerPage.objects.filter(producer=producer).first()
        if parent is None:
            raise ListingError(_("还没有您的店铺页面，请联系镇电商服务站。"))
        draft = ProductPage(
            slug=find_available_slug(parent, pinyin_slug(text.title)),
            owner=user,
            live=False,
            description="",
        )
    else:
        # Start from the latest revision, as the admin does, so that an
        # earlier unapproved draft is carried on, not dropped.
        draft = page.get_latest_revision_as_object()
    draft.title = text.title
    draft.summary = text.summary
    draft.category = text.category
    # Rewrite the description only when its text changed, so an editor's
    # formatting survives an edit that did not touch it.
    if text.description != description_text(draft.description):
        draft.description = _description_html(text.description)
    if photo is not None:
        draft.image = _store_photo(photo, producer=producer, user=user, title=text.title)

    if page is None:
        parent.add_child(instance=draft)
    elif not draft.live:
        draft.save()
    draft.save_revision(user=user, log_action=True)
    _save_variants(draft, variants, user)
    return draft


@transaction.atomic
def submit_for_approval(*, page: ProductPage, user: AbstractBaseUser) -> None:
    """Send the latest revision to the township editors, through the page's
    workflow, as the admin's "submit for moderation" does."""
    if page.get_latest_revision_as_object().image_id is None:
        raise ListingError(_("提交审核前请先上传一张商品照片。"))
    if not page.permissions_for_user(user).can_submit_for_moderation():
        if page.workflow_in_progress:
            raise ListingError(_("这个商品已经在审核中了。"))
        raise ListingError(_("现在不能提交审核，请联系镇电商服务站。"))
    state = page.current_workflow_state
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        state.resume(user)  # after a rejection the same workflow goes on
    else:
        page.get_workflow().start(page, user)
