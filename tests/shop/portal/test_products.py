"""The producer portal's products: the list, the new/edit form with its photo,
and submission to the township's moderation workflow."""

import io

import pillow_heif
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import WorkflowState

from core.roles import TOWNSHIP_EDITOR
from producers.models import PortalActivity
from shop.catalogue.models import Category, ProductPage, ProductVariant
from shop.orders import inventory
from tests.factories import ImageFactory, jpeg_bytes
from tests.shop.factories import CategoryFactory, ProductPageFactory, ProductVariantFactory
from tests.township import add_staff

pytestmark = pytest.mark.django_db

Image = get_image_model()
# A HEIC file's first box and nothing after it: a HEIC, but not a photo.
BROKEN_HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200


@pytest.fixture
def category():
    return CategoryFactory()


@pytest.fixture
def editor():
    return add_staff(TOWNSHIP_EDITOR)


def photo(content: bytes = b"", name: str = "tomato.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content or jpeg_bytes(), content_type="image/jpeg")


def form_data(category, *, variants=None, existing: int = 0, action: str = "save", **fields):
    """The POST of the product form; ``variants`` are the rows after ``existing`` ones."""
    rows = (
        variants
        if variants is not None
        else [{"name": "5斤装", "price": "39.80", "unit": "盒", "stock": "20"}]
    )
    data = {
        "title": "大棚番茄",
        "category": category.pk,
        "summary": "自然成熟，沙瓤多汁",
        "description": "第一段\n第二段",
        "action": action,
        "variants-TOTAL_FORMS": len(rows),
        "variants-INITIAL_FORMS": existing,
        "variants-MIN_NUM_FORMS": 0,
        "variants-MAX_NUM_FORMS": 20,
        **fields,
    }
    for index, row in enumerate(rows):
        data.update({f"variants-{index}-{key}": value for key, value in row.items()})
    return data


def variant_row(variant: ProductVariant, **changes) -> dict:
    row = {
        "variant_id": variant.pk,
        "name": variant.name,
        "price": f"{variant.price_fen / 100:.2f}",
        "unit": variant.unit,
        "is_active": "on",
    }
    return {**row, **changes}


def own_product(member, **kwargs) -> ProductPage:
    product = ProductPageFactory(parent=member.page, image=ImageFactory(), **kwargs)
    ProductVariantFactory(product=product, name="5斤装", stock=10)
    return product


def submit(product, user) -> None:
    product.save_revision(user=user)
    product.get_workflow().start(product, user)


# Who may see what -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/portal/products/", "/portal/products/new/"])
def test_anonymous_visitors_are_sent_to_the_portal_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/portal/login/?next={path}")


def test_anonymous_edit_changes_nothing(client, member_a, category):
    product = own_product(member_a)
    response = client.post(f"/portal/products/{product.pk}/edit/", form_data(category))
    assert response["Location"].startswith("/portal/login/")
    product.refresh_from_db()
    assert product.title != "大棚番茄"


def test_the_list_shows_only_the_producers_own_products(client_a, member_a, member_b):
    own_product(member_a, title="我的番茄")
    own_product(member_b, title="别人的黄瓜")
    response = client_a.get("/portal/products/")
    assert response.status_code == 200
    assert "我的番茄" in response.text
    assert "别人的黄瓜" not in response.text


def test_another_producers_product_is_404_and_unchanged(client_a, member_b, category):
    product = own_product(member_b, title="别人的黄瓜", live=False)
    variant = product.variants.get()
    url = f"/portal/products/{product.pk}/edit/"
    assert client_a.get(url).status_code == 404
    data = form_data(category, variants=[variant_row(variant, price="0.01")], existing=1)
    assert client_a.post(url, {**data, "photo": photo()}).status_code == 404
    assert client_a.post(f"/portal/products/{product.pk}/submit/").status_code == 404

    product.refresh_from_db()
    variant.refresh_from_db()
    assert (product.title, variant.price_fen) == ("别人的黄瓜", 3980)
    assert product.revisions.count() == 1
    assert not product.workflow_states.exists()
    assert not PortalActivity.objects.exists()


def test_the_english_portal_lists_products(client_a, member_a):
    own_product(member_a)
    assert client_a.get("/en/portal/products/").status_code == 200


# The list -------------------------------------------------------------------


def test_the_list_says_each_status_in_plain_words(client_a, member_a, editor):
    own_product(member_a, title="草稿商品", live=False)
    submit(own_product(member_a, title="送审商品", live=False), member_a.user)
    rejected = own_product(member_a, title="退回商品", live=False)
    submit(rejected, member_a.user)
    task_state = rejected.current_workflow_task_state
    task_state.task.specific.on_action(task_state, editor, "reject", comment="请补一张近照")
    own_product(member_a, title="在售商品")

    text = client_a.get("/portal/products/").text
    for label in ("草稿", "待审核", "被退回", "已上架"):
        assert f">{label}</p>" in text
    assert "请补一张近照" in text


def count_queries(client) -> int:
    client.get("/portal/products/")  # thumbnails are made on the first view, then reused
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/portal/products/").status_code == 200
    return len(captured)


def test_the_list_runs_the_same_queries_for_3_and_10_products(client_a, member_a, editor):
    def add(count: int) -> None:
        for index in range(count):
            product = own_product(member_a, live=index % 3 == 0)
            ProductVariantFactory(product=product)
            if index % 3 == 1:
                submit(product, member_a.user)

    add(3)
    with_3 = count_queries(client_a)
    add(7)
    assert count_queries(client_a) == with_3


# Creating and editing -------------------------------------------------------


def test_a_new_product_is_a_draft_with_its_variant_photo_and_record(client_a, member_a, category):
    response = client_a.post(
        "/portal/products/new/", {**form_data(category), "photo": photo(jpeg_bytes(800, 600))}
    )
    assert response.status_code == 302
    product = ProductPage.objects.get(title="大棚番茄")
    assert not product.live
    assert product.get_parent().pk == member_a.page.pk
    assert product.producer == member_a.producer
    assert product.revisions.count() == 1
    assert product.workflow_states.count() == 0
    assert product.description == "<p>第一段</p><p>第二段</p>"
    variant = product.variants.values("name", "price_fen", "unit", "stock").get()
    assert variant == {"name": "5斤装", "price_fen": 3980, "unit": "盒", "stock": 20}
    assert product.image.collection.name == member_a.producer.name
    assert (product.image.width, product.image.height) == (800, 600)
    activity = PortalActivity.objects.get()
    assert (activity.user, activity.producer) == (member_a.user, member_a.producer)
    assert "大棚番茄" in activity.summary


def test_a_photo_from_the_album_is_taken_too(client_a, category):
    client_a.post("/portal/products/new/", {**form_data(category), "photo_from_album": photo()})
    assert ProductPage.objects.get(title="大棚番茄").image is not None


def test_a_large_photo_is_resized_and_re_encoded(client_a, category):
    large = io.BytesIO()
    PILImage.new("RGB", (4000, 3000), (200, 40, 40)).save(large, format="PNG")
    client_a.post(
        "/portal/products/new/", {**form_data(category), "photo": photo(large.getvalue(), "a.png")}
    )
    image = ProductPage.objects.get(title="大棚番茄").image
    assert (image.width, image.height) == (2000, 1500)
    with image.open_file() as stored:
        assert PILImage.open(stored).format == "JPEG"


def heic_bytes() -> bytes:
    """A HEIC as an iPhone writes one: taken turned (orientation 6), with its
    maker and a GPS position in the EXIF block."""
    exif = PILImage.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Apple"
    exif[0x8825] = {1: "N", 2: (36.0, 50.0, 12.0)}
    heif = pillow_heif.from_pillow(PILImage.new("RGB", (400, 300), (200, 40, 40)))
    buffer = io.BytesIO()
    heif.save(buffer, exif=exif.tobytes())
    return buffer.getvalue()


def test_an_iphone_heic_photo_is_stored_as_an_upright_jpeg_without_exif(client_a, category):
    content = heic_bytes()
    assert content[4:12] == b"ftypheic"
    assert PILImage.open(io.BytesIO(content)).getexif()[0x010F] == "Apple"

    response = client_a.post(
        "/portal/products/new/",
        {**form_data(category), "photo": photo(content, "IMG_0001.HEIC")},
    )

    assert response.status_code == 302
    image = ProductPage.objects.get(title="大棚番茄").image
    assert image.file.name.endswith(".jpg")
    assert (image.width, image.height) == (300, 400)
    with image.open_file() as stored:
        jpeg = PILImage.open(stored)
        assert jpeg.format == "JPEG"
        assert not jpeg.getexif()
        assert "exif" not in jpeg.info


def test_the_photo_pickers_name_heic_and_the_hint_says_it_is_fine(client_a):
    page = client_a.get("/portal/products/new/").text
    assert page.count('accept="image/*,.heic,.heif"') == 2
    assert "苹果手机拍的照片（HEIC 格式）也能直接传" in page
    assert "兼容性最佳" not in page


def test_a_photo_is_turned_upright_by_its_exif_orientation(client_a, category):
    sideways = io.BytesIO()
    exif = PILImage.Exif()
    exif[0x0112] = 6  # taken with the phone turned: rotate 90° to show
    PILImage.new("RGB", (400, 300)).save(sideways, format="JPEG", exif=exif)
    client_a.post(
        "/portal/products/new/", {**form_data(category), "photo": photo(sideways.getvalue())}
    )
    image = ProductPage.objects.get(title="大棚番茄").image
    assert (image.width, image.height) == (300, 400)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (BROKEN_HEIC, "IMG_0001.HEIC", "不是能识别的照片"),
        (BROKEN_HEIC, "IMG_0001.jpg", "不是能识别的照片"),
        (b"this is not a photo at all", "photo.jpg", "不是能识别的照片"),
        (jpeg_bytes()[:300], "cut-off.jpg", "不是能识别的照片"),
    ],
)
def test_an_unreadable_photo_is_refused_and_the_typing_is_kept(
    client_a, category, content, name, message
):
    data = {**form_data(category, title="我的好番茄"), "photo": photo(content, name)}
    response = client_a.post("/portal/products/new/", data)
    assert response.status_code == 200
    assert message in response.text
    assert 'value="我的好番茄"' in response.text
    assert "39.80" in response.text
    assert not ProductPage.objects.exists()
    assert not Image.objects.exists()
    assert not PortalActivity.objects.exists()


def test_a_too_large_file_is_refused(client_a, category, monkeypatch):
    monkeypatch.setattr("shop.catalogue.photos.MAX_UPLOAD_BYTES", 1000)
    response = client_a.post(
        "/portal/products/new/", {**form_data(category), "photo": photo(jpeg_bytes(800, 600))}
    )
    assert "照片文件太大" in response.text
    assert not ProductPage.objects.exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"price": "-5"}, "请输入金额"),
        ({"price": "0.001"}, "最多两位小数"),
        ({"price": "0"}, "金额超出允许范围"),
        ({"price": "99999999"}, "金额超出允许范围"),
        ({"stock": "abc"}, "库存请填整数"),
        ({"stock": "-1"}, "大于或等于0"),
        ({"name": ""}, "请填规格"),
        ({"unit": ""}, "请填单位"),
    ],
)
def test_bad_variant_input_is_refused_and_nothing_is_saved(client_a, category, row, message):
    variant = {"name": "5斤装", "price": "39.80", "unit": "盒", "stock": "20", **row}
    response = client_a.post(
        "/portal/products/new/",
        {**form_data(category, title="我的好番茄", variants=[variant]), "photo": photo()},
    )
    assert response.status_code == 200
    assert message in response.text
    assert 'value="我的好番茄"' in response.text
    assert "照片需要重新选一次" in response.text
    assert not ProductPage.objects.exists()
    assert not ProductVariant.objects.exists()
    assert not Image.objects.exists()


def test_a_product_needs_a_variant(client_a, category):
    empty = {"name": "", "price": "", "unit": "份", "stock": ""}
    response = client_a.post("/portal/products/new/", form_data(category, variants=[empty, empty]))
    assert "至少要有一个在售的规格" in response.text
    assert not ProductPage.objects.exists()


def test_variant_names_must_differ(client_a, category):
    row = {"name": "5斤装", "price": "39.80", "unit": "盒", "stock": "20"}
    response = client_a.post("/portal/products/new/", form_data(category, variants=[row, row]))
    assert "规格名称不能重复" in response.text
    assert not ProductPage.objects.exists()


def test_only_leaf_categories_are_offered(client_a, category):
    parent = Category.objects.create(slug="crafts", name="手工艺品")
    Category.objects.create(slug="bags", name="箱包", parent=parent)
    response = client_a.post("/portal/products/new/", form_data(parent))
    assert response.status_code == 200
    assert not ProductPage.objects.exists()


def test_editing_a_draft_changes_it_and_adds_a_variant(client_a, member_a, category):
    product = own_product(member_a, live=False)
    variant = product.variants.get()
    url = f"/portal/products/{product.pk}/edit/"
    assert client_a.get(url).status_code == 200
    rows = [
        variant_row(variant, price="42.00"),
        {"name": "10斤装", "price": "69.90", "unit": "箱", "stock": "5"},
    ]
    response = client_a.post(url, form_data(category, title="新名字", variants=rows, existing=1))
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.title == "新名字"
    assert not product.live
    assert [(v.name, v.price_fen, v.stock) for v in product.variants.order_by("sort_order")] == [
        ("5斤装", 4200, 10),
        ("10斤装", 6990, 5),
    ]


def test_editing_a_live_product_keeps_what_buyers_see_until_approved(
    client_a, member_a, category, editor
):
    product = own_product(member_a, title="在售番茄")
    variant = product.variants.get()
    url = f"/portal/products/{product.pk}/edit/"
    client_a.post(
        url, form_data(category, title="改过的番茄", variants=[variant_row(variant)], existing=1)
    )

    product.refresh_from_db()
    assert product.live
    assert product.title == "在售番茄"
    assert product.has_unpublished_changes
    assert product.get_latest_revision_as_object().title == "改过的番茄"
    # The form opens on the latest draft, not on the live text.
    assert 'value="改过的番茄"' in client_a.get(url).text


def test_a_price_edit_never_overwrites_stock_taken_meanwhile(client_a, member_a, category):
    product = own_product(member_a, live=False)
    variant = product.variants.get()
    client_a.get(f"/portal/products/{product.pk}/edit/")
    inventory.reserve(variant_id=variant.pk, quantity=4)  # an order while the form is open
    client_a.post(
        f"/portal/products/{product.pk}/edit/",
        form_data(category, variants=[variant_row(variant, price="45.00")], existing=1),
    )
    variant.refresh_from_db()
    assert (variant.price_fen, variant.stock) == (4500, 6)


def test_a_variant_is_taken_off_sale_not_deleted(client_a, member_a, category):
    product = own_product(member_a, live=False)
    first = product.variants.get()
    second = ProductVariantFactory(product=product, name="10斤装")
    rows = [variant_row(first), {**variant_row(second), "is_active": ""}]
    client_a.post(
        f"/portal/products/{product.pk}/edit/", form_data(category, variants=rows, existing=2)
    )
    second.refresh_from_db()
    assert not second.is_active


def test_a_row_posted_as_another_variant_is_refused(client_a, member_a, member_b, category):
    product = own_product(member_a, live=False)
    foreign = own_product(member_b).variants.get()
    row = variant_row(product.variants.get(), variant_id=foreign.pk, price="0.01")
    response = client_a.post(
        f"/portal/products/{product.pk}/edit/", form_data(category, variants=[row], existing=1)
    )
    assert "刚被别人改过" in response.text
    foreign.refresh_from_db()
    assert foreign.price_fen == 3980


# Submission -----------------------------------------------------------------


def test_save_and_submit_puts_the_product_in_moderation(client_a, member_a, category, editor):
    response = client_a.post(
        "/portal/products/new/", {**form_data(category, action="submit"), "photo": photo()}
    )
    assert response.status_code == 302
    product = ProductPage.objects.get(title="大棚番茄")
    with translation.override("en"):
        assert product.status_string == "in moderation"
    assert product.current_workflow_state.requested_by == member_a.user
    # The member can neither publish nor approve: only the township's editors can.
    assert not product.permissions_for_user(member_a.user).can_publish()
    task_state = product.current_workflow_task_state
    assert task_state.task.specific.get_actions(product, member_a.user) == []
    assert list(PortalActivity.objects.values_list("action", flat=True)) == [
        "product_submitted",
        "product_saved",
    ]

    task_state.task.specific.on_action(task_state, editor, "approve")
    product.refresh_from_db()
    assert product.live


def test_a_product_in_moderation_cannot_be_edited(client_a, member_a, category):
    product = own_product(member_a, title="送审番茄", live=False)
    submit(product, member_a.user)
    variant = product.variants.get()
    url = f"/portal/products/{product.pk}/edit/"
    assert "正在审核" in client_a.get(url).text
    client_a.post(
        url, form_data(category, title="偷偷改", variants=[variant_row(variant)], existing=1)
    )
    product.refresh_from_db()
    assert product.get_latest_revision_as_object().title == "送审番茄"
    assert not PortalActivity.objects.exists()


def test_submitting_needs_a_photo(client_a, member_a):
    product = ProductPageFactory(parent=member_a.page, live=False)
    response = client_a.post(f"/portal/products/{product.pk}/submit/", follow=True)
    assert "请先上传一张商品照片" in response.text
    assert not product.workflow_states.exists()


def test_a_rejected_product_is_fixed_and_resubmitted_to_the_same_workflow(
    client_a, member_a, category, editor
):
    product = own_product(member_a, live=False)
    submit(product, member_a.user)
    task_state = product.current_workflow_task_state
    task_state.task.specific.on_action(task_state, editor, "reject", comment="照片太暗")
    variant = product.variants.get()

    response = client_a.post(
        f"/portal/products/{product.pk}/edit/",
        {**form_data(category, action="submit", variants=[variant_row(variant)], existing=1)},
    )
    assert response.status_code == 302
    state = WorkflowState.objects.get()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert product.workflow_in_progress


def test_a_submitted_product_cannot_be_submitted_twice(client_a, member_a):
    product = own_product(member_a, live=False)
    client_a.post(f"/portal/products/{product.pk}/submit/")
    client_a.post(f"/portal/products/{product.pk}/submit/")
    assert product.workflow_states.count() == 1


def test_a_new_product_gets_a_pinyin_slug(client_a, member_a, category):
    client_a.post("/portal/products/new/", form_data(category, title="姜庄大棚番茄"))
    product = ProductPage.objects.get(title="姜庄大棚番茄")
    assert product.slug == "jiangzhuang-dapeng-fanqie"
    assert product.url_path.endswith("/jiangzhuang-dapeng-fanqie/")


def test_pinyin_slugs_are_unique_among_the_producers_products(client_a, member_a, category):
    for _ in range(3):
        client_a.post("/portal/products/new/", form_data(category, title="大棚番茄"))
    slugs = list(ProductPage.objects.order_by("pk").values_list("slug", flat=True))
    assert slugs == ["dapeng-fanqie", "dapeng-fanqie-1", "dapeng-fanqie-2"]


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("有机Tomato 5斤装", "youji-tomato-5-jinzhuang"),
        ("绿豆", "lvdou"),
        ("🍅🍅", "product"),
        ("番茄" * 40, "fanqie-" * 6 + "fanqie"),  # cut between words, at most 50
    ],
)
def test_pinyin_slugs_keep_latin_letters_and_fall_back(client_a, category, title, slug):
    client_a.post("/portal/products/new/", form_data(category, title=title))
    assert ProductPage.objects.get().slug == slug
