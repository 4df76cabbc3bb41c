"""The task board: its columns and cards, its arrows, and moves made with them over HTTP."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from items import engine
from items.models import Kind, Priority, ReleaseItem, ReleaseStatus
from items.selectors import COLUMN_PAGE
from tests.conftest import Team

DEVELOPING, READY_FOR_REVIEW, READY_FOR_INTEGRATION, CLOSED = 4500, 4540, 4550, 4595
BOARD = "/projects/PAY/board/"


def board_columns(html: str) -> dict[str, list[str]]:
    """Column heading -> the keys of its cards, in the order the board shows them."""
    columns = {}
    for section in html.split('<div class="column"')[1:]:
        name = re.search(r'<h2 id="col-\d+">(.*?) <span class="count"', section)[1]
        columns[unescape(name)] = re.findall(r'<a class="key" href="[^"]*">([^<]*)</a>', section)
    return columns


def column_counts(html: str) -> list[str]:
    return re.findall(
        r'<span class="count">(\d+)<span class="visually-hidden"> items</span></span>', html
    )


def arrow_labels(html: str) -> list[str]:
    return [unescape(label) for label in re.findall(r'<button[^>]*aria-label="([^"]*)"', html)]


def state(state_id: int) -> ReleaseStatus:
    return ReleaseStatus.objects.get(pk=state_id)


def move(client, item: ReleaseItem, direction: str, **extra):
    return client.post(
        f"/projects/PAY/items/{item.number}/move/",
        {"version": item.version, "direction": direction},
        **extra,
    )


# --- What the board shows ------------------------------------------------------------------


def test_board_has_one_column_per_enabled_state_in_position_order(
    team: Team, states: list[ReleaseStatus]
) -> None:
    response = team.client(team.viewer).get(BOARD)

    assert response.status_code == 200
    assert list(board_columns(response.text)) == [s.name for s in states]


def test_disabled_state_has_no_column_and_columns_follow_positions(team: Team) -> None:
    ReleaseStatus.objects.filter(pk=READY_FOR_INTEGRATION).update(enabled=False)
    ReleaseStatus.objects.filter(pk=CLOSED).update(position=-10)

    names = list(board_columns(team.client(team.viewer).get(BOARD).text))

    assert "2 - Ready for Integration" not in names
    assert names[0] == "7 - Closed"
    assert len(names) == 7


def test_column_headers_count_their_items(team: Team) -> None:
    team.item(number=1)
    team.item(number=2)
    team.item(number=3, status=state(READY_FOR_REVIEW))

    html = team.client(team.viewer).get(BOARD).text

    assert column_counts(html) == ["2", "1", "0", "0", "0", "0", "0", "0"]
    assert board_columns(html)["0 - Developing"] == ["PAY-1", "PAY-2"]
    assert board_columns(html)["1 - Ready for Review"] == ["PAY-3"]


def test_card_shows_key_title_kind_priority_and_assignee(team: Team) -> None:
    team.item(
        number=1,
        title="Round fees to the cent",
        kind=Kind.BUG,
        priority=Priority.CRITICAL,
        assignee=team.developer,
    )
    team.item(number=2, title="Nobody's job yet")

    html = team.client(team.viewer).get(BOARD).text

    card = html.split('<li class="card prio-1"')[1].split("</li>")[0]
    assert 'href="/projects/PAY/items/1/">PAY-1</a>' in card
    assert "Round fees to the cent" in card
    assert ">Bug</span>" in card
    assert ">Critical</span>" in card
    assert f'<p class="assignee">{team.developer.get_full_name()}</p>' in card
    assert "Unassigned" in html.split("PAY-2</a>")[1]


def test_arrow_buttons_say_what_they_do(team: Team) -> None:
    team.item(number=1)
    team.item(number=2)
    team.item(number=3, status=state(READY_FOR_REVIEW))

    labels = arrow_labels(team.client(team.developer).get(BOARD).text)

    assert labels == [
        "Move PAY-1 down",
        "Move PAY-1 to 1 - Ready for Review",
        "Move PAY-2 up",
        "Move PAY-2 to 1 - Ready for Review",
        "Move PAY-3 to 0 - Developing",
        "Move PAY-3 to 2 - Ready for Integration",
    ]


def test_first_column_has_no_left_arrow_and_last_column_no_right_arrow(team: Team) -> None:
    team.item(number=1)
    team.item(number=2, status=state(CLOSED))

    labels = arrow_labels(team.client(team.qa).get(BOARD).text)

    assert labels == ["Move PAY-1 to 1 - Ready for Review", "Move PAY-2 to 6 - Ready to be closed"]


def test_arrows_skip_a_disabled_state(team: Team) -> None:
    ReleaseStatus.objects.filter(pk=READY_FOR_REVIEW).update(enabled=False)
    team.item(number=1)

    labels = arrow_labels(team.client(team.qa).get(BOARD).text)

    assert labels == ["Move PAY-1 to 2 - Ready for Integration"]


@pytest.mark.parametrize("person", ["viewer", "approver"])
def test_read_only_members_see_no_arrow_buttons(team: Team, person: str) -> None:
    team.item(number=1)
    team.item(number=2)

    html = team.client(getattr(team, person)).get(BOARD).text

    assert "PAY-1" in html
    assert 'class="arrow' not in html
    assert arrow_labels(html) == []


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("kind=bug", ["PAY-1"]),
        ("priority=1", ["PAY-2"]),
        ("assignee={developer}", ["PAY-1", "PAY-3"]),
        ("kind=task&assignee={developer}", ["PAY-3"]),
        ("", ["PAY-1", "PAY-2", "PAY-3"]),
    ],
)
def test_board_filters_by_kind_priority_and_assignee(
    team: Team, query: str, shown: list[str]
) -> None:
    team.item(number=1, kind=Kind.BUG, priority=Priority.LOW, assignee=team.developer)
    team.item(number=2, kind=Kind.FEATURE, priority=Priority.CRITICAL, assignee=team.qa)
    team.item(number=3, kind=Kind.TASK, priority=Priority.LOW, assignee=team.developer)

    response = team.client(team.viewer).get(f"{BOARD}?{query.format(developer=team.developer.pk)}")

    assert response.status_code == 200
    assert board_columns(response.text)["0 - Developing"] == shown


@pytest.mark.parametrize("assignee", ["{outsider}", "abc", "99999999999999999999"])
def test_board_filter_with_a_bad_assignee_is_a_bad_request_that_says_it_was_ignored(
    team: Team, assignee: str
) -> None:
    team.item(number=1, assignee=team.developer)

    query = f"assignee={assignee.format(outsider=team.outsider.pk)}"
    response = team.client(team.viewer).get(f"{BOARD}?{query}")

    assert response.status_code == 400
    assert "This filter was ignored." in response.text
    assert board_columns(response.text)["0 - Developing"] == ["PAY-1"]


# --- Moves and reorders from the board -----------------------------------------------------


def test_right_arrow_moves_the_item_and_redirects_back_to_the_board(team: Team) -> None:
    item = team.item(number=1)

    response = move(team.client(team.qa), item, "next")

    assert response.status_code == 302
    assert response.url == BOARD
    item.refresh_from_db()
    assert item.status_id == READY_FOR_REVIEW
    assert item.version == 2
    follow = team.client(team.qa).get(BOARD)
    assert board_columns(follow.text)["1 - Ready for Review"] == ["PAY-1"]


def test_left_arrow_moves_the_item_back(team: Team) -> None:
    item = team.item(number=1, status=state(READY_FOR_INTEGRATION))

    response = move(team.client(team.developer), item, "prev")

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status_id == READY_FOR_REVIEW


def test_moved_item_goes_to_the_bottom_of_its_new_column(team: Team) -> None:
    team.item(number=1, status=state(READY_FOR_REVIEW), position=500)
    item = team.item(number=2, position=10)

    move(team.client(team.qa), item, "next")

    html = team.client(team.qa).get(BOARD).text
    assert board_columns(html)["1 - Ready for Review"] == ["PAY-1", "PAY-2"]


def test_redirect_after_a_move_keeps_the_board_filters(team: Team) -> None:
    item = team.item(number=1, kind=Kind.BUG)

    response = team.client(team.qa).post(
        "/projects/PAY/items/1/move/?kind=bug", {"version": item.version, "direction": "next"}
    )

    assert response.status_code == 302
    assert response.url == f"{BOARD}?kind=bug"


def test_htmx_move_answers_the_moved_card_and_the_two_counts_out_of_band(team: Team) -> None:
    item = team.item(number=1)
    team.item(number=2, status=state(READY_FOR_INTEGRATION))

    response = move(team.client(team.qa), item, "next", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    assert "<html" not in response.text
    assert f'<li id="card-{item.pk}" data-hx-swap-oob="delete"></li>' in response.text
    # Into its new column, which was empty: at the top of its list.
    assert f'<ol data-hx-swap-oob="afterbegin:#cards-{READY_FOR_REVIEW}"><li class="card' in (
        response.text
    )
    assert '<ol class="cards"' not in response.text  # no whole column
    assert "PAY-2" not in response.text  # its column did not change
    assert column_counts(response.text) == ["0", "1"]
    assert "Moved PAY-1 to 1 - Ready for Review." in response.text
    # Keyboard users keep their place: the answer names the moved card's same arrow.
    assert f'data-focus="card-{item.pk}" data-focus-value="next"' in response.text


def test_htmx_refusal_answers_the_card_in_its_column_with_the_message_and_its_status(
    team: Team,
) -> None:
    item = team.item(number=1, status=state(CLOSED))

    response = move(team.client(team.qa), item, "next", headers={"HX-Request": "true"})

    assert response.status_code == 400
    assert "<html" not in response.text
    assert 'id="cards-4595"' in response.text
    assert engine.PAST_LAST.format(key="PAY-1", state="7 - Closed") in response.text
    assert 'class="message error"' in response.text
    item.refresh_from_db()
    assert item.status_id == CLOSED
    assert item.version == 1


def test_send_to_bottom_and_top_move_a_card_to_its_column_edge_in_one_action(
    team: Team,
) -> None:
    for number in (1, 2, 3, 4):
        team.item(number=number)
    client = team.client(team.developer)

    bottom = client.post("/projects/PAY/items/1/reorder/", {"version": 1, "shift": "bottom"})
    top = client.post("/projects/PAY/items/3/reorder/", {"version": 1, "shift": "top"})

    assert (bottom.status_code, top.status_code) == (302, 302)
    html = client.get(BOARD).text
    assert board_columns(html)["0 - Developing"] == ["PAY-3", "PAY-2", "PAY-4", "PAY-1"]
    assert ReleaseItem.objects.get(number=2).version == 1  # only the sent card changed


def test_send_to_bottom_of_the_last_card_is_refused_and_changes_nothing(team: Team) -> None:
    team.item(number=1)
    team.item(number=2)

    response = team.client(team.developer).post(
        "/projects/PAY/items/2/reorder/", {"version": 1, "shift": "bottom"}
    )

    assert response.status_code == 400
    assert engine.ALREADY_BOTTOM.format(key="PAY-2") in response.text
    assert ReleaseItem.objects.get(number=2).version == 1


def test_reorder_and_state_arrows_look_different_and_edges_offer_send_to(team: Team) -> None:
    for number in (1, 2, 3, 4):
        team.item(number=number)

    html = team.client(team.developer).get(BOARD).text

    assert 'class="arrow order" aria-label="Send PAY-4 to the top of its column"' in html
    assert 'class="arrow order" aria-label="Send PAY-1 to the bottom of its column"' in html
    assert 'class="arrow state" aria-label="Move PAY-1 to 1 - Ready for Review"' in html
    assert "Send PAY-2 to the top" not in html  # one place from the top: "up" does it


def test_the_last_state_is_collapsed_with_its_count_and_the_others_open(team: Team) -> None:
    team.item(number=1, status=state(CLOSED))

    html = team.client(team.viewer).get(BOARD).text

    assert html.count("<details open>") == len(board_columns(html)) - 1
    closed = html.split('aria-labelledby="col-4595"')[1]
    assert closed.lstrip(">\n ").startswith("<details>")
    assert board_columns(html)["7 - Closed"] == ["PAY-1"]


def test_done_cards_untouched_for_longer_than_chosen_are_hidden(team: Team) -> None:
    old = team.item(number=1, status=state(CLOSED))
    team.item(number=2, status=state(CLOSED))
    ReleaseItem.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=40))
    client = team.client(team.viewer)

    default = board_columns(client.get(BOARD).text)["7 - Closed"]
    week = board_columns(client.get(f"{BOARD}?done=7").text)["7 - Closed"]
    never = board_columns(client.get(f"{BOARD}?done=never").text)["7 - Closed"]

    assert (default, week, never) == (["PAY-2"], ["PAY-2"], ["PAY-1", "PAY-2"])


def test_quick_filter_finds_mine_and_by_text_or_key(team: Team) -> None:
    team.item(number=1, title="Round fees", assignee=team.developer)
    team.item(number=2, title="Fees export")
    team.item(number=3, title="Login page")
    client = team.client(team.developer)

    def keys(query: str) -> list[str]:
        return [
            k for keys in board_columns(client.get(f"{BOARD}?{query}").text).values() for k in keys
        ]

    assert keys("mine=on") == ["PAY-1"]
    assert keys("q=fees") == ["PAY-1", "PAY-2"]
    assert keys("q=PAY-3") == ["PAY-3"]


def test_a_column_over_its_wip_limit_is_flagged(team: Team) -> None:
    ReleaseStatus.objects.filter(pk=DEVELOPING).update(wip_limit=1)
    team.item(number=1)
    team.item(number=2)

    html = team.client(team.viewer).get(BOARD).text

    assert f'<h2 id="col-{DEVELOPING}" class="over-limit">' in html
    assert "over limit 1" in html


def test_a_long_column_shows_its_first_page_and_a_link_to_all(team: Team) -> None:
    for number in range(1, COLUMN_PAGE + 3):
        team.item(number=number)
    client = team.client(team.viewer)

    paged = client.get(BOARD).text
    every = client.get(f"{BOARD}?column={DEVELOPING}").text

    assert len(board_columns(paged)["0 - Developing"]) == COLUMN_PAGE
    assert column_counts(paged)[0] == str(COLUMN_PAGE + 2)
    assert f"?column={DEVELOPING}" in paged
    assert len(board_columns(every)["0 - Developing"]) == COLUMN_PAGE + 2


def test_reorder_down_and_up_swap_neighbours_in_the_column(team: Team) -> None:
    first = team.item(number=1)
    second = team.item(number=2)
    third = team.item(number=3)
    client = team.client(team.developer)

    down = client.post("/projects/PAY/items/1/reorder/", {"version": 1, "shift": "down"})
    up = client.post("/projects/PAY/items/3/reorder/", {"version": 1, "shift": "up"})

    assert (down.status_code, up.status_code) == (302, 302)
    assert down.url == BOARD
    html = client.get(BOARD).text
    assert board_columns(html)["0 - Developing"] == ["PAY-2", "PAY-3", "PAY-1"]
    for item, version in ((first, 3), (second, 2), (third, 2)):
        item.refresh_from_db()
        assert item.version == version  # both swapped rows are journaled, so both change


def test_reorder_past_the_top_is_refused_with_its_message(team: Team) -> None:
    team.item(number=1)
    team.item(number=2)

    response = team.client(team.developer).post(
        "/projects/PAY/items/1/reorder/", {"version": 1, "shift": "up"}
    )

    assert response.status_code == 400
    assert engine.ALREADY_TOP.format(key="PAY-1") in response.text
    assert ReleaseItem.history.filter(change_kind="reordered").count() == 0


def test_reorder_with_a_stale_version_is_refused_with_409(team: Team) -> None:
    team.item(number=1)
    team.item(number=2)

    response = team.client(team.developer).post(
        "/projects/PAY/items/2/reorder/", {"version": 7, "shift": "up"}
    )

    assert response.status_code == 409
    assert engine.STALE.format(key="PAY-2") in response.text
    assert board_columns(response.text)["0 - Developing"] == ["PAY-1", "PAY-2"]


@pytest.mark.parametrize("shift", ["sideways", ""])
def test_reorder_with_an_unknown_shift_is_a_bad_request(team: Team, shift: str) -> None:
    team.item(number=1)
    team.item(number=2)

    response = team.client(team.developer).post(
        "/projects/PAY/items/1/reorder/", {"version": 1, "shift": shift}
    )

    assert response.status_code == 400
    assert ReleaseItem.objects.get(number=1).version == 1


# --- An arrow press answers only what changed (issue 11) ------------------------------------

CARD = re.compile(r'<li class="card[^"]*" id="(card-\d+)".*?</li>', re.S)
SWAP = re.compile(
    r'<li id="(?P<gone>card-\d+)" data-hx-swap-oob="delete"></li>'
    r'|<ol data-hx-swap-oob="(?P<how>\w+):#(?P<anchor>cards?-\d+)">(?P<new>.*?)</ol>'
    r'|(?P<card><li class="card[^"]*" id="(?P<id>card-\d+)"[^>]*data-hx-swap-oob="true".*?</li>)',
    re.S,
)


def shown_cards(html: str) -> dict[str, list[tuple[str, str]]]:
    """Each column's list id -> its cards (id, markup) in order, as a browser holds them."""
    lists = re.findall(r'<ol class="cards" id="(cards-\d+)"[^>]*>(.*?)</ol>', html, re.S)
    return {list_id: [(m[1], same(m[0])) for m in CARD.finditer(cards)] for list_id, cards in lists}


def same(card: str) -> str:
    """A card's markup without what differs between two answers that mean the same."""
    card = card.replace(' data-hx-swap-oob="true"', "")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", card)


def swap_in(board: dict[str, list[tuple[str, str]]], answer: str) -> None:
    """Apply an answer's out-of-band card swaps to `board`, in order, as htmx does."""
    for swap in SWAP.finditer(answer):
        if swap["gone"]:
            for cards in board.values():
                cards[:] = [c for c in cards if c[0] != swap["gone"]]
        elif swap["card"]:
            for cards in board.values():
                at = [c[0] for c in cards].index(swap["id"]) if swap["id"] in dict(cards) else None
                if at is not None:
                    cards[at] = (swap["id"], same(swap["card"]))
        else:
            new = CARD.search(swap["new"])
            card = (new[1], same(new[0]))
            if swap["how"] == "afterend":
                cards = next(c for c in board.values() if swap["anchor"] in dict(c))
                cards.insert([c[0] for c in cards].index(swap["anchor"]) + 1, card)
            elif swap["how"] == "afterbegin":
                board[swap["anchor"]].insert(0, card)
            else:
                assert swap["how"] == "beforeend"
                board[swap["anchor"]].append(card)


@pytest.mark.parametrize("query", ["", f"?column={DEVELOPING}"])
def test_arrow_presses_answered_with_only_the_changed_cards_leave_the_board_as_a_reload_shows_it(
    team: Team, monkeypatch, query: str
) -> None:
    """Moves and reorders at a column's edges and its page's edge (a page of 4 cards here),
    into an empty column and out of one: after each answer the board equals a fresh one."""
    from items import selectors, views

    monkeypatch.setattr(views, "COLUMN_PAGE", 4)
    monkeypatch.setitem(selectors.board_columns_for_project.__kwdefaults__, "page", 4)
    for number in range(1, 8):
        team.item(number=number)
    for number in range(8, 11):
        team.item(number=number, status=state(READY_FOR_REVIEW))
    client = team.client(team.manager)
    board = shown_cards(client.get(f"{BOARD}{query}").text)
    presses = [
        (1, "direction", "next"),  # the top card off a long column, onto a full page
        (4, "direction", "next"),  # the page's last card: the next one moves up into it
        (10, "shift", "top"),
        (1, "shift", "bottom"),  # beyond its column's page
        (9, "shift", "down"),
        (9, "shift", "up"),
        (2, "shift", "bottom"),
        (7, "shift", "top"),
        (4, "direction", "prev"),  # back, to the bottom of a long column: beyond its page
        (6, "direction", "next"),
        (8, "direction", "next"),  # into an empty column
        (8, "direction", "prev"),  # and out of it again
        (5, "shift", "up"),
    ]
    for number, field, value in presses:
        version = ReleaseItem.objects.get(number=number).version
        action = "move" if field == "direction" else "reorder"
        answer = client.post(
            f"/projects/PAY/items/{number}/{action}/{query}",
            {"version": version, field: value, "origin": "board"},
            headers={"HX-Request": "true"},
        )
        assert answer.status_code == 200, (number, value, answer.text)

        swap_in(board, answer.text)

        fresh = client.get(f"{BOARD}{query}").text
        assert board == shown_cards(fresh), (number, value)
        for part in re.findall(
            r'<(?:h2|p class="more") id="[^"]+" data-hx-swap-oob[^\n]*?</(?:h2|p)>', answer.text
        ):
            assert part.replace(' data-hx-swap-oob="true"', "") in fresh


def test_a_german_reader_sees_the_board_in_german(team: Team) -> None:
    team.item(number=1)
    client = team.client(team.developer)

    html = client.get(BOARD, HTTP_ACCEPT_LANGUAGE="de").text

    assert "<h1>Aufgaben-Board" in html
    assert 'aria-label="PAY-1 nach 1 - Ready for Review verschieben"' in html
