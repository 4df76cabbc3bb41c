import pytest


@pytest.mark.django_db
def test_board_renders_for_a_member(team):
    item = team.item(title="Fix rounding")
    response = team.client(team.developer).get(f"/projects/PAY/board/")
    assert response.status_code == 200
    assert f"Move {item.key} to 1 - Ready for Review" in response.text
