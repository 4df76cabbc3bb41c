"""The board of a 1,000-item release: a fixed number of queries, at most 500 KB of HTML, and
an arrow press that answers only the columns it changed (time is measured in bench/)."""

import re

import pytest

from items.selectors import COLUMN_PAGE
from tests.conftest import Team
from tests.test_query_counts import MODES, populate

BOARD = "/projects/PAY/board/"
BOARD_BYTES_MAX = 500_000
# Two columns of COLUMN_PAGE cards at most, with the manager's arrows and gate notes.
ARROW_ANSWER_BYTES_MAX = 2 * COLUMN_PAGE * 1_800


@pytest.mark.parametrize("mode", list(MODES))
def test_the_1000_card_board_keeps_its_queries_and_stays_under_500_kb(
    team: Team, django_assert_num_queries, mode: str
) -> None:
    populate(team, 1_000, rules=mode == "default rules")
    client = team.client(team.manager)
    url, expected = MODES[mode]["board"]

    with django_assert_num_queries(len(expected)) as captured:
        response = client.get(url)

    html = response.text
    assert response.status_code == 200
    assert len(response.content) <= BOARD_BYTES_MAX
    for (table, purpose), query in zip(expected, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose
    counts = [
        int(n)
        for n in re.findall(r'<span class="count">(\d+)<span class="visually-hidden"> items', html)
    ]
    assert sum(counts) == 1_000  # every card counted, the first page of each column shown
    assert html.count('<li class="card ') == sum(min(n, COLUMN_PAGE) for n in counts)


def test_an_arrow_press_on_the_1000_card_board_answers_only_the_changed_columns(
    team: Team, django_assert_max_num_queries
) -> None:
    populate(team, 1_000, rules=True)
    client = team.client(team.manager)
    board = client.get(BOARD).text
    card = re.search(r'data-number="(\d+)" data-version="(\d+)"', board)
    number, version = card[1], card[2]

    response = client.post(
        f"/projects/PAY/items/{number}/move/",
        {"version": version, "direction": "next"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert len(response.content) <= ARROW_ANSWER_BYTES_MAX
    assert len(response.content) * 4 < len(board.encode())
    swapped = re.findall(r'<ol class="cards" id="cards-(\d+)"[^>]*hx-swap-oob', response.text)
    assert len(swapped) == 2
    assert response.text.count('aria-label="') >= 2
    assert f"Moved PAY-{number} to " in response.text
    assert 'id="board"' not in response.text  # never the whole board
