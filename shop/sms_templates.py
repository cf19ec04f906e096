"""Every text message the shop can send, with the wording submitted to the SMS
provider for approval (templates must be approved before they can be sent; the
ids the provider gives go in SMS_TEMPLATE_IDS). docs/messages.md says when each
is sent. The messaging app imports this module at start-up (MessagingConfig.ready),
so every process, the relay's worker too, knows every template."""

from messaging.sms.templates import register

# Log-in and sign-up codes (shop/accounts/). The other two go instead of a code
# when a number is already taken (sign-up) or has no account (log-in): the page
# says the same either way, so it reveals nothing.
LOGIN_CODE = register(name="login_code", text="您的验证码为${code}，5分钟内有效。请勿泄露给他人。")
ACCOUNT_EXISTS = register(
    name="phone_account_exists", text="该手机号已注册，请直接用短信验证码登录。如非本人操作请忽略。"
)
UNKNOWN_ACCOUNT = register(
    name="phone_unknown_account", text="该手机号尚未注册，请先用手机号注册。如非本人操作请忽略。"
)

# 查订单: a guest opens an order with a code sent to its mobile (shop/accounts/lookup.py).
LOOKUP_CODE = register(
    name="order_lookup_code",
    text="您正在查询订单${order}，验证码为${code}，5分钟内有效。如非本人操作请忽略。",
)

# Buyers (shop/orders/notifications.py). Only the payment carries the order's link;
# a shipment carries the courier's tracking page.
PAID_SMS = register(
    name="buyer_order_paid",
    text="您的订单${number}已付款${amount}元，我们会尽快发货。查看订单：${link}",
)
SHIPPED_SMS = register(
    name="buyer_order_shipped",
    text="您的订单${number}已由${carrier}发出，运单号${tracking_number}，查物流：${tracking_link}",
)
DELIVERING_SMS = register(
    name="buyer_order_delivering",
    text="您的订单${number}中${producer}的商品由生产者直接送货，请留意接收。",
)
DELIVERED_SMS = register(
    name="buyer_order_delivered",
    text="您的订单${number}中${producer}的商品已确认送达，感谢您支持帮扶产品。",
)
REFUNDED_SMS = register(
    name="buyer_order_refunded",
    text="您的订单${number}已退款${amount}元，款项将原路退回。",
)
NOT_HONOURED_SMS = register(
    name="buyer_payment_not_honoured",
    text="您为订单${number}支付的${amount}元不能用于该订单，将原路全额退回，您无需操作。",
)
SURPLUS_REFUNDED_SMS = register(
    name="buyer_surplus_refunded",
    text="您为订单${number}多付的${amount}元已原路退回。",
)

# Producers' members (shop/orders/producer_notices.py).
NEW_ORDER_SMS = register(
    name="producer_new_order",
    text="新订单${number}待发货：${items}，请在${ship_by}前发出。详情：${link}",
)
DIGEST_SMS = register(
    name="producer_daily_digest",
    text="今天有${count}单待发货：${items}，最早一单须在${ship_by}前发出。详情：${link}",
)
REMINDER_SMS = register(
    name="producer_ship_by_reminder",
    text="订单${number}（${items}）须在${ship_by}前发出，还未发货，请尽快处理。详情：${link}",
)

# Producers that issue their own 发票 (shop/invoicing/notifications.py).
INVOICE_REQUESTED_SMS = register(
    name="producer_invoice_requested",
    text="您有一份新的发票申请，抬头${title}，金额${amount}元，请在生产者平台开票：${link}",
)
RED_LETTER_SMS = register(
    name="producer_invoice_red_letter",
    text="您开具的发票${number}所含订单已退款，请开具红字发票并在生产者平台登记：${link}",
)

# After-sales (shop/aftersales/): the producer told of a request to answer and
# reminded before its deadline; the buyer told of each answer and of their own deadline.
AFTERSALES_NEW_SMS = register(
    name="producer_aftersales_new",
    text="订单${number}有新的售后申请（${kind}），请在${respond_by}前处理，逾期将自动同意退款。详情：${link}",
)
AFTERSALES_PRODUCER_REMINDER_SMS = register(
    name="producer_aftersales_reminder",
    text="订单${number}的售后申请须在${respond_by}前处理，逾期将自动同意退款。详情：${link}",
)
AFTERSALES_ANSWERED_SMS = register(
    name="buyer_aftersales_answered",
    text="您的订单${number}的售后申请有新进展：${step}。请在${respond_by}前处理。查看：${link}",
)
AFTERSALES_BUYER_REMINDER_SMS = register(
    name="buyer_aftersales_reminder",
    text="您的订单${number}的售后申请须在${respond_by}前处理，逾期申请将关闭。查看：${link}",
)
