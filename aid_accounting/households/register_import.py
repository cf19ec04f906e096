"""Importing the household register from the township's CSV file.

All or nothing: every row is checked first and every problem reported with
its line number; nothing is written unless the whole file is clean (and
nothing at all on a dry run). Files come out of Excel on Chinese Windows as
GBK as often as UTF-8, so both are read; anything else is refused plainly.

It only adds households (a registration number already on the register is a
problem), so a bank account it carries is a new household's first one; an
existing household's account changes only through a request another officer
approves (``payouts.account_changes``)."""

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aid_accounting.households.models import Household
from core.mobile import normalize_mobile
from core.roles import require_aid_officer
from producers.models import Village

# The register's columns, as the township's spreadsheet names them.
COLUMNS = {
    "登记编号": "registration_number",
    "户主姓名": "head_name",
    "家庭人口": "member_count",
    "所在村": "village",
    "类别": "kind",
    "状态": "status",
    "帮扶责任人": "helper_cadre",
    "身份证号码": "id_number",
    "联系电话": "phone",
    "开户银行": "bank_name",
    "银行账号": "bank_account_number",
}

REQUIRED_COLUMNS = ("登记编号", "户主姓名", "家庭人口", "所在村")

MAX_BYTES = 5 * 1024 * 1024

MAX_ROWS = 20_000


class RegisterFileError(Exception):
    """The file as a whole cannot be read (encoding, header, size)."""


@dataclass
class ImportResult:
    households: list[Household] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    imported: int = 0

    @property
    def is_clean(self) -> bool:
        return not self.problems


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise RegisterFileError(_("文件太大（超过5MB）。"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RegisterFileError(_("无法识别文件编码：请在Excel中“另存为”CSV（UTF-8或GBK）后再上传。"))


def _choice(choices: type, value: str) -> str | None:
    """A choice given by its value or its Chinese label."""
    for choice_value, label in choices.choices:
        if value in (choice_value, str(label)):
            return choice_value
    return None


def _household(row: dict[str, str], villages: dict[str, Village]) -> tuple[Household, list[str]]:
    problems = []
    values = {COLUMNS[name]: (row.get(name) or "").strip() for name in COLUMNS}
    village = villages.get(values["village"])
    if village is None:
        problems.append(_("未知的村“%(name)s”。") % {"name": values["village"]})
    try:
        member_count = int(values["member_count"])
    except ValueError:
        problems.append(_("家庭人口应为整数。"))
        member_count = 1
    kind = _choice(Household.Kind, values["kind"] or Household.Kind.REGISTERED_POOR)
    status = _choice(Household.Status, values["status"] or Household.Status.ACTIVE)
    if kind is None:
        problems.append(_("未知的类别“%(value)s”。") % {"value": values["kind"]})
    if status is None:
        problems.append(_("未知的状态“%(value)s”。") % {"value": values["status"]})
    household = Household(
        registration_number=values["registration_number"],
        head_name=values["head_name"],
        member_count=member_count,
        village=village,
        kind=kind or Household.Kind.REGISTERED_POOR,
        status=status or Household.Status.ACTIVE,
        helper_cadre=values["helper_cadre"],
        id_number=values["id_number"].upper(),
        phone=normalize_mobile(values["phone"]),
        bank_name=values["bank_name"],
        bank_account_number=values["bank_account_number"].replace(" ", ""),
    )
    try:
        household.full_clean(exclude=["village"] if village is None else None)
    except ValidationError as error:
        problems.extend(
            f"{Household._meta.get_field(name).verbose_name}：{message}"
            if name != "__all__"
            else message
            for name, messages in error.message_dict.items()
            for message in messages
        )
    return household, problems


def check_register(*, data: bytes) -> ImportResult:
    """Read and check every row; write nothing."""
    text = decode(data)
    if "\x00" in text:
        # PostgreSQL refuses NUL in text: it would fail only when the rows are saved.
        raise RegisterFileError(_("文件里有空字符（NUL），不是正常的CSV文件。"))
    # newline="" as the csv module requires, so a bare \r ends a line instead of failing.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _check_rows(reader)
    except csv.Error:
        # e.g. a field longer than the csv module's limit (131072 characters)
        raise RegisterFileError(
            _("第%(line)s行无法按CSV读取，请在Excel中“另存为”CSV后再上传。")
            % {"line": reader.line_num}
        ) from None


def _check_rows(reader: csv.DictReader) -> ImportResult:
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise RegisterFileError(_("缺少列：%(columns)s。") % {"columns": "、".join(missing)})
    reader.fieldnames = header
    villages = {village.name: village for village in Village.objects.all()}
    result = ImportResult()
    first_line: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            raise RegisterFileError(_("行数太多（超过%(max)s行）。") % {"max": MAX_ROWS})
        household, problems = _household(row, villages)
        number = household.registration_number
        if number and number in first_line:
            problems.append(
                _("登记编号 %(number)s 与第%(line)s行重复。")
                % {"number": number, "line": first_line[number]}
            )
        first_line.setdefault(number, line)
        result.households.append(household)
        result.problems.extend((line, problem) for problem in problems)
    if not result.households:
        raise RegisterFileError(_("文件里没有数据行。"))
    return result


def import_register(*, data: bytes, actor: AbstractBaseUser, dry_run: bool = False) -> ImportResult:
    """Check the file and, if every row is clean and this is no dry run, add
    every household in one transaction."""
    require_aid_officer(actor)
    result = check_register(data=data)
    if dry_run or not result.is_clean:
        return result
    with transaction.atomic():
        for household in result.households:
            household.save()  # one by one: the change history records each
    result.imported = len(result.households)
    return result
