"""The register import: every bad row reported, nothing imported until the
file is clean, UTF-8 and GBK both read."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from aid_accounting.households.models import Household
from aid_accounting.households.register_import import RegisterFileError, import_register
from aid_accounting.households.validators import id_number_check_character
from tests.aid_accounting.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

HEADER = ",".join(
    ["登记编号", "户主姓名", "家庭人口", "所在村", "类别", "状态", "帮扶责任人"]
    + ["身份证号码", "联系电话", "开户银行", "银行账号"]
)


def id_number(serial: int) -> str:
    first_17 = f"99010119800101{serial:03d}"
    return first_17 + id_number_check_character(first_17)


def row(number: str, *, village: str = "姜庄村", id_no: str | None = None, members: str = "3"):
    id_no = id_number(int(number[-3:])) if id_no is None else id_no
    fields = [number, "王示例", members, village, "建档立卡户", "帮扶中", "示例干部", id_no]
    return ",".join([*fields, "139 0000 0001", "示例银行", "6200 0000 0001"])


def register(*rows: str, encoding: str = "utf-8") -> bytes:
    return "\n".join([HEADER, *rows]).encode(encoding)


def test_a_clean_file_imports_every_household(key_village, aid_officer):
    result = import_register(data=register(row("LGZ-001"), row("LGZ-002")), actor=aid_officer)
    assert result.imported == 2
    household = Household.objects.get(registration_number="LGZ-001")
    assert (household.village, household.member_count) == (key_village, 3)
    assert household.phone == "13900000001"
    assert household.bank_account_number == "620000000001"


def test_a_dry_run_checks_and_writes_nothing(key_village, aid_officer):
    result = import_register(data=register(row("LGZ-001")), actor=aid_officer, dry_run=True)
    assert result.is_clean
    assert not Household.objects.exists()


def test_every_bad_row_is_listed_and_nothing_is_imported(key_village, aid_officer):
    HouseholdFactory(registration_number="LGZ-900")
    data = register(
        row("LGZ-001"),
        row("LGZ-001"),  # duplicate in the file
        row("LGZ-900"),  # already on the register
        row("LGZ-003", village="不存在村"),
        row("LGZ-004", id_no="990101198001010041"),  # wrong check character
        row("LGZ-005", members="三"),
    )
    result = import_register(data=data, actor=aid_officer)

    lines = sorted({line for line, _problem in result.problems})
    assert lines == [3, 4, 5, 6, 7]
    messages = " ".join(problem for _line, problem in result.problems)
    assert "与第2行重复" in messages
    assert "不存在村" in messages
    assert "身份证号码" in messages
    assert "家庭人口应为整数" in messages
    assert Household.objects.count() == 1


def test_an_import_cannot_change_a_registered_households_bank_account(key_village, aid_officer):
    # Changes go through a request another officer approves (payouts.account_changes).
    household = HouseholdFactory(registration_number="LGZ-001", village=key_village)

    result = import_register(data=register(row("LGZ-001")), actor=aid_officer)

    assert (result.imported, [line for line, _problem in result.problems]) == (0, [2])
    household.refresh_from_db()
    assert household.bank_account_number == "6200000000000001234"


def test_a_gbk_file_from_excel_reads_like_utf_8(key_village, aid_officer):
    result = import_register(data=register(row("LGZ-001"), encoding="gbk"), actor=aid_officer)
    assert result.imported == 1
    assert Household.objects.get().head_name == "王示例"


def test_a_file_in_neither_encoding_is_refused_plainly(aid_officer):
    with pytest.raises(RegisterFileError, match="无法识别文件编码"):
        import_register(data=HEADER.encode("utf-16"), actor=aid_officer)


def test_a_file_without_the_required_columns_is_refused(aid_officer):
    with pytest.raises(RegisterFileError, match="缺少列"):
        import_register(data="编号,姓名\n1,王\n".encode(), actor=aid_officer)


def test_only_aid_officers_import(key_village, auditor):
    with pytest.raises(PermissionDenied):
        import_register(data=register(row("LGZ-001")), actor=auditor)
    assert not Household.objects.exists()


def test_the_command_lists_problems_and_fails(key_village, aid_officer, tmp_path, capsys):
    path = tmp_path / "register.csv"
    path.write_bytes(register(row("LGZ-001", village="不存在村")))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("aid_import_households", str(path), "--as", "officer")
    assert "line 2" in capsys.readouterr().err
    assert not Household.objects.exists()


def test_the_command_imports_a_clean_file(key_village, aid_officer, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(register(row("LGZ-001")))
    call_command("aid_import_households", str(path), "--as", "officer", "--dry-run")
    assert not Household.objects.exists()
    call_command("aid_import_households", str(path), "--as", "officer")
    assert Household.objects.count() == 1


def upload(client, data: bytes, action: str):
    return client.post(
        "/admin/aid/households/import/",
        {"file": SimpleUploadedFile("register.csv", data, "text/csv"), "action": action},
    )


def test_the_admin_check_lists_the_bad_rows_and_imports_nothing(client, key_village, aid_officer):
    client.force_login(aid_officer)
    response = upload(client, register(row("LGZ-001", village="不存在村")), "import")
    assert response.status_code == 200
    assert "不存在村" in response.content.decode()
    assert not Household.objects.exists()


def test_the_admin_imports_a_clean_file(client, key_village, aid_officer):
    client.force_login(aid_officer)
    assert upload(client, register(row("LGZ-001")), "check").status_code == 200
    assert not Household.objects.exists()
    assert upload(client, register(row("LGZ-001")), "import").status_code == 302
    assert Household.objects.count() == 1


def test_the_admin_refuses_an_unreadable_file_with_the_reason(client, aid_officer):
    client.force_login(aid_officer)
    response = upload(client, HEADER.encode("utf-16"), "check")
    assert "无法识别文件编码" in response.content.decode()


def test_auditors_cannot_import(client, key_village, auditor):
    client.force_login(auditor)
    response = upload(client, register(row("LGZ-001")), "import")
    # Wagtail turns PermissionDenied in admin views into a redirect to the dashboard.
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert not Household.objects.exists()
