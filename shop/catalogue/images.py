"""Every photo stored as a Wagtail image is re-encoded by `photos.prepare_photo`, so
no original keeps its EXIF block (a phone photo's GPS position).

Two places: the image form, which Wagtail's admin (single, chooser and multiple upload,
editing a photo) and its API all build through ``WAGTAILIMAGES_IMAGE_FORM_BASE``, so an
unusable file is refused there with the portal's message; and the model's ``pre_save``,
for a file stored without that form (the multiple uploader keeps the raw file when
another field fails, and creates the image from it later; code and the shell)."""

import io

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models.signals import pre_save
from wagtail.images import get_image_model
from wagtail.images.forms import BaseImageForm
from wagtail.utils.file import hash_filelike

from shop.catalogue.photos import PhotoError, StrippedPhoto, prepare_photo


class PhotoImageForm(BaseImageForm):
    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not isinstance(upload, UploadedFile):
            return upload  # the photo kept as it is when only its details change
        try:
            return prepare_photo(upload).as_file(upload.name)
        except PhotoError as error:
            raise ValidationError(str(error)) from None


def strip_new_original(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """Re-encode an image's new original before it is saved, unless the form did; a
    raw file already written to storage (the multiple uploader's) is replaced."""
    field_file = instance.file
    if raw or not field_file or (update_fields is not None and "file" not in update_fields):
        return
    committed = field_file._committed
    if committed and not instance._state.adding:
        return  # the stored original did not change
    if not committed and isinstance(field_file.file, StrippedPhoto):
        return
    with field_file.open("rb"):
        prepared = prepare_photo(field_file)
    raw_name = field_file.name
    instance.file = prepared.as_file(raw_name)
    instance.width, instance.height = prepared.width, prepared.height
    instance.file_size = len(prepared.content)
    instance.file_hash = hash_filelike(io.BytesIO(prepared.content))
    if committed:
        field_file.storage.delete(raw_name)


def connect_signals() -> None:
    pre_save.connect(
        strip_new_original, sender=get_image_model(), dispatch_uid="shop.strip_new_original"
    )
