"""Households' rights over their personal data (PIPL): how long it is kept
after they leave the register (``retention``) and the copy of what is held
about one household (``subject_access``). See docs/privacy.md."""
