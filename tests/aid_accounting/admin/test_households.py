import json

import pytest

from tests.aid_accounting.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/households/"


@pytest.fixture
def households():
    return [
        HouseholdFactory(head_name="孔祥轩", phone="19900001234"),
        HouseholdFactory(head_name="张三", phone="19900005678"),
    ]


@pytest.mark.parametrize("role", ["aid_officer", "auditor"])
def test_register_list_shows_masks_only(client, request, role, households):
    client.force_login(request.getfixturevalue(role))

    response = client.get(LIST_URL)

    assert response.status_code == 200
    page = response.text
    assert "孔*轩" in page
    assert "199****5678" in page
    for full_value in ["孔祥轩", "19900001234", "19900005678", "11010519491231002X"]:
        # Also as JSON would escape it, for values in script data.
        assert full_value not in page
        assert json.dumps(full_value)[1:-1] not in page


def test_edit_form_has_no_personal_fields(client, aid_officer, household):
    client.force_login(aid_officer)

    response = client.get(f"{LIST_URL}edit/{household.pk}/")

    assert response.status_code == 200
    assert 'name="head_name"' in response.text
    for field in ["id_number", "phone", "bank_name", "bank_account_number"]:
        assert f'name="{field}"' not in response.text
    assert "11010519491231002X" not in response.text


def test_auditor_cannot_edit(client, auditor, household):
    client.force_login(auditor)

    response = client.get(f"{LIST_URL}edit/{household.pk}/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_edit_form_explains_a_broken_rule_instead_of_failing(client, aid_officer, household):
    client.force_login(aid_officer)
    form = {
        "registration_number": household.registration_number,
        "head_name": household.head_name,
        "member_count": 0,
        "village": household.village_id,
        "kind": "registered_poor",
        "status": "lifted_out",
        "helper_cadre": "",
    }

    response = client.post(f"{LIST_URL}edit/{household.pk}/", form)

    assert response.status_code == 200
    assert "家庭人口至少为1人。" in response.text
    household.refresh_from_db()
    assert household.member_count == 3
