"""My work, its badge and the search: what waits for each role, and nothing of releases the
reader may not see."""

import pytest
from django.test import Client

from approvals.models import ReleaseApproval, Vote
from items.models import ReleaseStatus
from items.rules import rule_seed_defaults
from projects.models import Lifecycle
from projects.roles import Role
from qa.models import QASignoff
from tests.conftest import Team
from tests.factories import ItemFactory, MemberFactory, ProjectFactory, UserFactory
from workplace.selectors import SEARCH_PER_PAGE, SEARCH_TOO_LONG, my_work

DEVELOPING, REVIEW, ACCEPTANCE, CLOSED = 4500, 4540, 4570, 4595

DASH = "\N{EN DASH}"  # as the pager writes its ranges


@pytest.fixture
def work(team: Team) -> Team:
    """A hand-built set: the default rules; the developer's items in several states, one of
    them moved by the developer into review (owing a vote), one in acceptance (owing QA), one
    closed; a release in planning owing the approver's release approval; an item elsewhere."""
    rule_seed_defaults()
    state = {s.id: s for s in ReleaseStatus.objects.all()}
    dev = team.developer
    team.item(number=1, title="Card payments", assignee=dev, status=state[DEVELOPING])
    team.item(
        number=2,
        title="Refund flow",
        assignee=dev,
        status=state[REVIEW],
        state_entered_by=dev,
        created_by=dev,
    )
    team.item(
        number=3,
        title="Invoice PDF",
        assignee=dev,
        status=state[ACCEPTANCE],
        state_entered_by=team.manager,
        external_key="JIRA-77",
    )
    team.item(number=4, title="Closed one", assignee=dev, status=state[CLOSED])
    team.project.lifecycle = Lifecycle.PLANNING
    team.project.release_approvals_required = 1
    team.project.save()
    # A release the team does not belong to: its items never show.
    secret = ProjectFactory(code="SEC", name="Secret", release_manager=UserFactory())
    ItemFactory(project=secret, number=1, title="Refund secret", assignee=dev)
    return team


def test_a_developer_sees_their_open_items_and_their_moves_waiting_for_others(work: Team):
    mine = my_work(user=work.developer)

    assert [i.key for i in mine.items] == ["PAY-1", "PAY-2", "PAY-3"]
    assert [i.key for i in mine.waiting] == ["PAY-2"]
    assert mine.approvals == mine.qa == mine.releases == []
    assert mine.owed == 0


def test_an_approver_owes_the_vote_on_a_move_and_the_release_approval(work: Team):
    mine = my_work(user=work.approver)

    assert [i.key for i in mine.approvals] == ["PAY-2"]
    assert [p.code for p in mine.releases] == ["PAY"]
    assert mine.owed == 2


def test_a_release_approval_given_is_no_longer_owed(work: Team):
    ReleaseApproval.objects.create(project=work.project, approver=work.approver, vote=Vote.APPROVE)

    assert my_work(user=work.approver).releases == []


def test_a_qa_tester_owes_the_sign_off_until_they_give_it(work: Team):
    assert [i.key for i in my_work(user=work.qa).qa] == ["PAY-3"]

    item = work.project.items.get(number=3)
    QASignoff.objects.create(item=item, round=item.round, tester=work.qa)

    assert my_work(user=work.qa).qa == []


def test_a_qa_tester_owes_no_sign_off_on_what_they_implemented(work: Team):
    work.project.items.filter(number=3).update(assignee=work.qa)

    assert my_work(user=work.qa).qa == []


def test_an_approver_who_manages_the_release_owes_no_approval_of_it(work: Team):
    work.project.release_manager = work.approver
    work.project.save()

    assert my_work(user=work.approver).releases == []


def test_an_outsider_has_no_work_in_releases_they_cannot_see(work: Team):
    mine = my_work(user=work.outsider)

    assert (mine.items, mine.approvals, mine.qa, mine.waiting, mine.releases) == ([],) * 5


def test_the_my_work_page_lists_every_section(work: Team):
    page = work.client(work.approver).get("/my-work/")

    assert page.status_code == 200
    for heading in ("Approvals I owe", "QA I owe", "My items", "My requests waiting for others"):
        assert heading in page.text
    assert "PAY-2" in page.text
    assert "Refund secret" not in page.text


def test_a_german_reader_sees_my_work_in_german(work: Team):
    client = work.client(work.approver)
    page = client.get("/my-work/", HTTP_ACCEPT_LANGUAGE="de")

    assert page.status_code == 200
    assert "<h1>Meine Arbeit</h1>" in page.text
    assert "Genehmigungen, die ich schulde" in page.text


def test_the_badge_counts_what_others_wait_for(work: Team):
    badge = work.client(work.approver).get("/my-work/badge/")

    assert badge.status_code == 200
    assert '<span class="count nav-count" id="my-work-count">2<' in badge.text


def test_the_badge_is_empty_when_nothing_is_owed(work: Team):
    badge = work.client(work.viewer).get("/my-work/badge/")

    assert "nav-count" not in badge.text


def test_every_page_with_the_header_links_my_work_and_loads_its_badge_afterwards(work: Team):
    page = work.client(work.developer).get("/projects/")

    assert 'href="/my-work/"' in page.text
    assert 'data-hx-get="/my-work/badge/"' in page.text
    assert 'role="search"' in page.text


# Queries of My work and its badge, in order; the same with ten times the data.
MY_WORK_QUERIES = [
    "the session",
    "the logged-in user",
    "the user's roles in each release",
    "whether the states and rules in memory are current",
    "my open items",
    "the rules that need approvals",
    "the items waiting for my vote",
    "the emergency moves owing my vote",
    "the releases waiting for my release approval",
    "the items owing my QA sign-off",
    "my moves waiting for others",
]


def _approver_and_tester(work: Team) -> Client:
    other = ProjectFactory(code="OPS", name="Ops", release_manager=work.manager)
    MemberFactory(project=other, user=work.approver, role=Role.QA_TESTER)
    return work.client(work.approver)


@pytest.mark.parametrize("url", ["/my-work/", "/my-work/badge/"])
def test_my_work_runs_a_fixed_number_of_queries_whatever_the_data(
    work: Team, url: str, django_assert_num_queries
) -> None:
    client = _approver_and_tester(work)
    client.get(url)  # the process loads the states and rules it keeps in memory once
    with django_assert_num_queries(len(MY_WORK_QUERIES)):
        assert client.get(url).status_code == 200
    review = ReleaseStatus.objects.get(pk=REVIEW)
    for number in range(10, 40):
        work.item(number=number, assignee=work.approver, status=review, state_entered_by=work.qa)
    with django_assert_num_queries(len(MY_WORK_QUERIES)):
        assert client.get(url).status_code == 200


# --- Search and jump to a key -------------------------------------------------------------


@pytest.mark.parametrize("typed", ["PAY-2", "pay-2", " Pay-2 "])
def test_a_key_in_any_case_jumps_straight_to_the_item(work: Team, typed: str):
    response = work.client(work.viewer).get("/search/", {"q": typed})

    assert response.status_code == 302
    assert response["Location"] == "/projects/PAY/items/2/"


def test_a_key_of_a_release_the_user_cannot_see_is_not_found_and_leaks_nothing(work: Team):
    response = work.client(work.developer).get("/search/", {"q": "SEC-1"})

    assert response.status_code == 200
    assert "No item you may see matches “SEC-1”" in response.text
    assert "Refund secret" not in response.text


def test_a_key_that_does_not_exist_answers_like_one_the_user_cannot_see(work: Team):
    client = work.client(work.developer)
    hidden = client.get("/search/", {"q": "SEC-1"}).text.split('<main id="main">')[1]
    missing = client.get("/search/", {"q": "SEC-9"}).text.split('<main id="main">')[1]

    assert hidden.replace("SEC-1", "SEC-9") == missing


def test_the_search_finds_titles_external_keys_and_change_keys_in_visible_releases(work: Team):
    client = work.client(work.developer)
    refund = client.get("/search/", {"q": "refund"}).text
    external = client.get("/search/", {"q": "jira-77"}).text
    change = work.project.items.get(number=1).change
    by_change = client.get("/search/", {"q": change.key.lower()}).text

    assert "PAY-2" in refund
    assert "Refund secret" not in refund
    assert "SEC-1" not in refund
    assert "PAY-3" in external
    assert "PAY-1" in by_change


def test_an_administrator_finds_every_release(work: Team):
    found = work.client(work.admin).get("/search/", {"q": "refund"}).text

    assert "PAY-2" in found
    assert "SEC-1" in found


def test_an_empty_search_shows_the_form(work: Team):
    response = work.client(work.developer).get("/search/", {"q": "  "})

    assert response.status_code == 200
    assert 'id="search-page-q"' in response.text


def test_an_over_long_search_is_refused_with_400_and_a_message(work: Team):
    response = work.client(work.developer).get("/search/", {"q": "x" * 201})

    assert response.status_code == 400
    assert "at most 200 characters" in response.text
    assert SEARCH_TOO_LONG  # the limit is one constant, shared with the form


def test_search_results_are_paged_with_counts(work: Team):
    for number in range(10, 10 + SEARCH_PER_PAGE + 5):
        work.item(number=number, title=f"Refund step {number}")
    first = work.client(work.developer).get("/search/", {"q": "refund step"}).text
    second = work.client(work.developer).get("/search/", {"q": "refund step", "page": 2}).text

    assert f"1{DASH}{SEARCH_PER_PAGE} of {SEARCH_PER_PAGE + 5} items" in first
    assert 'rel="next"' in first
    assert f"{SEARCH_PER_PAGE + 1}{DASH}{SEARCH_PER_PAGE + 5} of" in second


def test_the_search_runs_a_fixed_number_of_queries(work: Team, django_assert_num_queries):
    client = work.client(work.developer)
    client.get("/search/", {"q": "SEC-1"})  # the first request opens the session
    # session, user, the count, the page
    with django_assert_num_queries(4):
        client.get("/search/", {"q": "refund"})
    # session, user, the key's lookup, the count (nothing found: no page to read)
    with django_assert_num_queries(4):
        client.get("/search/", {"q": "SEC-1"})
    for number in range(10, 60):
        work.item(number=number, title=f"Refund {number}")
    with django_assert_num_queries(4):
        client.get("/search/", {"q": "refund"})


# --- Breadcrumbs --------------------------------------------------------------------------


def test_an_item_page_shows_the_way_back_to_its_release_and_list(work: Team):
    html = work.client(work.viewer).get("/projects/PAY/items/2/").text

    trail = html.split('<nav class="breadcrumbs" aria-label="Breadcrumb">', 1)[1].split("</nav>")[0]
    assert '<a href="/projects/">Release projects</a>' in trail
    assert '<a href="/projects/PAY/">PAY</a>' in trail
    assert '<a href="/projects/PAY/items/">Items</a>' in trail
    assert '<a href="/projects/PAY/items/2/" aria-current="page">PAY-2</a>' in trail


def test_every_release_page_shows_the_release_in_the_breadcrumbs(work: Team):
    html = work.client(work.viewer).get("/projects/PAY/journal/").text

    assert '<nav class="breadcrumbs" aria-label="Breadcrumb">' in html
    assert '<a href="/projects/PAY/">PAY</a>' in html
