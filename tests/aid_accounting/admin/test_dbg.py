import pytest

pytestmark = pytest.mark.django_db


def test_x(client, aid_officer):
    client.force_login(aid_officer)
    t = client.get("/admin/aid/periods/close/").text
    i = t.find("<main")
    print(t[i : i + 3000])
