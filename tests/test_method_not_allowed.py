import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/projects/PAY/items/1/move/",
        "/projects/PAY/items/1/reorder/",
        "/projects/PAY/items/1/delete/",
        "/projects/PAY/items/bulk-move/",
        "/projects/PAY/members/add/",
    ],
)
def test_a_get_on_a_post_only_endpoint_is_405_with_a_clear_message(team, path):
    item = team.item()
    response = team.client(team.manager).get(path)
    assert response.status_code == 405
    assert "does not accept GET requests" in response.text
    assert "Nothing was changed" in response.text
    item.refresh_from_db()
    assert item.version == 1
