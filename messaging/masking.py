"""Recipients shown to staff who may not see them in full: enough to tell two
apart, not enough to contact anyone. (The aid accounting's personal data has its
own masking, above this app.)"""

MASK = "*"


def mask_recipient(recipient: str) -> str:
    """13800001234 → 138****1234; wang.li@example.com → w******@example.com."""
    local, at, domain = recipient.partition("@")
    if at:
        return local[:1] + MASK * max(len(local) - 1, 1) + at + domain
    if len(recipient) <= 7:
        return MASK * len(recipient)
    return recipient[:3] + MASK * (len(recipient) - 7) + recipient[-4:]
