import uuid
from pathlib import PurePath

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.documents.models import AbstractDocument


def document_path(instance: "PrivateDocument", filename: str) -> str:
    """A random folder per upload: no stored file's name can be guessed from another's,
    and the file keeps its own name for the download."""
    return f"documents/{uuid.uuid4().hex}/{PurePath(filename).name}"


class PrivateDocument(AbstractDocument):
    """Wagtail's document with a random key in its address instead of the counting id:
    documents are staff's files (registers, lists with ID numbers), served only
    through ``shop.views.documents.download`` to staff who may use the collection."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to=document_path, verbose_name=_("文件"))

    admin_form_fields = ("title", "file", "collection", "tags")

    class Meta(AbstractDocument.Meta):
        verbose_name = _("文档")
        verbose_name_plural = _("文档")

    @property
    def url(self) -> str:
        return reverse("document_download", kwargs={"key": self.key, "filename": self.filename})
