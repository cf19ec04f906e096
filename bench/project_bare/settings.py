"""The shop's settings, unchanged but for the URLconf and the bare page's template
folder (see the package's docstring)."""

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.project_bare.urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "bare" / "templates"]
