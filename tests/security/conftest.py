import pytest

from tests.aid_accounting.conftest import (  # noqa: F401 (fixtures)
    aid_officer,
    aid_pool,
    beneficiaries,
    key_village,
    tomato,
    tomato_rule,
)
from tests.security.pages import Shop, build_shop


@pytest.fixture
def shop(tomato, tomato_rule, aid_officer) -> Shop:  # noqa: F811
    return build_shop(tomato=tomato, aid_officer=aid_officer)
