"""The one masking helper for personal data (DESIGN §7).

Every list, notice (公示), report and export that shows a person shows them
through these functions, so what is hidden is decided in one place. Masks
keep just enough for a villager or an officer to recognise a record: the
surname and last character of a name, the region and last four digits of an
ID number, the last four digits of an account.
"""

MASK = "*"

# No published figure may describe fewer households than this (open data's
# cells, a certificate's count of households reached): fewer could be recognised.
MIN_HOUSEHOLDS = 3


def mask_name(name: str) -> str:
    """孔祥轩 → 孔*轩, 张三 → 张*, 欧阳娜娜 → 欧**娜."""
    name = name.strip()
    if len(name) <= 1:
        return MASK * len(name)
    if len(name) == 2:
        return name[0] + MASK
    return name[0] + MASK * (len(name) - 2) + name[-1]


def _keep_ends(value: str, *, head: int, tail: int) -> str:
    value = value.strip()
    if len(value) <= head + tail:
        # Too short to show any part without showing most of it.
        return MASK * len(value)
    return value[:head] + MASK * (len(value) - head - tail) + value[-tail:]


def mask_id_number(id_number: str) -> str:
    """370123199001011234 → 370***********1234 (the first three digits and the last four)."""
    return _keep_ends(id_number, head=3, tail=4)


def mask_phone(phone: str) -> str:
    """13800001234 → 138****1234."""
    return _keep_ends(phone, head=3, tail=4)


def mask_bank_account(account_number: str) -> str:
    """6222020200112233445 → ****3445; the length of the number is not shown either."""
    digits = "".join(account_number.split())
    if len(digits) <= 4:
        return MASK * len(digits)
    return MASK * 4 + digits[-4:]
