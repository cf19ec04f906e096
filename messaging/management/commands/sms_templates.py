"""List the registered SMS templates, as submitted to the provider for approval."""

from django.conf import settings
from django.core.management.base import BaseCommand

from messaging.sms import templates
from messaging.sms.tencent import numbered_wording


class Command(BaseCommand):
    help = (
        "List the registered SMS templates: name, id at the provider (SMS_TEMPLATE_IDS) "
        "and the wording to submit for approval, in the provider's placeholder form."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--provider",
            choices=["aliyun", "tencent"],
            help="placeholders in this provider's form (default: SMS_BACKEND's, else Aliyun's)",
        )

    def handle(self, *args, provider=None, **options):
        provider = provider or settings.SMS_BACKEND
        for template in templates.registered():
            wording = numbered_wording(template) if provider == "tencent" else template.text
            self.stdout.write(f"{template.name}\t{template.provider_id() or '(no id)'}\t{wording}")
