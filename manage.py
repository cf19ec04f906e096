#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    from config.startup import exit_on_configuration_error

    with exit_on_configuration_error():
        settings.INSTALLED_APPS  # noqa: B018 - load settings now, to report bad variables clearly
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
