"""Comment, attach, download, remove: each view checks access, calls one service or selector,
and answers a refusal with the item page, its message and its status."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from conversation import services
from conversation.forms import AttachmentForm, AttachmentRemoveForm, CommentForm
from conversation.rules import conversation_require_write
from conversation.selectors import attachment_for_download
from conversation.uploads import UploadRefused, attachment_max_bytes, too_large
from items.engine import EngineError
from items.views import form_error, item_or_404, render_item_page
from projects.access import Access, project_access

# Room for the form's other fields and the multipart framing around the file.
_MULTIPART_OVERHEAD = 64 * 1024


def _refused(
    request: HttpRequest, access: Access, number: int, message: str, status: int
) -> HttpResponse:
    messages.error(request, message)
    return render_item_page(request, access, item_or_404(access, number), status=status)


def _back(access: Access, number: int) -> HttpResponse:
    url = reverse("items:detail", kwargs={"code": access.project.code, "number": number})
    return redirect(f"{url}#conversation")


@require_POST
def comment_add(request: HttpRequest, code: str, number: int) -> HttpResponse:
    access = project_access(user=request.user, code=code)
    conversation_require_write(access=access)  # 403 before the body is even looked at
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _refused(request, access, number, form_error(form), 400)
    try:
        services.comment_add(access=access, number=number, body=form.cleaned_data["body"])
    except EngineError as error:
        return _refused(request, access, number, error.message, error.status_code)
    messages.success(request, _("Your comment is added."))
    return _back(access, number)


@require_POST
def attachment_add(request: HttpRequest, code: str, number: int) -> HttpResponse:
    access = project_access(user=request.user, code=code)
    conversation_require_write(access=access)
    limit = attachment_max_bytes()
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > limit + _MULTIPART_OVERHEAD:
        # Refused before Django reads (and spools) the body.
        message = too_large(name=_("The upload"), size=length, limit=limit)
        return _refused(request, access, number, message, 413)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _refused(request, access, number, form_error(form), 400)
    try:
        attachment = services.attachment_add(
            access=access, number=number, upload=form.cleaned_data["file"]
        )
    except (EngineError, UploadRefused) as error:
        return _refused(request, access, number, error.message, error.status_code)
    messages.success(request, _("“%(name)s” is attached.") % {"name": attachment.name})
    return _back(access, number)


@require_POST
def attachment_remove(request: HttpRequest, code: str, number: int, pk: int) -> HttpResponse:
    access = project_access(user=request.user, code=code)
    conversation_require_write(access=access)
    form = AttachmentRemoveForm(request.POST)
    if not form.is_valid():
        return _refused(request, access, number, form_error(form), 400)
    try:
        name = services.attachment_remove(
            access=access, number=number, attachment_id=pk, reason=form.cleaned_data["reason"]
        )
    except EngineError as error:
        return _refused(request, access, number, error.message, error.status_code)
    messages.success(
        request, _("“%(name)s” is removed; the journal keeps its name and digest.") % {"name": name}
    )
    return _back(access, number)


@require_GET
def attachment_download(request: HttpRequest, code: str, number: int, pk: int) -> HttpResponse:
    """Always a download, with the type it was accepted as and nosniff: never rendered by the
    browser as a page of the portal."""
    access = project_access(user=request.user, code=code)
    attachment = attachment_for_download(
        item_project_id=access.project.pk, number=number, attachment_id=pk
    )
    if attachment is None:
        raise Http404(services.ATTACHMENT_NOT_FOUND.format(key=f"{code}-{number}"))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(services.ATTACHMENT_NOT_FOUND.format(key=f"{code}-{number}")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
