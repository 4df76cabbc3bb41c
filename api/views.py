"""The REST API, /api/v1/. Views parse the request, ask the portal's access rule and call one
service or selector; refusals are the services' own, turned into problem details
(api.problems). Every request made with a token is journaled (ApiView.finalize_response)."""

import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from api import selectors
from api.models import ApiToken
from api.pagination import ItemCursorPagination, ReleaseCursorPagination
from api.problems import IF_MATCH_ONE, PreconditionFailed, PreconditionRequired
from api.schema import CASE_ID, CODE, ETAG_HEADER, IF_MATCH, NUMBER
from api.serializers import (
    ItemFilterSerializer,
    ItemSerializer,
    ItemWriteSerializer,
    JournalPageSerializer,
    JournalQuerySerializer,
    MemberSerializer,
    MoveResultSerializer,
    MoveSerializer,
    QARecordsSerializer,
    ReleaseSerializer,
    ReorderResultSerializer,
    ReorderSerializer,
    RuleSerializer,
    StateSerializer,
    TestCaseSerializer,
    TestCaseWriteSerializer,
    TestRunSerializer,
    TestRunWriteSerializer,
    VoteSerializer,
    VoteWriteSerializer,
)
from api.services import token_use_record
from approvals import services as approval_services
from items import engine, services
from items.engine import StaleItem
from items.models import ReleaseItem
from items.selectors import item_for_project, project_member_users
from items.workflow import workflow_current
from journal.selectors import (
    ITEM_SOURCES,
    PROJECT_SOURCES,
    BadCursor,
    JournalQuery,
    item_history_identity,
    journal_entries,
    parse_cursor,
)
from journal.views import NO_SUCH_ITEM
from projects.access import READ_ONLY, Access, project_access
from projects.roles import EDIT_ITEMS, MOVE, Role
from qa import services as qa_services
from releasemgmt.client_ip import client_ip_address

# An ETag is the item's version in quotes: a strong validator (RFC 9110 §8.8.3).
ETAG = re.compile(r'"([1-9][0-9]{0,8})"')


class TokenJournal:
    """Signed in by token (or the session, CSRF checked), not by the login page's redirect;
    every request made with a token, granted or refused, leaves a journal row."""

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        view.login_required = False  # LoginRequiredMiddleware: authentication is DRF's here
        return view

    def finalize_response(self, request: Request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # What a user may read is theirs: no shared cache keeps it.
        patch_cache_control(response, private=True, no_store=True)
        token = getattr(request, "_auth", None)
        if not isinstance(token, ApiToken):
            token = getattr(request._request, "api_token_tried", None)
        if token is not None:
            token_use_record(
                token=token,
                method=request.method,
                path=request.path,
                status=response.status_code,
                ip_address=client_ip_address(request._request),
            )
        return response


class ApiView(TokenJournal, APIView):
    pass


class ApiListView(TokenJournal, generics.GenericAPIView):
    pass


class SchemaView(TokenJournal, SpectacularAPIView):
    """The OpenAPI 3 schema of this API (YAML, or JSON with ?format=json). In English whatever
    the caller's Accept-Language: generated clients must not change with who fetched it."""

    def dispatch(self, request, *args, **kwargs) -> Response:
        with translation.override("en"):
            response = super().dispatch(request, *args, **kwargs)
            response.render()  # lazy labels turn into text while English is active
        return response


def etag(item: ReleaseItem) -> str:
    return f'"{item.version}"'


def expected_version(request: Request) -> int:
    """The version named by If-Match, which item writes require (RFC 9110 §13.1.1). Compared
    by the service under the item's row lock: a mismatch there is 412."""
    value = request.headers.get("If-Match", "").strip()
    if not value or value == "*":
        raise PreconditionRequired()
    if "," in value:
        raise PreconditionFailed(IF_MATCH_ONE)
    match = ETAG.fullmatch(value)
    if match is None:  # a weak or foreign tag never matches (strong comparison)
        raise PreconditionFailed(PreconditionFailed.default_detail)
    return int(match[1])


def item_response(item: ReleaseItem, serializer_class=ItemSerializer, **kwargs) -> Response:
    response = Response(serializer_class(item).data, **kwargs)
    response["ETag"] = etag(item)
    return response


def item_or_404(access: Access, number: int) -> ReleaseItem:
    item = item_for_project(project=access.project, number=number)
    if item is None:
        raise Http404(gettext(engine.ITEM_NOT_FOUND).format(code=access.project.code))
    return item


def stale_is_412(call):
    """Run a versioned write; the engine's "changed since" is the failed If-Match."""
    try:
        return call()
    except StaleItem as error:
        raise PreconditionFailed(error.message) from None


def valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def item_record_create(
    *,
    access: Access,
    number: int,
    data: Any,
    body: type[Serializer],
    write: Callable[[Access, ReleaseItem, dict], Any],
    answer: type[Serializer],
) -> Response:
    """A write that adds a record to an item (a vote, a test case, a run): the body checked
    (400), the item found (404), one service call whose refusals are its own (api.problems),
    then 201 with the record as `answer` shows it. The view says only what differs."""
    fields = valid(body, data)
    item = item_or_404(access, number)
    record = write(access, item, fields)
    return Response(answer(record).data, status=status.HTTP_201_CREATED)


# --- Releases, states, rules, members ---------------------------------------------------------


class ReleasesView(ApiListView):
    pagination_class = ReleaseCursorPagination

    @extend_schema(responses=ReleaseSerializer(many=True), summary="Releases you can see")
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.releases_for_user(user=request.user))
        return self.get_paginated_response(ReleaseSerializer(page, many=True).data)


class ReleaseView(ApiView):
    @extend_schema(parameters=[CODE], responses=ReleaseSerializer, summary="One release")
    def get(self, request: Request, code: str) -> Response:
        access = project_access(user=request.user, code=code)
        release = selectors.releases_for_user(user=request.user).get(pk=access.project.pk)
        return Response(ReleaseSerializer(release).data)


class MembersView(ApiView):
    @extend_schema(
        parameters=[CODE], responses=MemberSerializer(many=True), summary="A release's members"
    )
    def get(self, request: Request, code: str) -> Response:
        access = project_access(user=request.user, code=code)
        members = selectors.members_of(project=access.project)
        return Response(MemberSerializer(members, many=True).data)


class StatesView(ApiView):
    @extend_schema(responses=StateSerializer(many=True), summary="Release states, in board order")
    def get(self, request: Request) -> Response:
        return Response(StateSerializer(workflow_current().states, many=True).data)


class RulesView(ApiView):
    @extend_schema(responses=RuleSerializer(many=True), summary="Transition rules")
    def get(self, request: Request) -> Response:
        return Response(RuleSerializer(workflow_current().rules, many=True).data)


# --- Items -------------------------------------------------------------------------------------


class ItemsView(ApiListView):
    pagination_class = ItemCursorPagination

    @extend_schema(
        parameters=[CODE, ItemFilterSerializer],
        responses=ItemSerializer(many=True),
        summary="A release's items",
    )
    def get(self, request: Request, code: str) -> Response:
        access = project_access(user=request.user, code=code)
        filters = valid(ItemFilterSerializer, request.query_params)
        items = selectors.items_filtered(project=access.project, **filters)
        page = self.paginate_queryset(items)
        return self.get_paginated_response(ItemSerializer(page, many=True).data)

    @extend_schema(
        parameters=[CODE, ETAG_HEADER],
        request=ItemWriteSerializer,
        responses={201: ItemSerializer},
        summary="Add an item (a new change) to a release",
    )
    def post(self, request: Request, code: str) -> Response:
        access = project_access(user=request.user, code=code, right=EDIT_ITEMS)
        members = project_member_users(project=access.project)
        fields = valid(ItemWriteSerializer, request.data, members=members)
        created = services.item_create(access=access, fields=fields)
        item = item_or_404(access, created.number)
        response = item_response(item, status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(
            f"/api/v1/releases/{code}/items/{item.number}/"
        )
        return response


class ItemView(ApiView):
    extra_problems = (409, 412, 428)

    @extend_schema(
        parameters=[CODE, NUMBER, ETAG_HEADER], responses=ItemSerializer, summary="One item"
    )
    def get(self, request: Request, code: str, number: int) -> Response:
        access = project_access(user=request.user, code=code)
        return item_response(item_or_404(access, number))

    @extend_schema(
        parameters=[CODE, NUMBER, IF_MATCH, ETAG_HEADER],
        request=ItemWriteSerializer,
        responses=ItemSerializer,
        summary="Edit an item (If-Match required)",
    )
    def patch(self, request: Request, code: str, number: int) -> Response:
        access = project_access(user=request.user, code=code, right=EDIT_ITEMS)
        members = project_member_users(project=access.project)
        fields = valid(ItemWriteSerializer, request.data, members=members, partial=True)
        version = expected_version(request)
        item = item_or_404(access, number)
        stale_is_412(
            lambda: services.item_update(
                access=access, item_id=item.pk, expected_version=version, fields=fields
            )
        )
        return item_response(item_or_404(access, number))


class ItemMoveView(ApiView):
    extra_problems = (409, 412, 428)

    @extend_schema(
        parameters=[CODE, NUMBER, IF_MATCH, ETAG_HEADER],
        request=MoveSerializer,
        responses=MoveResultSerializer,
        summary="Move an item through the status engine (If-Match required)",
    )
    def post(self, request: Request, code: str, number: int) -> Response:
        access = project_access(user=request.user, code=code, right=MOVE)
        data = valid(MoveSerializer, request.data)
        version = expected_version(request)
        moved = stale_is_412(
            lambda: engine.item_move(
                access=access,
                number=number,
                expected_version=version,
                direction=data.get("direction"),
                to_status_id=data.get("to_state"),
                comment=data.get("comment", ""),
                emergency=data["emergency"],
            )
        )
        return item_response(moved, MoveResultSerializer)


class ItemReorderView(ApiView):
    extra_problems = (409, 412, 428)

    @extend_schema(
        parameters=[CODE, NUMBER, IF_MATCH, ETAG_HEADER],
        request=ReorderSerializer,
        responses=ReorderResultSerializer,
        summary="Move an item up or down in its column (If-Match required)",
    )
    def post(self, request: Request, code: str, number: int) -> Response:
        access = project_access(user=request.user, code=code, right=MOVE)
        data = valid(ReorderSerializer, request.data)
        version = expected_version(request)
        item = item_or_404(access, number)
        moved = stale_is_412(
            lambda: engine.item_reorder(
                access=access,
                item_id=item.pk,
                expected_version=version,
                shift=data["shift"],
                comment=data.get("comment", ""),
            )
        )
        return item_response(moved, ReorderResultSerializer)


# --- Approvals and QA ----------------------------------------------------------------------


class ItemVotesView(ApiView):
    extra_problems = (409,)

    @extend_schema(
        parameters=[CODE, NUMBER], responses=VoteSerializer(many=True), summary="Votes on an item"
    )
    def get(self, request: Request, code: str, number: int) -> Response:
        access = project_access(user=request.user, code=code)
        votes = selectors.votes_on(item=item_or_404(access, number))
        return Response(VoteSerializer(votes, many=True).data)

    @extend_schema(
        parameters=[CODE, NUMBER],
        request=VoteWriteSerializer,
        responses={201: VoteSerializer},
        summary="Approve or reject a move, for the item's current round",
    )
    def post(self, request: Request, code: str, number: int) -> Response:
        return item_record_create(
            access=project_access(user=request.user, code=code),
            number=number,
            data=request.data,
            body=VoteWriteSerializer,
            write=lambda access, item, data: approval_services.approval_vote(
                access=access,
                item_id=item.pk,
                to_state_id=data["to_state"],
                round=data["round"],
                vote=data["vote"],
                comment=data.get("comment", ""),
                from_state_id=data.get("from_state"),
            ),
            answer=VoteSerializer,
        )


def qa_access(request: Request, code: str) -> Access:
    """As the item page's QA forms (qa/views.py): approvers hold no project rights but decide
    acceptance, so only viewers are read-only here; the services check each role."""
    access = project_access(user=request.user, code=code)
    if not (access.can_write or access.role == Role.APPROVER):
        raise PermissionDenied(READ_ONLY)
    return access


class ItemQAView(ApiView):
    @extend_schema(
        parameters=[CODE, NUMBER],
        responses=QARecordsSerializer,
        summary="An item's test cases and runs, sign-offs and acceptance decisions",
    )
    def get(self, request: Request, code: str, number: int) -> Response:
        access = project_access(user=request.user, code=code)
        records = selectors.qa_records_of(item=item_or_404(access, number))
        return Response(QARecordsSerializer(records).data)


class TestCasesView(ApiView):
    @extend_schema(
        parameters=[CODE, NUMBER],
        request=TestCaseWriteSerializer,
        responses={201: TestCaseSerializer},
        summary="Add a test case to an item",
    )
    def post(self, request: Request, code: str, number: int) -> Response:
        return item_record_create(
            access=qa_access(request, code),
            number=number,
            data=request.data,
            body=TestCaseWriteSerializer,
            write=lambda access, item, data: qa_services.qa_case_add(
                access=access, item_id=item.pk, fields=data
            ),
            answer=TestCaseSerializer,
        )


class TestRunsView(ApiView):
    @extend_schema(
        parameters=[CODE, NUMBER, CASE_ID],
        request=TestRunWriteSerializer,
        responses={201: TestRunSerializer},
        summary="Record a test run (QA testers)",
    )
    def post(self, request: Request, code: str, number: int, case_id: int) -> Response:
        return item_record_create(
            access=qa_access(request, code),
            number=number,
            data=request.data,
            body=TestRunWriteSerializer,
            write=lambda access, item, data: qa_services.qa_run_record(
                access=access, item_id=item.pk, test_case_id=case_id, fields=data
            ),
            answer=TestRunSerializer,
        )


# --- The journal ---------------------------------------------------------------------------------


def journal_page(request: Request, **scope) -> Response:
    data = valid(JournalQuerySerializer, request.query_params)
    try:
        before = parse_cursor(data["before"]) if data.get("before") else None
    except BadCursor as error:
        raise ValidationError({"before": [str(error)]}) from None
    entries, has_more = journal_entries(query=JournalQuery(before=before), **scope)
    next_url = None
    if has_more:
        params = request.query_params.copy()
        params["before"] = entries[-1].cursor
        next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
    return Response(JournalPageSerializer({"results": entries, "next": next_url}).data)


class ReleaseJournalView(ApiView):
    @extend_schema(
        parameters=[CODE, JournalQuerySerializer],
        responses=JournalPageSerializer,
        summary="A release's journal, newest first",
    )
    def get(self, request: Request, code: str) -> Response:
        access = project_access(user=request.user, code=code)
        return journal_page(request, sources=PROJECT_SOURCES, project=access.project)


class ItemJournalView(ApiView):
    @extend_schema(
        parameters=[CODE, NUMBER, JournalQuerySerializer],
        responses=JournalPageSerializer,
        summary="An item's journal, newest first (also of a removed item)",
    )
    def get(self, request: Request, code: str, number: int) -> Response:
        access = project_access(user=request.user, code=code)
        identity = item_history_identity(project=access.project, number=number)
        if identity is None:
            raise Http404(gettext(NO_SUCH_ITEM))
        return journal_page(
            request, sources=ITEM_SOURCES, item_id=identity[0], project=access.project
        )
