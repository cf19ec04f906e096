import factory

from messaging.models import OutboundMessage


class OutboundMessageFactory(factory.django.DjangoModelFactory):
    """An e-mail owed and not yet sent."""

    class Meta:
        model = OutboundMessage

    key = factory.Sequence(lambda n: f"test:{n}:email")
    channel = OutboundMessage.Channel.EMAIL
    recipient = factory.Sequence(lambda n: f"buyer{n}@example.com")
    subject = "订单已付款"
    body = "您的订单已付款。"
