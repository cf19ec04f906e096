"""A photo upload that the disk refuses (full, read-only): the producer is told in
words they can act on, what they typed is kept, and no part of the file stays on disk."""

import errno
import os

import pytest
from django.core.files import File
from wagtail.images import get_image_model

from config.storage import MediaStorage
from producers.models import PortalActivity
from shop.catalogue.models import ProductPage
from tests.shop.factories import CategoryFactory
from tests.shop.portal.test_products import form_data, photo

pytestmark = pytest.mark.django_db


class FillsUp(File):
    """Content whose writing stops with "No space left on device" after its first KB,
    as the disk filling up under the write does."""

    def chunks(self, chunk_size=None):
        self.file.seek(0)
        yield self.file.read(1024)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class FullDiskStorage(MediaStorage):
    def _save(self, name, content):
        return super()._save(name, FillsUp(content))


@pytest.fixture
def full_disk(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FullDiskStorage"},
    }
    return tmp_path


def files_under(root) -> list[str]:
    return [os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names]


def test_a_photo_the_disk_refuses_is_a_message_and_leaves_no_file(client_a, full_disk):
    data = {**form_data(CategoryFactory(), title="我的好番茄"), "photo": photo()}

    response = client_a.post("/portal/products/new/", data)

    assert response.status_code == 200
    assert "照片没能保存" in response.text
    assert "您填的内容还在" in response.text
    assert 'value="我的好番茄"' in response.text
    assert "39.80" in response.text
    assert files_under(full_disk) == []
    assert not get_image_model().objects.exists()
    assert not ProductPage.objects.exists()
    assert not PortalActivity.objects.exists()
