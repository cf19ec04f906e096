"""An aid officer closes last month and generates and reviews the village's
notice (公示), a second aid officer publishes it (four eyes); once its window
is over the first drafts the households' payout batch and the second
approves it (four eyes), and anyone can read the notice at /notices/
(issues 8 and 16)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aid_accounting.notices.models import Notice
from aid_accounting.payouts.models import PayoutBatch
from aid_accounting.periods.models import AccountingPeriod
from tests.e2e.steps import log_in_to_admin
from tests.e2e.world import PASSWORD, aid_officers, aid_pool_for, last_month, sales_last_month
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import ProductPageFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def township():
    """Two boxes of tomatoes sold and delivered early last month, 25% of them
    (¥19.90) to 姜庄村's pool of three households; two aid officers."""
    farm = ProducerPageFactory(producer__name="姜庄合作社")
    tomato = ProductVariantFactory(
        product=ProductPageFactory(title="大棚番茄", parent=farm), price_fen=3980, stock=50
    )
    aid_pool_for(producer=farm.producer, village_name="姜庄村", share_bp=2500)
    sales_last_month([(tomato, 2)])
    return aid_officers()


def test_officers_close_the_month_publish_the_notice_and_pay_out_with_four_eyes(
    browser, page, live_server, township, monkeypatch
):
    officer, second_officer = township
    month = last_month().code

    # The first officer closes last month (the form suggests it).
    log_in_to_admin(page, live_server, "officer", PASSWORD)
    page.goto(f"{live_server.url}/admin/aid_periods/")
    page.get_by_role("link", name="结算期间").click()
    expect(page.get_by_label("期间")).to_have_value(month)
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text(f"期间 {month} 已结算，分配 ¥19.90。")).to_be_visible()
    distribution = page.get_by_role("row").filter(has_text="姜庄村帮扶资金池")
    expect(distribution.get_by_role("cell").nth(3)).to_have_text("¥19.90")
    expect(distribution.get_by_role("cell").nth(4)).to_have_text("3")

    # ... generates the village's notice for the month and reviews it; he may not publish it.
    page.goto(f"{live_server.url}/admin/aid_notices/")
    page.get_by_role("link", name="生成公示").click()
    page.get_by_label("期间").select_option(label=month)
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("已生成 1 份公示草稿。")).to_be_visible()
    page.get_by_role("link", name=f"姜庄村 {month}").click()
    notice_url = page.url
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_text("公示已审核。")).to_be_visible()
    page.get_by_label("公示天数").fill("10")
    page.get_by_role("button", name="发布公示").click()
    expect(page.get_by_text("公示须由生成人以外的另一位帮扶专员发布。")).to_be_visible()

    # The second officer, on a device of her own, publishes it.
    other = browser.new_context(locale="zh-CN", viewport=page.viewport_size).new_page()
    other.set_default_timeout(15_000)
    log_in_to_admin(other, live_server, "officer2", PASSWORD)
    other.goto(notice_url)
    other.get_by_label("公示天数").fill("10")
    other.get_by_role("button", name="发布公示").click()
    expect(other.get_by_text("公示已发布。")).to_be_visible()
    notice = Notice.objects.get()
    assert notice.status == Notice.Status.PUBLISHED
    assert notice.period == AccountingPeriod.objects.get(code=month)

    # While the notice is open for objections the households are not paid.
    page.goto(f"{live_server.url}/admin/aid/payouts/draft/")
    page.get_by_label("付款对象").select_option(label="帮扶户")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("公示未发布或公示期未结束 3 位")).to_be_visible()

    # Once its ten days are over, the first officer drafts the households' payout batch,
    # and may not approve it himself.
    after_window = notice.window_ends
    monkeypatch.setattr(timezone, "now", lambda: after_window)
    page.goto(f"{live_server.url}/admin/aid_payout_batches/")
    page.get_by_role("link", name="起草付款批次").click()
    page.get_by_label("付款对象").select_option(label="帮扶户")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("已起草付款批次，合计 ¥19.90。")).to_be_visible()
    batch_url = page.url
    page.get_by_role("button", name="审核通过").click()
    expect(page.get_by_text("付款批次须由起草人以外的另一位帮扶专员审核。")).to_be_visible()
    assert PayoutBatch.objects.get().status == PayoutBatch.Status.DRAFT

    # The second officer approves it.
    other.goto(batch_url)
    other.get_by_role("button", name="审核通过").click()
    expect(other.get_by_text("付款批次已更新。")).to_be_visible()
    other.context.close()
    batch = PayoutBatch.objects.get()
    assert (batch.status, batch.created_by, batch.approved_by) == (
        PayoutBatch.Status.APPROVED,
        officer,
        second_officer,
    )

    # Anyone, not logged in, reads it: masked names, what each household got, the total.
    public = browser.new_context(locale="zh-CN", viewport=page.viewport_size).new_page()
    public.set_default_timeout(15_000)
    public.goto(f"{live_server.url}/notices/")
    village = public.get_by_role("region", name="姜庄村")
    expect(village).to_contain_text("3 户")
    village.get_by_role("link", name=f"{month} 期间分配公示").click()
    expect(public.get_by_role("heading", level=1)).to_have_text(
        f"姜庄村 {month} 期间消费帮扶资金分配公示"
    )
    households = public.get_by_role("table", name="户主姓名已脱敏")
    expect(households.get_by_role("row")).to_have_count(5)  # header, three households, total
    expect(households).to_contain_text("姜*远")
    expect(households).not_to_contain_text("姜明远")
    expect(households.get_by_role("row").last).to_contain_text("¥19.90")
    public.context.close()
