"""The portal's pages for the API: a user's tokens (create, list, revoke) and the API's
documentation, rendered on the server from the OpenAPI schema (no script: the CSP holds)."""

import json
from datetime import timedelta
from functools import cache

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from drf_spectacular.generators import SchemaGenerator

from api.forms import TokenForm
from api.selectors import token_uses_of, tokens_of
from api.services import token_create, token_revoke
from projects.converters import ItemNumberConverter

TOKEN_REVOKED = _("The token {label} was revoked: it is refused from now on.")


def _tokens_page(request: HttpRequest, form: TokenForm, *, secret: str = "", status=200):
    context = {
        "form": form,
        "tokens": tokens_of(user=request.user),
        "uses": token_uses_of(user=request.user),
        "secret": secret,
    }
    return render(request, "api/tokens.html", context, status=status)


@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _tokens_page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _tokens_page(request, form, status=400)
    data = form.cleaned_data
    try:
        _, secret = token_create(
            actor=request.user,
            user=request.user,
            name=data["name"],
            scope=data["scope"],
            expires_at=timezone.now() + timedelta(days=data["days"]),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _tokens_page(request, form, status=400)
    # Shown on this response only (never stored in a message or the session): only its
    # SHA-256 is kept.
    return _tokens_page(request, TokenForm(), secret=secret, status=201)


@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = token_revoke(actor=request.user, token_id=token_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _tokens_page(request, TokenForm(), status=409)
    messages.success(request, TOKEN_REVOKED.format(label=token.label))
    return redirect("api:tokens")


@cache
def _schema() -> dict:
    """The OpenAPI document, built once per process (it changes only with the code). In
    English whoever asks first: the schema's descriptions are English, and the choices' labels
    in its enum lists must not come out in the first reader's language for everyone after."""
    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        # Lazy texts (help texts) become English text now, not when the page shows them.
        return json.loads(json.dumps(schema, cls=DjangoJSONEncoder))


def _resolve(schema: dict, node: dict | None) -> dict:
    ref = (node or {}).get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return node or {}


def _fields(schema: dict, node: dict | None) -> list[dict]:
    body = _resolve(schema, node)
    if body.get("type") == "array":
        body = _resolve(schema, body.get("items"))
    required = set(body.get("required", []))
    fields = []
    for name, prop in body.get("properties", {}).items():
        resolved = _resolve(schema, prop) if "$ref" in prop else prop
        kind = resolved.get("type") or ("one of" if "enum" in resolved else "object")
        if "enum" in resolved:
            kind = f"{kind}: " + ", ".join(str(v) for v in resolved["enum"] if v is not None)
        fields.append(
            {
                "name": name,
                "type": kind,
                "required": name in required,
                "about": prop.get("description") or resolved.get("description", ""),
            }
        )
    return fields


@cache
def _operations() -> list[dict]:
    schema = _schema()
    found = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ok = next((c for c in op["responses"] if c.startswith("2")), None)
            answer = op["responses"].get(ok, {}).get("content", {}).get("application/json", {})
            found.append(
                {
                    "anchor": op["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "parameters": op.get("parameters", []),
                    "request": _fields(schema, body.get("schema")),
                    "ok": ok,
                    "answer": _fields(schema, answer.get("schema")),
                    "problems": sorted(c for c in op["responses"] if not c.startswith("2")),
                }
            )
    return found


@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    context = {
        "operations": _operations(),
        "number_pattern": ItemNumberConverter.regex,
    }
    return render(request, "api/docs.html", context)
