"""A fake Tencent Cloud SMS API (SendSms, 2021-01-11) for the official SDK.

It checks the TC3-HMAC-SHA256 signature from the request as received: the canonical
request over the method, path, query, the signed headers (content-type and host) and
the SHA-256 of the body, signed with a key derived from the secret key, the date and
the service. Like Tencent, it answers HTTP 200 with ``Response.Error`` for an
unknown SecretId (AuthFailure.SecretIdNotFound), a wrong signature
(AuthFailure.SignatureFailure) or a timestamp more than five minutes off
(AuthFailure.SignatureExpire), and for a wrong app id, template or signature name;
a number it cannot send to gets a status in ``SendStatusSet``."""

import hashlib
import hmac
import itertools
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.messaging.fakes import Answer, FakeProvider

ALGORITHM = "TC3-HMAC-SHA256"
SERVICE = "sms"
TIMESTAMP_WINDOW = 300  # seconds
MAINLAND_MOBILE = re.compile(r"\+861[3-9]\d{9}")
PLACEHOLDER = re.compile(r"\{(\d+)\}")
# Codes reported per number in SendStatusSet (the request itself was fine).
PER_NUMBER_PREFIXES = ("LimitExceeded.PhoneNumber", "InvalidParameterValue.IncorrectPhoneNumber")
PER_NUMBER_CODES = {"FailedOperation.PhoneNumberInBlacklist"}


@dataclass(frozen=True)
class TencentMessage:
    phone: str
    app_id: str
    sign_name: str
    template_id: str
    params: list[str]
    session_context: str
    text: str  # the approved wording filled in


@dataclass
class FakeTencent(FakeProvider):
    app_id: str = ""
    # SecretId -> SecretKey
    keys: dict[str, str] = field(default_factory=dict)
    sign_names: set[str] = field(default_factory=set)
    # template id -> approved wording with {1}, {2}... placeholders
    templates: dict[str, str] = field(default_factory=dict)
    accepted: list[TencentMessage] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # every error code answered
    _serial_numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    def answer(self, *, method, path, query, headers, body) -> Answer:
        if status := self.faults.take_http_status():
            # A gateway in front of the API failing: not Tencent's JSON.
            return Answer(
                status=status, body=b"<html>502 Bad Gateway</html>", content_type="text/html"
            )
        refusal = self._authenticate(method, path, query, headers, body)
        if refusal:
            return refusal
        if headers["X-TC-Action"] != "SendSms" or headers["X-TC-Version"] != "2021-01-11":
            return self._error("InvalidAction", "The action requested was not found.")
        return self._send_sms(json.loads(body))

    def _authenticate(self, method, path, query, headers, body) -> Answer | None:
        algorithm, _, fields = (headers.get("Authorization") or "").partition(" ")
        parts = dict(item.strip().split("=", 1) for item in fields.split(",") if "=" in item)
        credential = parts.get("Credential", "").split("/")
        if algorithm != ALGORITHM or len(credential) != 4 or "Signature" not in parts:
            return self._error(
                "AuthFailure.InvalidAuthorization",
                "Authorization in the request header is invalid.",
            )
        secret_id, date, service, terminator = credential
        secret_key = self.keys.get(secret_id)
        if secret_key is None:
            return self._error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        timestamp = int(headers.get("X-TC-Timestamp") or 0)
        if abs(time.time() - timestamp) > TIMESTAMP_WINDOW:
            return self._error(
                "AuthFailure.SignatureExpire",
                "Signature expired. Timestamp and server time cannot differ by more than "
                "five minutes.",
            )
        signed = parts.get("SignedHeaders", "").split(";")
        # Tencent's canonical headers: names and values in lower case, trimmed.
        canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed)
        canonical_request = "\n".join(
            [
                method,
                path or "/",
                query,
                canonical_headers,
                ";".join(signed),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        scope = f"{date}/{service}/{terminator}"
        string_to_sign = "\n".join(
            [
                ALGORITHM,
                str(timestamp),
                scope,
                hashlib.sha256(canonical_request.encode()).hexdigest(),
            ]
        )
        signing_key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), terminator)
        expected = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        valid_scope = (
            service == SERVICE
            and terminator == "tc3_request"
            and date == datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
            and {"content-type", "host"} <= set(signed)
        )
        if not valid_scope or not hmac.compare_digest(expected, parts["Signature"]):
            return self._error(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. "
                "Please check your signature is correct.",
            )
        return None

    def _send_sms(self, request: dict) -> Answer:
        fault = self.faults.take_code()
        if fault and not _per_number(fault):
            return self._error(fault, f"fault injected by the test: {fault}")
        if request.get("SmsSdkAppId") != self.app_id:
            return self._error(
                "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
                "SmsSdkAppId verify fail.",
            )
        if request.get("SignName") not in self.sign_names:
            return self._error(
                "FailedOperation.SignatureIncorrectOrUnapproved",
                "signature format is incorrect or signature is not approved",
            )
        wording = self.templates.get(request.get("TemplateId", ""))
        if wording is None:
            return self._error(
                "FailedOperation.TemplateIncorrectOrUnapproved",
                "template is not approved or request content does not match the approved "
                "template content",
            )
        values = request.get("TemplateParamSet") or []
        if len(values) != len(set(PLACEHOLDER.findall(wording))):
            return self._error(
                "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                "request content does not match template content",
            )
        statuses = []
        for phone in request.get("PhoneNumberSet") or []:
            code = fault or (
                ""
                if MAINLAND_MOBILE.fullmatch(phone)
                else "InvalidParameterValue.IncorrectPhoneNumber"
            )
            if code:
                self.refused.append(code)
                statuses.append(
                    self._status(phone, request, code=code, message=code, serial="", fee=0)
                )
                continue
            self.accepted.append(
                TencentMessage(
                    phone=phone,
                    app_id=request["SmsSdkAppId"],
                    sign_name=request["SignName"],
                    template_id=request["TemplateId"],
                    params=list(values),
                    session_context=request.get("SessionContext", ""),
                    text=PLACEHOLDER.sub(lambda match: values[int(match.group(1)) - 1], wording),
                )
            )
            serial = f"2645:{next(self._serial_numbers):016d}"
            statuses.append(
                self._status(
                    phone, request, code="Ok", message="send success", serial=serial, fee=1
                )
            )
        return self._json({"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())})

    @staticmethod
    def _status(phone, request, *, code, message, serial, fee) -> dict:
        return {
            "SerialNo": serial,
            "PhoneNumber": phone,
            "Fee": fee,
            "SessionContext": request.get("SessionContext", ""),
            "Code": code,
            "Message": message,
            "IsoCode": "CN",
        }

    def _error(self, code: str, message: str) -> Answer:
        self.refused.append(code)
        return self._json(
            {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}
        )

    @staticmethod
    def _json(response: dict) -> Answer:
        return Answer(
            status=200,
            body=json.dumps({"Response": response}, ensure_ascii=False).encode(),
            content_type="application/json",
        )


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _per_number(code: str) -> bool:
    return code.startswith(PER_NUMBER_PREFIXES) or code in PER_NUMBER_CODES
