"""Domain errors of the aid accounting app."""


class LedgerError(Exception):
    """A posting the ledger refuses; nothing was written."""


class UnbalancedTransaction(LedgerError):
    """The entries of a transaction do not sum to zero, or there are fewer than two."""


class IdempotencyConflict(LedgerError):
    """An idempotency key was reused for a transaction with different content."""


class DecryptionError(Exception):
    """A stored personal-data value could not be decrypted with any configured key."""


class KeyOrderError(Exception):
    """The encryption keys look to be in the wrong order for a rotation; nothing was changed."""


class AidAccountingError(Exception):
    """A request the aid accounting refuses, with a message for the person who made it;
    nothing was written."""


class RuleError(AidAccountingError):
    """An aid rule that cannot be set: over 100%, overlapping versions, bad dates."""


class PeriodError(AidAccountingError):
    """A period that cannot be closed: malformed, not yet over, or earlier ones still open."""


class PayoutError(AidAccountingError):
    """A payout step refused: wrong state, the four-eyes rule, or not enough payable."""


class NoticeError(AidAccountingError):
    """A public-notice step refused: period not closed, wrong state, or the window closed."""


class ObjectionLimitReached(NoticeError):
    """Too many objections from one address, or to one notice, in a while; nothing was
    stored. ``str()`` tells the visitor when to try again."""


class CertificateError(AidAccountingError):
    """A certificate that cannot be issued or printed (a year out of range, no CJK font)."""
