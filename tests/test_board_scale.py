"""The board of a 1,000-item release: a fixed number of queries, at most 500 KB of HTML, and
an arrow press that answers only the cards it changed (time is measured in bench/)."""

import re

import pytest

from items.selectors import COLUMN_PAGE
from tests.conftest import Team
from tests.test_query_counts import MODES, populate

BOARD = "/projects/PAY/board/"
BOARD_BYTES_MAX = 500_000
# The moved card and a few at the changed columns' edges, with the manager's arrows and gate
# notes (the two whole columns were 72 KB): see docs/PERFORMANCE.md.
ARROW_ANSWER_BYTES_MAX = 8 * 1_800
# The move's 23 (the session, the user, the project with the role, the locks, the rules'
# evidence for the moved card, the update, the journal, the stays), then the answer's 10: the
# workflow's token, the ranks of the cards at the edges, those cards, and the rules' evidence
# for them (approvals, emergency moves, test cases, sign-offs, acceptance, freezes, members).
ARROW_PRESS_QUERIES = 33


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


def test_an_arrow_press_on_the_1000_card_board_answers_only_the_cards_it_changed(
    team: Team, django_assert_num_queries
) -> None:
    populate(team, 1_000, rules=True)
    client = team.client(team.manager)
    board = client.get(BOARD).text
    columns = dict(re.findall(r'<ol class="cards" id="cards-(\d+)"[^>]*>(.*?)</ol>', board))
    first = re.findall(
        r'id="card-(\d+)" data-number="(\d+)" data-version="(\d+)"', next(iter(columns.values()))
    )
    first_state = next(iter(columns))
    pk, number, version = first[0]  # the top card of the first column, moved to the next one

    with django_assert_num_queries(ARROW_PRESS_QUERIES):
        response = client.post(
            f"/projects/PAY/items/{number}/move/",
            {"version": version, "direction": "next", "origin": "board"},
            headers={"HX-Request": "true"},
        )

    answer = response.text
    assert response.status_code == 200
    assert len(response.content) <= ARROW_ANSWER_BYTES_MAX
    assert f'<li id="card-{pk}" data-hx-swap-oob="delete">' in answer  # off its old place
    assert f"Moved PAY-{number} to " in answer
    assert (
        len(re.findall(r'<span class="count">\d+<span class="visually-hidden"> items', answer)) == 2
    )
    # The next column's page is full: the card lands beyond it, out of sight (its count says
    # so); of the old column, only the two new top cards (their arrows changed) and the card
    # that moved up into its page are sent again, and nothing of the next column's page.
    sent = re.findall(r'<li class="card[^"]*" id="card-(\d+)"', answer)
    shown = set(re.findall(r'<li class="card[^"]*" id="card-(\d+)"', board))
    assert sent[:2] == [first[1][0], first[2][0]]
    assert len(sent) == 3
    assert sent[2] not in shown
    assert f'<ol data-hx-swap-oob="beforeend:#cards-{first_state}"><li class="card' in answer
    assert 'id="board"' not in answer  # never the whole board

    # Sent to the top of its column: the card itself, in its new place, and the two it pushed
    # out of the top places; none of the other 27 cards of the page.
    pk, number, version = first[10]
    response = client.post(
        f"/projects/PAY/items/{number}/reorder/",
        {"version": version, "shift": "top", "origin": "board"},
        headers={"HX-Request": "true"},
    )

    answer = response.text
    assert response.status_code == 200
    assert len(response.content) <= ARROW_ANSWER_BYTES_MAX
    assert f'<ol data-hx-swap-oob="afterbegin:#cards-{first_state}"><li class="card' in answer
    sent = re.findall(r'<li class="card[^"]*" id="card-(\d+)"', answer)
    assert sorted(sent) == sorted([pk, first[1][0], first[2][0]])
    assert len(re.findall(r'<span class="count">', answer)) == 1
