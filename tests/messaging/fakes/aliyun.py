"""A fake Aliyun SMS API (dysmsapi, 2017-05-25) for the official SDK.

It checks the ACS3-HMAC-SHA256 signature (Aliyun's signature V3, which the SDK
uses) from the request as received: canonical request over the method, path, sorted
and percent-encoded query, the signed headers and the SHA-256 of the body; an
unknown key or a wrong signature is answered as Aliyun does (HTTP 404
InvalidAccessKeyId.NotFound, HTTP 400 SignatureDoesNotMatch). A replayed nonce or an
old timestamp is refused too. SendSms answers HTTP 200 with ``Code`` ``OK`` and a
BizId, or a business error code; messages for unknown templates or signatures, bad
numbers and missing parameters get Aliyun's codes for them."""

import hashlib
import hmac
import itertools
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

from tests.messaging.fakes import Answer, FakeProvider

ALGORITHM = "ACS3-HMAC-SHA256"
TIMESTAMP_WINDOW = timedelta(minutes=15)
# Every x-acs-* header and host must be signed (content-type too when sent).
MUST_SIGN = {
    "host",
    "x-acs-action",
    "x-acs-content-sha256",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-version",
}
MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


@dataclass(frozen=True)
class AliyunMessage:
    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    out_id: str
    text: str  # the approved wording filled in, as the phone shows it after the signature


@dataclass
class FakeAliyun(FakeProvider):
    # access key id -> secret
    keys: dict[str, str] = field(default_factory=dict)
    sign_names: set[str] = field(default_factory=set)
    # template code -> approved wording with ${param} placeholders
    templates: dict[str, str] = field(default_factory=dict)
    accepted: list[AliyunMessage] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # every error code answered
    _nonces: set[str] = field(default_factory=set)
    _biz_ids: itertools.count = field(default_factory=lambda: itertools.count(900619746936498))

    def answer(self, *, method, path, query, headers, body) -> Answer:
        if status := self.faults.take_http_status():
            return self._error(
                status,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            )
        refusal = self._authenticate(method, path, query, headers, body)
        if refusal:
            return refusal
        if headers["x-acs-action"] != "SendSms" or headers["x-acs-version"] != "2017-05-25":
            return self._error(404, "InvalidAction.NotFound", "Specified api is not found.")
        return self._send_sms(dict(parse_qsl(query, keep_blank_values=True)))

    def _authenticate(self, method, path, query, headers, body) -> Answer | None:
        algorithm, _, fields = (headers.get("Authorization") or "").partition(" ")
        parts = dict(item.split("=", 1) for item in fields.split(",") if "=" in item)
        signed = parts.get("SignedHeaders", "").split(";")
        if algorithm != ALGORITHM or not set(signed) >= MUST_SIGN or "Signature" not in parts:
            return self._error(
                400,
                "IncompleteSignature",
                "The request signature does not conform to Aliyun standards.",
            )
        secret = self.keys.get(parts.get("Credential", ""))
        if secret is None:
            return self._error(
                404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
        sent_at = datetime.strptime(headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs(datetime.now(UTC) - sent_at) > TIMESTAMP_WINDOW:
            return self._error(
                400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
            )
        canonical_query = "&".join(
            f"{quote(name, safe='~')}={quote(value, safe='~')}"
            for name, value in sorted(parse_qsl(query, keep_blank_values=True))
        )
        canonical_headers = "".join(
            f"{name}:{','.join(sorted(v.strip() for v in headers.get_all(name, [])))}\n"
            for name in signed
        )
        canonical_request = "\n".join(
            [
                method,
                path or "/",
                canonical_query,
                canonical_headers,
                ";".join(signed),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        string_to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
        expected = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts["Signature"]):
            return self._error(
                400,
                "SignatureDoesNotMatch",
                "Specified signature does not match our calculation. "
                f"server string to sign is:{string_to_sign}",
            )
        nonce = headers["x-acs-signature-nonce"]
        if nonce in self._nonces:
            return self._error(
                400, "SignatureNonceUsed", "Specified signature nonce was used already."
            )
        self._nonces.add(nonce)
        return None

    def _send_sms(self, params: dict[str, str]) -> Answer:
        if code := self.faults.take_code():
            return self._result(code, f"fault injected by the test: {code}")
        phone = params.get("PhoneNumbers", "")
        if not MAINLAND_MOBILE.fullmatch(phone):
            return self._result("isv.MOBILE_NUMBER_ILLEGAL", "手机号码格式错误")
        if params.get("SignName") not in self.sign_names:
            return self._result("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        wording = self.templates.get(params.get("TemplateCode", ""))
        if wording is None:
            return self._result("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return self._result("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if any(name not in values for name in PLACEHOLDER.findall(wording)):
            return self._result("isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值")
        self.accepted.append(
            AliyunMessage(
                phone=phone,
                sign_name=params["SignName"],
                template_code=params["TemplateCode"],
                params=values,
                out_id=params.get("OutId", ""),
                text=PLACEHOLDER.sub(lambda match: values[match.group(1)], wording),
            )
        )
        body = {"Code": "OK", "Message": "OK", "BizId": f"{next(self._biz_ids)}^0"}
        return self._json(200, body | {"RequestId": str(uuid.uuid4()).upper()})

    def _result(self, code: str, message: str) -> Answer:
        self.refused.append(code)
        return self._json(
            200, {"Code": code, "Message": message, "RequestId": str(uuid.uuid4()).upper()}
        )

    def _error(self, status: int, code: str, message: str) -> Answer:
        self.refused.append(code)
        request_id = str(uuid.uuid4()).upper()
        return self._json(
            status,
            {
                "RequestId": request_id,
                "Message": message,
                "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=Dysmsapi&requestId={request_id}",
                "HostId": "dysmsapi.aliyuncs.com",
                "Code": code,
            },
        )

    @staticmethod
    def _json(status: int, body: dict) -> Answer:
        return Answer(
            status=status,
            body=json.dumps(body, ensure_ascii=False).encode(),
            content_type="application/json;charset=utf-8",
        )
