"""Permission policies shared by the apps' admin screens. In the lowest app,
like the roles, so every app can use them without importing upwards."""

from wagtail.permission_policies import ModelPermissionPolicy


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Only "view": these rows are written by the services, never by a generic form."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([a for a in actions if a == "view"])
