import io

import pytest

from messaging.sms import backends, templates

CODE = templates.register(name="test_code", text="您的验证码为${code}，${minutes}分钟内有效。")


def test_a_template_knows_its_parameters_and_fills_them_in():
    assert CODE.params == ("code", "minutes")
    assert CODE.render({"code": "123456", "minutes": "5"}) == "您的验证码为123456，5分钟内有效。"


def test_registering_a_name_again_with_other_wording_is_refused():
    assert templates.register(name="test_code", text=CODE.text) == CODE
    with pytest.raises(ValueError):
        templates.register(name="test_code", text="别的内容${code}")
    assert templates.get("test_code") == CODE


def test_an_unknown_template_name_is_an_error():
    with pytest.raises(LookupError):
        templates.get("no_such_template")


def test_the_provider_id_comes_from_settings(settings):
    settings.SMS_TEMPLATE_IDS = {"test_code": "SMS_4242"}
    assert CODE.provider_id() == "SMS_4242"
    settings.SMS_TEMPLATE_IDS = {}
    assert CODE.provider_id() == ""


def test_the_console_backend_prints_the_message_as_a_phone_shows_it(settings):
    settings.SMS_SIGN_NAME = "刘垓子镇"
    stream = io.StringIO()
    receipt = backends.ConsoleBackend(stream).send(
        phone="13800138000",
        template=CODE,
        params={"code": "654321", "minutes": "5"},
        reference="login:1",
    )
    assert stream.getvalue() == (
        "SMS to 13800138000 [test_code]: 【刘垓子镇】您的验证码为654321，5分钟内有效。\n"
    )
    assert receipt.provider_id == "console:login:1"


def test_the_locmem_backend_keeps_what_it_sent(sms_sent):
    backend = backends.get_backend()
    backend.send(
        phone="13800138000", template=CODE, params={"code": "1", "minutes": "5"}, reference="r1"
    )
    assert [(sms.phone, sms.text, sms.reference) for sms in sms_sent] == [
        ("13800138000", "您的验证码为1，5分钟内有效。", "r1")
    ]


def test_the_locmem_backend_refuses_a_missing_parameter(sms_sent):
    with pytest.raises(KeyError):
        backends.get_backend().send(
            phone="13800138000", template=CODE, params={"code": "1"}, reference="r2"
        )
    assert sms_sent == []
