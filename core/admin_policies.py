"""Permission policies shared by the apps' admin screens. In the lowest app,
like the roles, so every app can use them without importing upwards."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry
from wagtail.snippets.views.chooser import SnippetChooserViewSet


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Only "view": these rows are written by the services, never by a generic form."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([a for a in actions if a == "view"])


# What lets a user see a model's listing in the admin.
LISTING_ACTIONS = ["add", "change", "delete", "view"]


class ListersOnlyChooserViewSet(SnippetChooserViewSet):
    """A snippet chooser only for those who may list the model.

    Wagtail's snippet choosers check no permission: anyone with admin access
    (producer members too) could page through every row. That is right for
    the catalogue a page form picks from, wrong for orders, members' mobile
    numbers or another producer's portal activity, whose viewsets use this.
    """

    def construct_view(self, view_class, **initkwargs):
        view = super().construct_view(view_class, **initkwargs)
        model = self.model

        @wraps(view)
        def checked(request, *args, **kwargs):
            # Looked up per request: policies are registered after the viewsets are built.
            policy = policy_registry.get_by_type(model)
            if not policy.user_has_any_permission(request.user, LISTING_ACTIONS):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked
