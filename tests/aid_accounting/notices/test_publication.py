"""Public notices (公示): generation, review and publication, the frozen hash
chain, the public pages with their objection form, and the admin."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aid_accounting.demo import publish_demo_notices
from aid_accounting.exceptions import NoticeError
from aid_accounting.households import masking
from aid_accounting.households.models import Household
from aid_accounting.ledger.posting import balance
from aid_accounting.notices import triggers as notice_triggers
from aid_accounting.notices.mail import DIGEST_LISTED, owe_objection_digests, safe_excerpt
from aid_accounting.notices.models import Notice, NoticeFrozen, NoticeObjection, NoticeRow
from aid_accounting.notices.publication import (
    GENESIS_HASH,
    generate_notices,
    publish_notice,
    publish_period_notices,
    review_notice,
    submit_objection,
    verify_chain,
)
from aid_accounting.periods.close import close_period
from aid_accounting.periods.models import AccountingPeriod, PoolDistribution
from aid_accounting.tasks import send_objection_digests
from core.roles import SYSTEM
from messaging.models import OutboundMessage
from tests.aid_accounting.factories import HouseholdFactory, NoticeFactory, household_account
from tests.factories import UserFactory
from tests.producers.factories import VillageFactory
from tests.township import at, deliver, sell

pytestmark = pytest.mark.django_db


# Distinct, full personal data for every household, so a leak of any is visible.
SECOND_VILLAGE_HOUSEHOLDS = [
    ("LGZ-W-1", "王建国", "11010519491231002X", "13800001111", "6222020200112233445"),
    ("LGZ-W-2", "欧阳娜娜", "110105195001010013", "13900002222", "6222020200112239876"),
]


@pytest.fixture
def second_village(aid_pool):
    village = VillageFactory(name="王庄村", code="wangzhuang")
    aid_pool.villages.add(village)
    for number, name, id_number, phone, account in SECOND_VILLAGE_HOUSEHOLDS:
        HouseholdFactory(
            registration_number=number,
            head_name=name,
            village=village,
            id_number=id_number,
            phone=phone,
            bank_account_number=account,
        )
    return village


@pytest.fixture
def october(tomato, tomato_rule, beneficiaries, second_village):
    """October closed: 1990 fen of aid split among five households of two villages."""
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    return close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-02")).period


@pytest.fixture
def drafts(october):
    return generate_notices(actor=SYSTEM, period=october)


@pytest.fixture
def published(drafts, aid_officer):
    """Both notices reviewed and published now, so their windows are open."""
    return [
        publish_notice(notice=review_notice(notice=notice, actor=aid_officer), actor=aid_officer)
        for notice in drafts
    ]


def publish(notice, officer, **kwargs):
    return publish_notice(
        notice=review_notice(notice=notice, actor=officer), actor=officer, **kwargs
    )


# Generation ---------------------------------------------------------------------------


def test_notices_carry_the_periods_distribution_per_village(october, drafts):
    distributed = sum(d.amount_fen for d in PoolDistribution.objects.filter(period=october))

    assert distributed == 1990
    assert sum(notice.total_fen for notice in drafts) == distributed
    assert {notice.village.name: notice.household_count for notice in drafts} == {
        "姜庄村": 3,
        "王庄村": 2,
    }
    for notice in drafts:
        rows = list(notice.rows.all())
        assert sum(row.amount_fen for row in rows) == notice.total_fen
        assert all(notice.status == Notice.Status.DRAFT for notice in drafts)
    households = Household.objects.filter(village__notices__in=drafts).order_by(
        "registration_number"
    )
    by_household = {
        (h.village_id, masking.mask_name(h.head_name), balance(household_account(h)))
        for h in households
    }
    assert by_household == {
        (row.notice.village_id, row.masked_name, row.amount_fen)
        for row in NoticeRow.objects.select_related("notice")
    }


def test_rows_store_masked_names_only(drafts):
    names = set(NoticeRow.objects.values_list("masked_name", flat=True))

    assert names == {"孔*轩", "王*国", "欧**娜"}


def test_a_row_with_a_full_name_is_refused_by_the_database(drafts):
    with pytest.raises(IntegrityError), transaction.atomic():
        NoticeRow.objects.filter(notice=drafts[0]).update(masked_name="孔祥轩")


def test_generating_again_changes_nothing(october, drafts):
    assert generate_notices(actor=SYSTEM, period=october) == []
    assert Notice.objects.count() == 2


def test_an_open_period_has_no_notices(db):
    period = AccountingPeriod.objects.create(
        code="2026-12", start=datetime.date(2026, 12, 1), end=datetime.date(2026, 12, 31)
    )

    with pytest.raises(NoticeError, match="尚未结算"):
        generate_notices(actor=SYSTEM, period=period)


# Review and publication -------------------------------------------------------------


@pytest.mark.parametrize("role", ["auditor", "staff"])
def test_only_aid_officers_review_and_publish(request, role, drafts, aid_officer):
    user = request.getfixturevalue(role)

    with pytest.raises(PermissionDenied):
        review_notice(notice=drafts[0], actor=user)
    with pytest.raises(PermissionDenied):
        generate_notices(period=drafts[0].period, actor=user)
    reviewed = review_notice(notice=drafts[0], actor=aid_officer)
    with pytest.raises(PermissionDenied):
        publish_notice(notice=reviewed, actor=user)
    assert Notice.objects.get(pk=reviewed.pk).status == Notice.Status.REVIEWED


def test_a_draft_cannot_be_published_before_review(drafts, aid_officer):
    with pytest.raises(NoticeError):
        publish_notice(notice=drafts[0], actor=aid_officer)


def test_publication_sets_the_window_and_chains_the_hashes(drafts, aid_officer):
    now = at("2026-11-05")
    first = publish(drafts[0], aid_officer, now=now)
    second = publish(drafts[1], aid_officer, window_days=10, now=now)

    assert first.window_ends == now + datetime.timedelta(days=7)
    assert second.window_ends == now + datetime.timedelta(days=10)
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.content_hash
    assert len(second.content_hash) == 64
    assert verify_chain() == []
    call_command("aid_verify_notices")


def test_a_published_notice_is_frozen(published, aid_officer):
    notice = published[0]
    row = notice.rows.first()

    with pytest.raises(NoticeError):
        publish_notice(notice=notice, actor=aid_officer)
    with pytest.raises(NoticeError):
        review_notice(notice=notice, actor=aid_officer)
    notice.total_fen += 1
    with pytest.raises(NoticeFrozen):
        notice.save()
    with pytest.raises(NoticeFrozen):
        notice.delete()
    row.amount_fen += 1
    with pytest.raises(NoticeFrozen):
        row.save()
    with pytest.raises(NoticeFrozen):
        NoticeRow(notice=notice, position=99, masked_name="张*", amount_fen=1).save()
    # The database refuses what bypasses save(): a queryset update, raw SQL, a delete.
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(window_days=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        NoticeRow.objects.filter(notice=notice).update(amount_fen=1)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE aid_accounting_noticerow SET amount_fen = amount_fen + 100 WHERE id = %s",
            [row.pk],
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        NoticeRow.objects.filter(notice=notice).delete()
    assert verify_chain() == []


def test_verify_notices_names_the_first_tampered_notice(published):
    first = published[0]
    # As someone with database access would: triggers off, then a quiet edit.
    notice_triggers.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE aid_accounting_noticerow SET amount_fen = amount_fen + 100"
            " WHERE notice_id = %s AND position = 1",
            [first.pk],
        )
    notice_triggers.install(connection)

    problems = verify_chain()
    assert problems and all(problem.notice.pk == first.pk for problem in problems)
    with pytest.raises(CommandError, match=str(first)):
        call_command("aid_verify_notices")


def test_verify_notices_detects_a_rewritten_hash(published):
    notice_triggers.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE aid_accounting_notice SET content_hash = %s WHERE id = %s",
            ["f" * 64, published[0].pk],
        )
    notice_triggers.install(connection)

    messages = [problem.message for problem in verify_chain()]
    # The first no longer matches its content; the second no longer follows it.
    assert messages == [
        "content does not match its hash",
        "previous hash does not match the chain",
    ]


# Public pages ----------------------------------------------------------------------------


def test_index_lists_published_notices_only(client, drafts, aid_officer):
    shown = publish(drafts[0], aid_officer)

    page = client.get("/notices/").content.decode()

    assert f"/notices/{shown.pk}/" in page
    assert f"/notices/{drafts[1].pk}/" not in page
    assert client.get(f"/notices/{drafts[1].pk}/").status_code == 404


def add_published_notices(count: int) -> list[Notice]:
    """``count`` published notices of one new village, one a month, without the
    workflow (which takes a closed period each)."""
    village, officer, now = VillageFactory(), UserFactory(), timezone.now()
    start = Notice.objects.count()
    return [
        NoticeFactory(
            village=village,
            status=Notice.Status.PUBLISHED,
            reviewed_by=officer,
            published_at=now,
            window_ends=now,
            sequence=start + n + 1,
            content_hash="c" * 64,
            previous_hash="p" * 64,
        )
        for n in range(count)
    ]


# The count of the published notices and one page of them with their villages and
# periods (an anonymous visitor has no session to read).
NOTICE_INDEX_QUERIES = 2


def test_the_index_shows_twenty_notices_a_page_in_fixed_queries(client):
    add_published_notices(21)

    first = client.get("/notices/").content.decode()
    with CaptureQueriesContext(connection) as few:
        second = client.get("/notices/?page=2").content.decode()
    add_published_notices(30)
    with CaptureQueriesContext(connection) as many:
        client.get("/notices/?page=2")

    assert len(re.findall(r'href="/notices/\d+/"', first)) == 20
    assert len(re.findall(r'href="/notices/\d+/"', second)) == 1
    assert 'href="?page=2"' in first and 'href="?page=1"' in second
    assert len(few) == len(many) == NOTICE_INDEX_QUERIES, [q["sql"] for q in many]


def test_notice_page_shows_rows_totals_window_and_hashes(client, published):
    notice = published[0]

    page = client.get(f"/notices/{notice.pk}/").content.decode()

    assert notice.village.name in page
    assert notice.period.code in page
    for row in notice.rows.all():
        assert row.masked_name in page
    assert notice.content_hash in page
    assert notice.previous_hash in page
    assert timezone.localtime(notice.window_ends).strftime("%Y-%m-%d %H:%M") in page
    assert 'name="message"' in page


@pytest.mark.parametrize("url", ["/notices/999999/", "/notices/abc/", "/en/notices/999999/"])
def test_unknown_notices_are_404(client, published, url):
    assert client.get(url).status_code == 404


OBJECTION = {
    "name": "王示例",
    "contact": "138 1234 5678",
    "message": "第2户的家庭人口有误，请核实。",
}


def digest_messages():
    return OutboundMessage.objects.filter(key__startswith="notice-objection-digest:")


def test_a_valid_objection_is_stored_and_listed_in_the_officers_digest(
    client, published, aid_officer, second_officer, auditor, django_capture_on_commit_callbacks
):
    notice = published[0]
    response = client.post(f"/notices/{notice.pk}/", OBJECTION)

    assert response.status_code == 302
    objection = NoticeObjection.objects.get()
    assert (objection.notice, objection.contact) == (notice, "13812345678")
    assert "已提交" in client.get(response["Location"]).content.decode()
    # Nothing is owed per objection: the officers hear of it in the hourly digest.
    assert not OutboundMessage.objects.filter(key__contains="objection").exists()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_objection_digests() == 1

    # One message per officer, sent once the digest committed.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([aid_officer.email, second_officer.email])
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert "第2户的家庭人口有误" in mail.outbox[0].body
    assert notice.village.name in mail.outbox[0].body
    assert f"/admin/aid_notice_objections/inspect/{objection.pk}/" in mail.outbox[0].body
    assert "1 条异议" in mail.outbox[0].subject
    assert sorted(digest_messages().values_list("key", "status")) == sorted(
        (f"notice-objection-digest:{objection.pk}-{objection.pk}:email:{officer.email}", "sent")
        for officer in (aid_officer, second_officer)
    )
    assert "send-objection-digests" in settings.CELERY_BEAT_SCHEDULE


def test_the_digest_quotes_a_safe_excerpt_never_the_full_text_and_runs_once(
    published, aid_officer, second_officer
):
    hostile = (
        "钓鱼\n\x1b[31m请立即点击\u202e链接\u200b核实："
        + "冒" * 60
        + "ENDOFTEXT http://evil.example/"
    )
    first = submit_objection(
        notice=published[0], name="骗子甲", contact="evil@example.com", message=hostile
    )
    second = submit_objection(
        notice=published[1], position=1, name="王示例", contact="13812345678", message="第1户有误"
    )

    assert owe_objection_digests() == 2

    owed = list(digest_messages())
    assert sorted(m.recipient for m in owed) == sorted([aid_officer.email, second_officer.email])
    body = owed[0].body
    excerpt = safe_excerpt(hostile)
    assert excerpt.startswith("钓鱼 [31m请立即点击链接核实：冒") and excerpt.endswith("冒…")
    assert len(excerpt) == 61
    assert f"「{excerpt}」" in body
    assert "「第1户有误」" in body and "第 1 户" in body
    # Never the full text, control characters, or the objector's name and contact.
    for absent in ("ENDOFTEXT", "evil.example", "\x1b", "\u202e", "\u200b", "骗子甲", "evil@"):
        assert absent not in body
    assert {m.key for m in owed} == {
        f"notice-objection-digest:{first.pk}-{second.pk}:email:{officer.email}"
        for officer in (aid_officer, second_officer)
    }
    assert not NoticeObjection.objects.filter(digested_at__isnull=True).exists()

    # A second run owes nothing new; a later objection gets a digest of its own.
    assert owe_objection_digests() == 0
    assert digest_messages().count() == 2
    third = submit_objection(
        notice=published[0], name="李示例", contact="13812345679", message="第2户地址有误"
    )
    assert owe_objection_digests() == 1
    assert digest_messages().filter(key__contains=f":{third.pk}-{third.pk}:").count() == 2


def test_the_digest_lists_at_most_twenty_and_counts_the_rest(published, aid_officer):
    for i in range(DIGEST_LISTED + 3):
        submit_objection(
            notice=published[0], name="王示例", contact="13812345678", message=f"第{i}号异议内容"
        )
    owe_objection_digests()
    body = digest_messages().get().body
    assert "第0号异议内容" in body and f"第{DIGEST_LISTED - 1}号异议内容" in body
    assert f"第{DIGEST_LISTED}号异议内容" not in body
    assert "另有 3 条未列出" in body


def test_the_seventh_objection_from_one_address_within_the_hour_is_refused(client, published):
    notice = published[0]
    for _ in range(6):
        response = client.post(f"/notices/{notice.pk}/", OBJECTION, REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 302

    refused = client.post(f"/notices/{notice.pk}/", OBJECTION, REMOTE_ADDR="203.0.113.7")

    assert refused.status_code == 429
    assert "异议提交太频繁，请" in refused.content.decode()
    assert NoticeObjection.objects.count() == 6
    # The limit is the address's, on every notice; another address is still heard.
    other_notice = client.post(f"/notices/{published[1].pk}/", OBJECTION, REMOTE_ADDR="203.0.113.7")
    assert other_notice.status_code == 429
    other = client.post(f"/notices/{notice.pk}/", OBJECTION, REMOTE_ADDR="198.51.100.1")
    assert other.status_code == 302
    assert NoticeObjection.objects.count() == 7


@override_settings(AID_OBJECTION_LIMITS_PER_NOTICE=[(3, 3600)])
def test_objections_to_one_notice_are_limited_from_all_addresses(client, published):
    notice = published[0]
    for n in range(3):
        response = client.post(f"/notices/{notice.pk}/", OBJECTION, REMOTE_ADDR=f"203.0.113.{n}")
        assert response.status_code == 302

    refused = client.post(f"/notices/{notice.pk}/", OBJECTION, REMOTE_ADDR="198.51.100.9")

    assert refused.status_code == 429
    # Free again when the first of the three is an hour old.
    assert "异议提交太频繁，请 60 分钟后再试。" in refused.content.decode()
    assert NoticeObjection.objects.filter(notice=notice).count() == 3
    # Another notice is still open to objections, and this one again after the hour.
    assert client.post(f"/notices/{published[1].pk}/", OBJECTION).status_code == 302
    later = timezone.now() + datetime.timedelta(hours=1, seconds=1)
    submit_objection(
        notice=notice, name="王示例", contact="13812345678", message="x" * 10, now=later
    )
    assert NoticeObjection.objects.filter(notice=notice).count() == 4


def test_a_filled_in_honeypot_is_refused_quietly(client, published, aid_officer):
    response = client.post(
        f"/notices/{published[0].pk}/", OBJECTION | {"website": "http://spam.example/"}
    )

    # Told what a person is told, and nothing is stored or owed.
    assert response.status_code == 302
    assert "已提交" in client.get(response["Location"]).content.decode()
    assert not NoticeObjection.objects.exists()
    assert owe_objection_digests() == 0
    assert not OutboundMessage.objects.filter(key__contains="objection").exists()


def test_the_honeypot_is_hidden_from_people(client, published):
    page = client.get(f"/notices/{published[0].pk}/").content.decode()
    assert '<div class="trap" aria-hidden="true">' in page
    assert 'name="website"' in page and 'tabindex="-1"' in page


def test_an_invalid_objection_gets_chinese_errors_and_stores_nothing(
    client, published, aid_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/notices/{published[0].pk}/", {"name": "", "contact": "不知道", "message": "错"}
        )

    page = response.content.decode()
    assert response.status_code == 200
    assert "请填写您的姓名。" in page
    assert "请填写有效的手机号码" in page
    assert "异议内容至少需要 10 个字" in page
    assert not NoticeObjection.objects.exists()
    assert mail.outbox == []


def test_no_objection_form_once_the_window_has_closed(client, drafts, aid_officer):
    notice = publish(drafts[0], aid_officer, now=timezone.now() - datetime.timedelta(days=8))

    response = client.get(f"/notices/{notice.pk}/")
    posted = client.post(
        f"/notices/{notice.pk}/",
        {"name": "王示例", "contact": "13812345678", "message": "第2户的家庭人口有误，请核实。"},
    )

    assert 'name="message"' not in response.content.decode()
    assert "公示期已结束" in response.content.decode()
    assert posted.status_code == 200
    assert not NoticeObjection.objects.exists()
    with pytest.raises(NoticeError):
        submit_objection(notice=notice, name="王示例", contact="13812345678", message="x" * 10)


def test_public_pages_show_no_personal_data(client, published):
    pages = [client.get("/notices/"), client.get("/en/notices/")]
    pages += [client.get(f"/notices/{notice.pk}/") for notice in Notice.objects.all()]
    text = "".join(page.content.decode() for page in pages)

    assert all(page.status_code == 200 for page in pages)
    for household in Household.objects.all():
        for secret in (
            household.head_name,
            household.registration_number,
            household.id_number,
            household.phone,
            household.bank_account_number,
            household.bank_account_number[-8:],
        ):
            assert secret not in text, secret


# Admin and demo ------------------------------------------------------------------------------


def test_aid_officers_generate_review_and_publish_in_the_admin(
    client, october, aid_officer, second_officer
):
    client.force_login(aid_officer)

    assert client.get("/admin/aid_notices/").status_code == 200
    response = client.post("/admin/aid/notices/generate/", {"period": october.pk})
    assert response.status_code == 302
    notice = Notice.objects.order_by("pk").first()
    assert notice.generated_by == aid_officer
    assert client.get(f"/admin/aid_notices/inspect/{notice.pk}/").status_code == 200
    client.post(f"/admin/aid/notices/{notice.pk}/review/")
    client.force_login(second_officer)
    client.post(f"/admin/aid/notices/{notice.pk}/publish/", {"window_days": "14"})

    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED
    assert notice.window_days == 14
    assert client.get("/admin/aid_notice_objections/").status_code == 200


def test_the_officer_who_generated_a_notice_cannot_publish_it(october, aid_officer):
    notice = generate_notices(period=october, actor=aid_officer)[0]
    review_notice(notice=notice, actor=aid_officer)

    with pytest.raises(NoticeError, match=r"^公示须由生成人以外的另一位帮扶专员发布。$"):
        publish_notice(notice=notice, actor=aid_officer)

    notice.refresh_from_db()
    assert (notice.status, notice.generated_by) == (Notice.Status.REVIEWED, aid_officer)


def test_a_notice_row_names_its_household_for_objections(drafts, beneficiaries):
    rows = drafts[0].rows.order_by("position")
    assert [row.household for row in rows] == beneficiaries


def test_an_objection_can_name_a_row_of_the_notice(published):
    notice = published[0]
    objection = submit_objection(
        notice=notice, position=2, name="张三", contact="13800000000", message="第二户有误。"
    )
    assert (objection.row.position, objection.status) == (2, NoticeObjection.Status.OPEN)

    with pytest.raises(NoticeError, match=r"^公示中没有序号 9。$"):
        submit_objection(notice=notice, position=9, name="张三", contact="1", message="有误")


def refused(response) -> bool:
    # Wagtail turns PermissionDenied in admin views into a redirect to the dashboard.
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_auditors_read_notices_but_cannot_act_or_see_objections(client, drafts, auditor):
    client.force_login(auditor)
    notice = drafts[0]

    assert client.get("/admin/aid_notices/").status_code == 200
    assert client.get(f"/admin/aid_notices/inspect/{notice.pk}/").status_code == 200
    assert refused(client.post(f"/admin/aid/notices/{notice.pk}/review/"))
    assert refused(client.get("/admin/aid/notices/generate/"))
    assert refused(client.get("/admin/aid_notice_objections/"))
    notice.refresh_from_db()
    assert notice.status == Notice.Status.DRAFT


def test_demo_notices_are_published_once(october, aid_officer):
    first = publish_demo_notices(officer=aid_officer)

    assert len(first) == 2
    assert all(notice.status == Notice.Status.PUBLISHED for notice in first)
    assert publish_demo_notices(officer=aid_officer) == []
    assert verify_chain() == []


# Transactional, as flush really runs: inside the test's wrapping transaction
# PostgreSQL refuses to TRUNCATE tables with deferred foreign-key checks pending.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_flush_empties_a_database_with_published_notices(published):
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    assert not Notice.objects.exists()


# Publishing a month's reviewed notices at once (issue #19) ---------------------------


def statuses() -> dict[str, str]:
    return dict(Notice.objects.values_list("village__name", "status"))


def test_every_reviewed_notice_of_the_month_is_published_and_chained(october, drafts, aid_officer):
    for notice in drafts:
        review_notice(notice=notice, actor=aid_officer)

    result = publish_period_notices(period=october, actor=aid_officer, window_days=10)

    assert [notice.village.name for notice in result.published] == ["姜庄村", "王庄村"]
    assert result.refused == []
    assert [notice.sequence for notice in result.published] == [1, 2]
    assert all(notice.window_days == 10 for notice in Notice.objects.all())
    assert verify_chain() == []


def test_drafts_are_left_alone(october, drafts, aid_officer):
    jiang = next(notice for notice in drafts if notice.village.name == "姜庄村")
    review_notice(notice=jiang, actor=aid_officer)

    result = publish_period_notices(period=october, actor=aid_officer)

    assert [notice.pk for notice in result.published] == [jiang.pk]
    assert statuses() == {"姜庄村": "published", "王庄村": "draft"}


def test_a_refused_notice_does_not_stop_the_others(october, drafts, aid_officer):
    for notice in drafts:
        review_notice(notice=notice, actor=aid_officer)
    # Four eyes: the officer generated 姜庄村's notice, so cannot publish it.
    Notice.objects.filter(village__name="姜庄村").update(generated_by=aid_officer)

    result = publish_period_notices(period=october, actor=aid_officer)

    assert [notice.village.name for notice in result.published] == ["王庄村"]
    [(refused, reason)] = result.refused
    assert refused.village.name == "姜庄村"
    assert "另一位帮扶专员" in reason
    assert statuses() == {"姜庄村": "reviewed", "王庄村": "published"}


@pytest.mark.parametrize("role", ["auditor", "staff"])
def test_only_aid_officers_publish_in_bulk(request, role, october, drafts, aid_officer):
    for notice in drafts:
        review_notice(notice=notice, actor=aid_officer)

    with pytest.raises(PermissionDenied):
        publish_period_notices(period=october, actor=request.getfixturevalue(role))

    assert set(statuses().values()) == {"reviewed"}
