import json

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from evidence.selectors import seal_export, seal_latest
from projects.selectors import user_sees_every_release

ONLY_SUPERUSERS = gettext_noop("Only administrators and auditors can export the journal's seal.")


@require_GET
def seal_json(request: HttpRequest) -> HttpResponse:
    """The latest seal (digest, root, signature) and the public key, to keep outside the
    database: a later journal_verify --expect DIGEST proves nothing before it was rewritten."""
    if not user_sees_every_release(user=request.user):
        raise PermissionDenied(_(ONLY_SUPERUSERS))
    document = seal_export(seal=seal_latest())
    number = document["seal"]["number"] if document["seal"] else 0
    response = HttpResponse(json.dumps(document, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="journal-seal-{number}.json"'
    return response
