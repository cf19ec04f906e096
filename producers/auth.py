"""Log-in by mobile number: villagers in the portal often have no e-mail."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from core.mobile import is_mobile, normalize_mobile
from producers.models import MemberProfile


class MobileNumberBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password or not is_mobile(username):
            return None
        profile = (
            MemberProfile.objects.select_related("user")
            .filter(mobile=normalize_mobile(username))
            .first()
        )
        if profile is None:
            # Hash anyway, so an unknown number takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        user = profile.user
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
