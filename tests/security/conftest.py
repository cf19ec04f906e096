import pytest

from tests.security.pages import Shop, build_shop


@pytest.fixture
def shop(tomato, tomato_rule, aid_officer) -> Shop:
    return build_shop(tomato=tomato, aid_officer=aid_officer)
