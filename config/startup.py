import sys
from contextlib import contextmanager

from config.env import ConfigurationError


@contextmanager
def exit_on_configuration_error():
    """Stop start-up with one line naming the bad variable, not a traceback."""
    try:
        yield
    except ConfigurationError as error:
        sys.exit(f"Configuration error: {error}")
