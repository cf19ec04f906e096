"""Buyers' ways in: the verified mobile number they log in with (django-allauth's
phone support), the codes sent to it, and guests finding an order again by the
order's mobile number."""
