"""The items list: a pager with counts, sort indicators, pages of up to 1,000 rows, and
saved filters (each user's own, per release)."""

import re
from html.parser import HTMLParser

import pytest

from items.models import Change, ReleaseItem, ReleaseStatus
from items.tables import PAGE_SIZES
from tests.conftest import Team
from tests.factories import ProjectFactory
from workplace.models import SavedFilter
from workplace.services import FILTER_NAME_TAKEN, FILTER_NOT_FOUND

DASH = "\N{EN DASH}"  # as the pager writes its ranges


def release_of(team: Team, count: int) -> None:
    """`count` items in the team's release, written in bulk (reads only here)."""
    state = ReleaseStatus.objects.order_by("position").first()
    changes = Change.objects.bulk_create(
        Change(title=f"Change <{n}> & more", kind="bug", external_key=f"EXT-{n}")
        for n in range(count)
    )
    ReleaseItem.objects.bulk_create(
        ReleaseItem(
            project=team.project,
            number=n + 1,
            change=change,
            status=state,
            position=n * 10,
            assignee=team.developer,
        )
        for n, change in enumerate(changes)
    )


def body_rows(html: str) -> list[str]:
    body = html.split("<tbody", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr\b.*?</tr>", body, re.S)


class Balance(HTMLParser):
    """Counts open and closed table elements: a well-nested table closes all it opens."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = {"table": 0, "tr": 0, "td": 0, "a": 0}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.depth:
            self.depth[tag] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.depth:
            self.depth[tag] -= 1


def test_the_pager_says_which_rows_of_how_many_and_links_the_next_page(team: Team):
    release_of(team, 1000)
    html = team.client(team.viewer).get("/projects/PAY/items/", {"page": 2}).text

    assert f"26{DASH}50 of 1,000" in html
    assert 'rel="next"' in html
    assert 'rel="prev"' in html
    assert '<a href="?page=2" aria-current="page">2</a>' in html
    assert "semantic" not in html
    assert 'class="ui ' not in html


def test_the_sorted_header_carries_aria_sort(team: Team):
    release_of(team, 3)
    html = team.client(team.viewer).get("/projects/PAY/items/", {"sort": "-key"}).text

    assert re.search(r'<th [^>]*aria-sort="descending"[^>]*>\s*<a[^>]*>Key</a>', html)
    assert html.count("aria-sort=") == 1
    assert [row.split("</a>")[0].rsplit(">", 1)[1] for row in body_rows(html)] == [
        "PAY-3",
        "PAY-2",
        "PAY-1",
    ]


def test_the_pager_offers_every_page_size_and_keeps_the_filter(team: Team):
    release_of(team, 3)
    html = team.client(team.viewer).get("/projects/PAY/items/", {"q": "more"}).text

    for size in PAGE_SIZES:
        assert f'<option value="{size}"' in html
    assert '<input type="hidden" name="q" value="more">' in html
    assert '<label for="per_page-choice">Rows per page</label>' in html


def test_a_page_of_1000_rows_is_whole_escaped_and_well_formed(team: Team):
    release_of(team, 1000)
    html = team.client(team.manager).get("/projects/PAY/items/", {"per_page": 1000}).text

    rows = body_rows(html)
    assert len(rows) == 1000
    assert f"1{DASH}1,000 of 1,000" in html
    assert "Change &lt;0&gt; &amp; more" in html
    assert "<0>" not in html
    assert 'aria-label="Select PAY-1"' in html  # the release manager may bulk-move
    assert '<a href="/projects/PAY/items/1000/">PAY-1000</a>' in html
    balance = Balance()
    balance.feed(html)
    assert balance.depth == {"table": 0, "tr": 0, "td": 0, "a": 0}


def test_a_viewer_gets_no_select_boxes(team: Team):
    release_of(team, 2)
    html = team.client(team.viewer).get("/projects/PAY/items/").text

    assert 'name="selected"' not in html
    assert len(body_rows(html)) == 2


# session, user, project, count, workflow, saved filters, states, members, the page's rows
LIST_QUERIES = 9


def test_a_page_of_1000_rows_runs_as_many_queries_as_a_page_of_25(
    team: Team, django_assert_num_queries
) -> None:
    release_of(team, 1000)
    client = team.client(team.manager)
    client.get("/projects/PAY/items/")
    with django_assert_num_queries(LIST_QUERIES):
        client.get("/projects/PAY/items/")
    with django_assert_num_queries(LIST_QUERIES):
        client.get("/projects/PAY/items/", {"per_page": 1000})


def test_an_empty_list_says_so(team: Team):
    html = team.client(team.viewer).get("/projects/PAY/items/").text

    assert "No items." in html


# --- Saved filters ------------------------------------------------------------------------


def save(team: Team, user, name: str, query: str = "kind=bug&page=3"):
    return team.client(user).post("/projects/PAY/items/filters/", {"name": name, "query": query})


def test_a_user_saves_the_current_view_and_finds_it_on_the_list(team: Team):
    response = save(team, team.viewer, "My bugs")

    assert response.status_code == 302
    assert response["Location"] == "/projects/PAY/items/?kind=bug"
    saved = SavedFilter.objects.get()
    assert (saved.user, saved.project, saved.query) == (team.viewer, team.project, "kind=bug")
    html = team.client(team.viewer).get("/projects/PAY/items/").text
    assert '<a href="/projects/PAY/items/?kind=bug">My bugs</a>' in html


def test_a_user_sees_only_their_own_saved_filters(team: Team):
    save(team, team.viewer, "Viewer's")

    html = team.client(team.developer).get("/projects/PAY/items/").text

    assert "Viewer&#x27;s" not in html
    assert "Viewer's" not in html


def test_the_same_name_twice_is_refused_with_409(team: Team):
    save(team, team.viewer, "Mine")
    response = save(team, team.viewer, "Mine", "kind=feature")

    assert response.status_code == 409
    assert FILTER_NAME_TAKEN.format(name="Mine", code="PAY") in response.text
    assert SavedFilter.objects.get().query == "kind=bug"


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "This field is required."), ("x" * 81, "at most 80 characters")],
)
def test_a_bad_name_is_refused_with_400_and_nothing_is_saved(team: Team, name: str, message):
    response = save(team, team.viewer, name)

    assert response.status_code == 400
    assert message in response.text
    assert not SavedFilter.objects.exists()


def test_an_over_long_query_is_refused_with_400(team: Team):
    response = save(team, team.viewer, "Long", "q=" + "x" * 2000)

    assert response.status_code == 400
    assert not SavedFilter.objects.exists()


def test_a_user_deletes_their_saved_filter(team: Team):
    save(team, team.viewer, "Mine")
    saved = SavedFilter.objects.get()

    response = team.client(team.viewer).post(f"/projects/PAY/items/filters/{saved.pk}/delete/")

    assert response.status_code == 302
    assert not SavedFilter.objects.exists()


def test_another_users_saved_filter_is_not_found_and_stays(team: Team):
    save(team, team.viewer, "Mine")
    saved = SavedFilter.objects.get()

    response = team.client(team.developer).post(f"/projects/PAY/items/filters/{saved.pk}/delete/")

    assert response.status_code == 404
    assert FILTER_NOT_FOUND.format(code="PAY") in response.text or response.status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()


def test_a_saved_filter_of_another_release_is_not_found_here(team: Team):
    other = ProjectFactory(code="OPS", release_manager=team.manager)
    saved = SavedFilter.objects.create(user=team.manager, project=other, name="Ops", query="")

    response = team.client(team.manager).post(f"/projects/PAY/items/filters/{saved.pk}/delete/")

    assert response.status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()


def test_an_outsider_cannot_save_a_filter_in_a_release_they_cannot_see(team: Team):
    response = save(team, team.outsider, "Peek")

    assert response.status_code == 404
    assert not SavedFilter.objects.exists()


def test_saving_a_filter_needs_a_post(team: Team):
    response = team.client(team.viewer).get("/projects/PAY/items/filters/")

    assert response.status_code == 405
