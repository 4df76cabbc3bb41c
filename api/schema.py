"""The OpenAPI schema's conventions (drf-spectacular): every operation documents the problem
responses it can give, as `application/problem+json`."""

from http import HTTPStatus

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from api.problems import PROBLEM_JSON
from api.serializers import ProblemSerializer
from projects.converters import ProjectCodeConverter

# What any operation may answer: bad input, no or a bad token, refused, not found (also a
# release the caller is no member of), a method it does not have, an Accept it cannot serve,
# a body too large or not JSON, and too many requests.
COMMON_PROBLEMS = (400, 401, 403, 404, 405, 406, 413, 415, 429)


class ApiSchema(AutoSchema):
    def get_description(self) -> str:
        # The view's own docstring only: not the base class's, which is about plumbing.
        action = getattr(self.view, self.method.lower(), None)
        return (
            getattr(action, "__doc__", None) or type(self.view).__dict__.get("__doc__") or ""
        ).strip()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        statuses = COMMON_PROBLEMS + tuple(getattr(self.view, "extra_problems", ()))
        for status in statuses:
            problem = self._get_response_for_code(
                ProblemSerializer, str(status), [PROBLEM_JSON], direction
            )
            problem["description"] = f"{HTTPStatus(status).phrase}: problem details (RFC 9457)."
            responses.setdefault(str(status), problem)
        return responses


CODE = OpenApiParameter(
    "code",
    str,
    OpenApiParameter.PATH,
    pattern=f"^{ProjectCodeConverter.regex}$",
    description="The release's code, e.g. PAY.",
)
# The URL converters' range (projects.converters: up to nine digits).
BOUNDED_ID = {"type": "integer", "minimum": 1, "maximum": 999_999_999}
NUMBER = OpenApiParameter(
    "number",
    BOUNDED_ID,
    OpenApiParameter.PATH,
    description="The item's number in the release (PAY-12: 12).",
)
CASE_ID = OpenApiParameter(
    "case_id", BOUNDED_ID, OpenApiParameter.PATH, description="A test case's id."
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,  # documented as optional so that its absence (428) is tested too
    description='The item\'s ETag as read, e.g. "3". Required: 428 without it, 412 when stale.',
)
ETAG_HEADER = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description='The item\'s version, e.g. "3": send it back in If-Match to change the item.',
)
