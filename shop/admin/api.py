"""The admin API's image and document endpoints (/admin/api/main/images/, documents/),
limited to what the user may choose. Wagtail's own list every image and document to
anyone with admin access, whatever their collections; nothing in the admin's pages
calls them (its choosers have their own views), but the admin's script settings name
them, so they are replaced rather than removed."""

from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.permissions import policy_registry


class ChoosableOnly:
    """Only the rows in collections where the user may choose them, as the choosers show."""

    def get_queryset(self):
        policy = policy_registry.get_by_type(self.model)
        collections = policy.collections_user_has_any_permission_for(self.request.user, ["choose"])
        return super().get_queryset().filter(collection__in=collections)


class ChoosableImagesAPIViewSet(ChoosableOnly, ImagesAdminAPIViewSet):
    pass


class ChoosableDocumentsAPIViewSet(ChoosableOnly, DocumentsAdminAPIViewSet):
    pass


def register_endpoints(router) -> None:
    router.register_endpoint("images", ChoosableImagesAPIViewSet)
    router.register_endpoint("documents", ChoosableDocumentsAPIViewSet)
