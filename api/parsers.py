"""JSON bodies within bounds: DRF's parser reads the request stream itself, past Django's
DATA_UPLOAD_MAX_MEMORY_SIZE check, and a deeply nested document exhausts the recursion limit."""

import io

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from releasemgmt.limits import grouped

TOO_LARGE = _("The request body is larger than {limit} bytes.")
TOO_DEEP = _("JSON parse error - the document is nested too deeply.")


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "payload_too_large"


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(TOO_LARGE.format(limit=grouped(limit)))
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(TOO_DEEP) from None
