"""Text messages (短信). Senders name a registered template (``templates``); a
backend (``backends``) delivers it through the configured provider."""
