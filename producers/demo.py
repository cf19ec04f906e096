"""Demo data for the producers app: the villages and producers of Liugaizi town.

Built from the 2020 news report in shared/ (see docs/demo-data.md). Villages
named in the report are real place names; the rest are made up to reach the
report's 35 villages. Every function is idempotent (keyed by ``code``).
"""

from dataclasses import dataclass

from django.db import transaction

from core import roles
from producers.access import provision_producer
from producers.models import (
    MemberProfile,
    Producer,
    ProducerMembership,
    ProducerPage,
    ProducersIndexPage,
    Village,
)

# (code, name, is_poor_village, is_key_village). The report names 姜庄, 孔庄,
# 吕堂, 施庄, 张庄, 三十里铺, 马庄 and 后李; it gives 12 province-designated
# poor villages and 9 key villages for e-commerce aid.
VILLAGES: list[tuple[str, str, bool, bool]] = [
    ("jiangzhuang", "姜庄村", True, True),
    ("kongzhuang", "孔庄村", True, True),
    ("lvtang", "吕堂村", True, True),
    ("shizhuang", "施庄村", True, True),
    ("zhangzhuang", "张庄村", True, True),
    ("sanshilipu", "三十里铺村", True, True),
    ("mazhuang", "马庄村", True, True),
    ("houli", "后李村", True, True),
    ("zhaozhuang", "赵庄村", True, True),
    ("yangzhuang", "杨庄村", True, False),
    ("songzhuang", "宋庄村", True, False),
    ("haozhuang", "郝庄村", True, False),
    ("liugaizi", "刘垓子村", False, False),
    ("dongwangzhuang", "东王庄村", False, False),
    ("xiwangzhuang", "西王庄村", False, False),
    ("qianli", "前李村", False, False),
    ("beijie", "北街村", False, False),
    ("nanjie", "南街村", False, False),
    ("chenzhuang", "陈庄村", False, False),
    ("qizhuang", "齐庄村", False, False),
    ("qianzhuang", "钱庄村", False, False),
    ("liuzhuang", "刘庄村", False, False),
    ("sunzhuang", "孙庄村", False, False),
    ("gaozhuang", "高庄村", False, False),
    ("guozhuang", "郭庄村", False, False),
    ("hezhuang", "何庄村", False, False),
    ("linzhuang", "林庄村", False, False),
    ("luozhuang", "罗庄村", False, False),
    ("liangzhuang", "梁庄村", False, False),
    ("xiezhuang", "谢庄村", False, False),
    ("hanzhuang", "韩庄村", False, False),
    ("tangzhuang", "唐庄村", False, False),
    ("fengzhuang", "冯庄村", False, False),
    ("yuzhuang", "于庄村", False, False),
    ("dongzhuang", "董庄村", False, False),
]


@dataclass(frozen=True)
class DemoProducer:
    code: str
    name: str
    kind: str
    village_code: str
    contact_name: str
    intro: str
    story: str


PRODUCERS: list[DemoProducer] = [
    DemoProducer(
        "jiangzhuang-coop",
        "姜庄村党支部领办合作社",
        Producer.Kind.COOPERATIVE,
        "jiangzhuang",
        "姜示例",
        "流转土地1260亩，建设现代农业生态观光园。",
        "<p>姜庄村党支部领办合作社流转村集体和村民土地1260亩，发展大棚蔬菜、果树种植和渔业养殖，"
        "100多户贫困户通过分红、园区务工实现了脱贫。</p>",
    ),
    DemoProducer(
        "jinbo-bags",
        "金波无纺布箱包加工就业工场",
        Producer.Kind.WORKSHOP,
        "shizhuang",
        "陈示例",
        "施庄村的箱包加工车间，30余名妇女在家门口就业。",
        "<p>施庄村村委委员陈金波成立的箱包加工就业工场，让周边30余名妇女实现了在家门口轻松就业。</p>",
    ),
    DemoProducer(
        "jifa-knitting",
        "即发针织分厂扶贫车间",
        Producer.Kind.WORKSHOP,
        "zhangzhuang",
        "张示例",
        "张庄村针织车间，解决80余名群众就业。",
        "<p>张庄村的即发针织分厂加工车间解决了包括8名贫困户在内的80余名群众就业问题。</p>",
    ),
    DemoProducer(
        "lishuyun-nets",
        "李书云手工渔网编织就业工场",
        Producer.Kind.WORKSHOP,
        "mazhuang",
        "李示例",
        "马庄村手工渔网编织，带动120多名妇女就业。",
        "<p>马庄村支部委员李书云的手工渔网编织就业工场已带动120多名妇女就业。</p>",
    ),
    DemoProducer(
        "gerunlaifu-base",
        "格润莱福农林科技扶贫基地",
        Producer.Kind.COMPANY,
        "lvtang",
        "吕示例",
        "吕堂、姜庄两大扶贫项目基地，吸纳100余人就业。",
        "<p>格润莱福农林科技有限公司接手运营的吕堂、姜庄两大扶贫项目基地，"
        "两年来共吸纳100余名贫困户和当地群众在家门口就业。</p>",
    ),
    DemoProducer(
        "yuanbaofeng",
        "姜庄元宝枫种植合作项目",
        Producer.Kind.COMPANY,
        "jiangzhuang",
        "元示例",
        "姜庄村党支部与元宝枫龙头企业合作，种植2万棵元宝枫树。",
        "<p>姜庄村党支部与山东元宝枫农林科技发展有限公司合作，先期流转200亩土地种植2万棵优质元宝枫树，"
        "分红收益归村集体与村民共享。</p>",
    ),
]


def seed_villages() -> dict[str, Village]:
    villages = {}
    for code, name, is_poor, is_key in VILLAGES:
        village, _ = Village.objects.update_or_create(
            code=code,
            defaults={"name": name, "is_poor_village": is_poor, "is_key_village": is_key},
        )
        villages[code] = village
    return villages


@transaction.atomic
def seed_producers(*, home_page, villages: dict[str, Village]) -> dict[str, ProducerPage]:
    """Create the producers of the report and their published story pages."""
    index = ProducersIndexPage.objects.child_of(home_page).first()
    if index is None:
        index = ProducersIndexPage(
            title="合作社与扶贫车间",
            slug="producers",
            intro="刘垓子镇35个党支部领办合作社、16个扶贫车间中的部分生产者。",
        )
        home_page.add_child(instance=index)
        index.save_revision().publish()

    pages = {}
    for spec in PRODUCERS:
        producer, _ = Producer.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "village": villages[spec.village_code],
                "contact_name": spec.contact_name,
            },
        )
        page = ProducerPage.objects.filter(producer=producer).first()
        if page is None:
            page = ProducerPage(
                title=spec.name,
                slug=spec.code,
                producer=producer,
                intro=spec.intro,
                story=spec.story,
            )
            index.add_child(instance=page)
            page.save_revision().publish()
        provision_producer(producer)
        pages[spec.code] = page
    return pages


DEMO_PASSWORD = "liugaizi-demo-2026"

# (username, display name, role group or None for the superuser, producer codes, membership role)
DEMO_USERS: list[tuple[str, str, str | None, tuple[str, ...], str]] = [
    ("admin", "系统管理员", None, (), ""),
    ("editor", "镇编辑（示例）", roles.TOWNSHIP_EDITOR, (), ""),
    ("officer", "帮扶专员甲（示例）", roles.AID_OFFICER, (), ""),
    ("officer2", "帮扶专员乙（示例）", roles.AID_OFFICER, (), ""),
    ("auditor", "审计员（示例）", roles.AUDITOR, (), ""),
    (
        "jiangzhuang",
        "姜庄合作社（示例）",
        roles.PRODUCER_MEMBER,
        ("jiangzhuang-coop", "yuanbaofeng"),
        ProducerMembership.Role.MEMBER,
    ),
    (
        "cadre",
        "帮扶干部（示例）",
        roles.PRODUCER_MEMBER,
        ("lishuyun-nets", "jinbo-bags", "jifa-knitting"),
        ProducerMembership.Role.CADRE,
    ),
    ("buyer", "城市买家（示例）", roles.BUYER, (), ""),
]


# The demo's staff accounts' TOTP secret, set by seed_demo in development only (never
# with --allow-production), so `make run` needs no phone: `manage.py demo_totp_code`.
DEMO_TOTP_SECRET = "LIUGAIZIDEMOSTAFFTOTPDEVELOPMENT"

# Portal log-ins by mobile number (199 1111 xxxx: made up, like the households' 199 0000 xxxx).
DEMO_MOBILES = {"jiangzhuang": "19911110001", "cadre": "19911110002"}


def demo_email(username: str) -> str:
    return f"{username}@demo.liugaizi.example"


@transaction.atomic
def seed_users() -> int:
    """One log-in per role (see README), all with DEMO_PASSWORD. Returns how many were new."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    user_model = get_user_model()
    created = 0
    # Hashed once for all (a hash costs about half a second): the password is public anyway.
    password_hash = None
    for username, display_name, role, producer_codes, membership_role in DEMO_USERS:
        user, is_new = user_model.objects.get_or_create(
            username=username,
            defaults={
                "email": demo_email(username),
                "first_name": display_name,
                "is_superuser": role is None,
                "is_staff": role is None,
            },
        )
        if is_new:
            password_hash = password_hash or make_password(DEMO_PASSWORD)
            user.password = password_hash
            user.save(update_fields=["password"])
            created += 1
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        if username in DEMO_MOBILES:
            MemberProfile.objects.get_or_create(
                user=user, defaults={"mobile": DEMO_MOBILES[username]}
            )
        for code in producer_codes:
            producer = Producer.objects.get(code=code)
            ProducerMembership.objects.get_or_create(
                user=user, producer=producer, defaults={"role": membership_role}
            )
            provision_producer(producer)
    return created


def seed_demo_totp() -> int:
    """Gives the demo's staff accounts DEMO_TOTP_SECRET, unless they have TOTP already.
    Returns how many were given it."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth import get_user_model

    staff = [name for name, _, role, *_ in DEMO_USERS if role is None or role in roles.STAFF_ROLES]
    given = 0
    for user in get_user_model().objects.filter(username__in=staff):
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
            given += 1
    return given
