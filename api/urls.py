from django.contrib.auth.decorators import login_not_required
from django.urls import path, re_path

from api import pages, views
from api.problems import problem_not_found

app_name = "api"


@login_not_required
def api_not_found(request, rest: str = ""):
    """Anything else under /api/: a problem, not the portal's HTML 404 page."""
    return problem_not_found(request)


V1 = "api/v1/"
ITEM = f"{V1}releases/<code:code>/items/<number:number>/"

urlpatterns = [
    path(
        "api/schema/",
        views.SchemaView.as_view(api_version="v1"),
        name="schema",
    ),
    path("api/docs/", pages.docs, name="docs"),
    path(f"{V1}releases/", views.ReleasesView.as_view(), name="releases"),
    path(f"{V1}releases/<code:code>/", views.ReleaseView.as_view(), name="release"),
    path(f"{V1}releases/<code:code>/members/", views.MembersView.as_view(), name="members"),
    path(f"{V1}releases/<code:code>/journal/", views.ReleaseJournalView.as_view(), name="journal"),
    path(f"{V1}releases/<code:code>/items/", views.ItemsView.as_view(), name="items"),
    path(ITEM, views.ItemView.as_view(), name="item"),
    path(f"{ITEM}move/", views.ItemMoveView.as_view(), name="item_move"),
    path(f"{ITEM}reorder/", views.ItemReorderView.as_view(), name="item_reorder"),
    path(f"{ITEM}approvals/", views.ItemVotesView.as_view(), name="item_votes"),
    path(f"{ITEM}qa/", views.ItemQAView.as_view(), name="item_qa"),
    path(f"{ITEM}test-cases/", views.TestCasesView.as_view(), name="test_cases"),
    path(
        f"{ITEM}test-cases/<number:case_id>/runs/",
        views.TestRunsView.as_view(),
        name="test_runs",
    ),
    path(f"{ITEM}journal/", views.ItemJournalView.as_view(), name="item_journal"),
    path(f"{V1}states/", views.StatesView.as_view(), name="states"),
    path(f"{V1}rules/", views.RulesView.as_view(), name="rules"),
    re_path(r"^api/v1/(?P<rest>.*)$", api_not_found, name="not_found"),
    # The portal's page for a user's own tokens.
    path("account/tokens/", pages.tokens, name="tokens"),
    path(
        "account/tokens/<number:token_id>/revoke/",
        pages.token_revoke_view,
        name="token_revoke",
    ),
]
