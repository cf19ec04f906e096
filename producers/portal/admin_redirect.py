"""Producer members work in the portal, not in the Wagtail admin (docs/architecture.md):
one who opens an admin address is sent to the portal's home, which they understand,
rather than to the admin's log-in form, which they could not get past."""

from django.http import HttpResponseRedirect
from django.urls import reverse

from producers.models import ProducerMembership


class MembersToPortalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(reverse("wagtailadmin_home")) and _member_outside_admin(
            request.user
        ):
            return HttpResponseRedirect(reverse("portal:home"))
        return self.get_response(request)


def _member_outside_admin(user) -> bool:
    # A member who is also staff (an editor selling their own produce) keeps the admin.
    return (
        user.is_authenticated
        and not user.has_perm("wagtailadmin.access_admin")
        and ProducerMembership.objects.filter(user=user).exists()
    )
