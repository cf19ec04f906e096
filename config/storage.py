"""Uploaded files on the local disk, leaving nothing half-written.

Django's FileSystemStorage creates the file and then writes it; when the write fails
(the disk or the user's quota full, the disk gone read-only under it) the part written
stays, under a name no row points to. This storage removes it and raises the error,
which the caller turns into a message (shop/portal/products.py)."""

import os

from django.core.files.storage import FileSystemStorage


class MediaStorage(FileSystemStorage):
    def _save(self, name, content):
        path = self.path(name)
        try:
            return super()._save(name, content)
        except OSError:
            # ``name`` was free (get_available_name chose it), so a file there now is
            # the one this write created. (Only if another upload took the same name in
            # the same instant, FileSystemStorage writes ours under a new one, and the
            # file removed here would be the other's: names taken get a random suffix,
            # so two uploads would have to race for one new name as the disk fails.)
            if os.path.isfile(path):
                os.remove(path)
            raise
