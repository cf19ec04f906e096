"""Domain errors of the aid accounting app."""


class LedgerError(Exception):
    """A posting the ledger refuses; nothing was written."""


class UnbalancedTransaction(LedgerError):
    """The entries of a transaction do not sum to zero, or there are fewer than two."""


class IdempotencyConflict(LedgerError):
    """An idempotency key was reused for a transaction with different content."""


class DecryptionError(Exception):
    """A stored personal-data value could not be decrypted with any configured key."""
