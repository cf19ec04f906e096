from io import StringIO

from django.core.management import call_command

from messaging.sms import templates
from tests.messaging.conftest import SHIPPED

NEW = templates.register(name="test_not_yet_approved", text="新的模板${x}。")


def listing(*args) -> list[str]:
    out = StringIO()
    call_command("sms_templates", *args, stdout=out)
    return out.getvalue().splitlines()


def test_each_registered_template_is_listed_with_its_id_and_wording(settings):
    settings.SMS_TEMPLATE_IDS = {SHIPPED.name: "SMS_1001"}

    lines = listing("--provider", "aliyun")

    assert f"{SHIPPED.name}\tSMS_1001\t{SHIPPED.text}" in lines
    assert f"{NEW.name}\t(no id)\t{NEW.text}" in lines


def test_tencent_wording_numbers_the_parameters_in_order(settings):
    settings.SMS_BACKEND = "tencent"
    settings.SMS_TEMPLATE_IDS = {SHIPPED.name: "1001"}

    assert f"{SHIPPED.name}\t1001\t您的订单{{1}}已由{{2}}发出，运单号{{3}}。" in listing()
