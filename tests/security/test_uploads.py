"""Uploads are judged by their content, not their name: product photos (read by Pillow
and re-encoded, through the portal and the Wagtail admin) and the household register
(CSV, read as text)."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Collection, UploadedFile

from aid_accounting.households.models import Household
from core.roles import TOWNSHIP_EDITOR
from producers.access import ensure_collection
from shop.catalogue.models import ProductPage
from tests.factories import ImageFactory, jpeg_bytes
from tests.shop.conftest import portal_member
from tests.shop.factories import CategoryFactory
from tests.township import add_staff

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>alert(document.cookie)</script>"
UNREADABLE = "不是能识别的照片"


def image_bytes(image_format: str, size=(64, 48), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    PILImage.new(mode, size).save(buffer, format=image_format)
    return buffer.getvalue()


@pytest.fixture
def portal_client(client):
    client.force_login(portal_member().user)
    return client


def add_product(client, content: bytes, name: str = "tomato.jpg"):
    return client.post(
        "/portal/products/new/",
        {
            "title": "大棚番茄",
            "category": CategoryFactory().pk,
            "summary": "自然成熟",
            "description": "",
            "action": "save",
            "variants-TOTAL_FORMS": 1,
            "variants-INITIAL_FORMS": 0,
            "variants-MIN_NUM_FORMS": 0,
            "variants-MAX_NUM_FORMS": 20,
            "variants-0-name": "5斤装",
            "variants-0-price": "39.80",
            "variants-0-unit": "盒",
            "variants-0-stock": "20",
            "photo": SimpleUploadedFile(name, content, content_type="image/jpeg"),
        },
    )


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>", id="html"),
        pytest.param(
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>', id="svg"
        ),
        pytest.param(image_bytes("GIF") + SCRIPT, id="gif-polyglot"),
        pytest.param(b"%PDF-1.4\n" + SCRIPT, id="pdf"),
    ],
)
def test_a_file_named_jpg_that_is_no_photo_is_refused_plainly(portal_client, content):
    response = add_product(portal_client, content)

    assert response.status_code == 200
    assert UNREADABLE in response.content.decode()
    assert not ProductPage.objects.exists()
    assert not get_image_model().objects.exists()


def test_a_photo_with_a_script_appended_is_kept_without_it(portal_client):
    add_product(portal_client, jpeg_bytes() + SCRIPT)

    stored = ProductPage.objects.get().image.file.read()
    assert stored.startswith(b"\xff\xd8")  # re-encoded as a JPEG
    assert b"<script" not in stored


def test_a_photo_uploaded_under_a_web_page_name_is_stored_as_jpg(portal_client):
    add_product(portal_client, image_bytes("PNG"), name="index.html")

    assert ProductPage.objects.get().image.file.name.endswith(".jpg")


def test_a_photos_stored_name_cannot_be_guessed_from_the_producer_or_the_upload(
    portal_client,
):
    add_product(portal_client, image_bytes("JPEG"), name="IMG_1234.jpg")
    image = ProductPage.objects.get().image
    producer = ProductPage.objects.get().producer

    stored = image.file.name.removeprefix("original_images/")
    rendition = image.get_rendition("fill-100x100").file.name.removeprefix("images/")
    assert re.fullmatch(rf"[0-9a-f]{{16}}-{producer.code}\.jpg", stored)
    assert not stored.startswith(producer.code) and rendition.startswith(stored[:16])


def test_a_photo_with_too_many_pixels_is_refused_before_it_is_decoded(portal_client):
    # 64 megapixels in a PNG of a few kilobytes: decoded in colour it would take 192 MB.
    response = add_product(portal_client, image_bytes("PNG", size=(8000, 8000), mode="1"))

    assert "照片像素太多" in response.content.decode()
    assert not ProductPage.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(portal_client, monkeypatch):
    monkeypatch.setattr("shop.catalogue.photos.MAX_UPLOAD_BYTES", 1000)

    response = add_product(portal_client, jpeg_bytes(800, 600))

    assert "照片文件太大" in response.content.decode()
    assert not ProductPage.objects.exists()


# The household register ------------------------------------------------------------


@pytest.fixture
def officer_client(client, aid_officer):
    client.force_login(aid_officer)
    return client


def import_register(client, content: bytes):
    return client.post(
        "/admin/aid/households/import/",
        {"file": SimpleUploadedFile("register.csv", content, "text/csv"), "action": "import"},
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(b"<html><body>" + SCRIPT + b"</body></html>", "缺少列", id="html"),
        pytest.param(jpeg_bytes(), "无法识别文件编码", id="jpeg"),
        pytest.param(b"\x00\x01" * 100, "不是正常的CSV文件", id="binary"),
        pytest.param("登记编号".encode("utf-16"), "无法识别文件编码", id="utf-16"),
    ],
)
def test_a_register_that_is_no_csv_is_refused_with_the_reason(officer_client, content, reason):
    response = import_register(officer_client, content)

    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not Household.objects.exists()


def test_a_register_over_the_size_limit_is_refused(officer_client, monkeypatch):
    monkeypatch.setattr("aid_accounting.households.register_import.MAX_BYTES", 100)

    response = import_register(officer_client, "登记编号,户主姓名\n".encode() * 20)

    assert "文件太大" in response.content.decode()
    assert not Household.objects.exists()


# Photos uploaded through the Wagtail admin --------------------------------------------

GPS_LATITUDE = (31.0, 14.0, 52.0)


def jpeg_with_gps() -> bytes:
    """A phone photo: its EXIF block holds where it was taken."""
    exif = PILImage.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (200, 40, 40)).save(buffer, format="JPEG", exif=exif)
    content = buffer.getvalue()
    assert PILImage.open(io.BytesIO(content)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return content


def assert_stored_without_exif(image) -> None:
    with image.file.open("rb") as stored:
        content = stored.read()
    assert b"Exif" not in content
    assert not PILImage.open(io.BytesIO(content)).getexif()
    assert image.file_size == len(content)


def admin_uploader():
    """A township editor: photos are uploaded in the admin by editors only (producer
    members upload theirs in the portal, tested above)."""
    return add_staff(TOWNSHIP_EDITOR), Collection.get_first_root_node()


@pytest.fixture
def uploader(client):
    user, collection = admin_uploader()
    client.force_login(user)
    return client, collection


def gps_photo(name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_with_gps(), content_type="image/jpeg")


@pytest.mark.parametrize("path", ["/admin/images/add/", "/admin/images/multiple/add/"])
def test_a_producer_member_uploads_nothing_through_the_admin(client, path):
    member = portal_member()
    client.force_login(member.user)
    collection = ensure_collection(member.page.producer)

    response = client.post(
        path,
        {"title": "大棚", "collection": collection.pk, "file": gps_photo(), "files[]": gps_photo()},
    )

    assert (response.status_code, response["Location"]) == (302, "/portal/")
    assert not get_image_model().objects.exists()


def test_a_photo_added_in_the_admin_is_stored_without_its_gps_position(uploader):
    client, collection = uploader

    response = client.post(
        "/admin/images/add/",
        {"title": "大棚", "collection": collection.pk, "file": gps_photo()},
    )

    assert response.status_code == 302
    assert_stored_without_exif(get_image_model().objects.get())


def test_photos_uploaded_several_at_once_are_stored_without_their_gps_position(uploader):
    client, collection = uploader

    response = client.post(
        "/admin/images/multiple/add/",
        {"collection": collection.pk, "files[]": gps_photo()},
    )

    assert response.json()["success"]
    assert_stored_without_exif(get_image_model().objects.get())


def test_a_photo_replaced_in_the_admin_is_stored_without_its_gps_position(uploader):
    client, collection = uploader
    image = ImageFactory(collection=collection)

    response = client.post(
        f"/admin/images/{image.pk}/",
        {"title": image.title, "collection": collection.pk, "file": gps_photo()},
    )

    assert response.status_code == 302
    assert_stored_without_exif(get_image_model().objects.get())


def test_a_photo_kept_aside_by_the_multiple_uploader_is_stored_without_its_gps_position(
    client,
):
    """When another field fails (here the title, longer than 255 characters), the
    uploader keeps the raw file and creates the image from it once that is fixed."""
    user, collection = admin_uploader()
    client.force_login(user)
    client.post(
        "/admin/images/multiple/add/",
        {"title": "长" * 300, "collection": collection.pk, "files[]": gps_photo()},
    )
    upload = UploadedFile.objects.get()

    response = client.post(
        f"/admin/images/multiple/create_from_uploaded_image/{upload.pk}/",
        {
            f"uploaded-image-{upload.pk}-title": "大棚",
            f"uploaded-image-{upload.pk}-collection": collection.pk,
        },
    )

    assert response.json()["success"]
    assert_stored_without_exif(get_image_model().objects.get())


def test_a_photo_that_cannot_be_re_encoded_is_refused_in_the_admin_with_the_portals_message(
    uploader,
):
    client, collection = uploader
    # 64 megapixels in a PNG of a few kilobytes.
    huge = image_bytes("PNG", size=(8000, 8000), mode="1")

    response = client.post(
        "/admin/images/add/",
        {"title": "大图", "collection": collection.pk, "file": SimpleUploadedFile("a.png", huge)},
    )

    assert response.status_code == 200
    assert "照片像素太多" in response.content.decode()
    assert not get_image_model().objects.exists()
