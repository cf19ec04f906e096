"""django-allauth, adapted where the buyer's account pages need it."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_safe_url(self, url: str | None) -> bool:
        # A malformed ?next= such as "http://[::1" makes urlparse raise (a 500 in
        # allauth's log-in page); an address that cannot be read is simply not safe.
        try:
            return super().is_safe_url(url)
        except ValueError:
            return False
