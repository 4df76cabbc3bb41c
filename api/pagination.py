"""Cursor pagination whose cursors are checked: a forged or stale cursor is a 400, never a
database error."""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from projects.converters import ItemNumberConverter, ProjectCodeConverter

BAD_CURSOR = _("That cursor is not valid; start again from the first page.")
PAGE_MAX = 100


class CheckedCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = PAGE_MAX
    position_pattern: re.Pattern

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [BAD_CURSOR]}) from None
        position = cursor.position if cursor else None
        if position is not None and not self.position_pattern.fullmatch(position):
            raise ValidationError({self.cursor_query_param: [BAD_CURSOR]})
        return cursor


class ItemCursorPagination(CheckedCursorPagination):
    """A release's items by number: stable while items move between states."""

    ordering = "number"
    position_pattern = re.compile(ItemNumberConverter.regex)


class ReleaseCursorPagination(CheckedCursorPagination):
    ordering = "code"
    position_pattern = re.compile(ProjectCodeConverter.regex)
