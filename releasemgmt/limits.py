"""How long free text may be, in one place: the models carry these as max_length (so the
admin's forms enforce them too), the portal's forms enforce them and say them.

Unlimited text let one item page grow to megabytes; these leave room for any real description
or test procedure. The database columns stay `text`: the limits are a form rule, changeable
without rewriting tables.
"""

from django.utils.formats import get_format, number_format
from django.utils.functional import Promise, lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext

DESCRIPTION_MAX = 20_000  # a release item's or a release project's description
TEST_STEPS_MAX = 10_000  # a test case's steps
EXPECTED_RESULT_MAX = 10_000  # a test case's expected result
COMMENT_MAX = 2_000  # a comment, reason or note on a move, a vote or a QA record


def _at_most_text(limit: int) -> str:
    # The reader's thousands separator: "20,000" in English, "20.000" in German (the migrations
    # state the English text: makemigrations runs with no language, where this gives ",").
    grouped = f"{limit:,}".replace(",", get_format("THOUSAND_SEPARATOR"))
    return gettext("At most {limit} characters.").format(limit=grouped)


_at_most = lazy(_at_most_text, str)


def grouped(number: int) -> str:
    """`number` with the reader's thousands separator: "1,000" in English, "1.000" in German."""
    return number_format(number, force_grouping=True)


# For texts built at import time (form help texts, module constants): grouped when shown.
grouped_lazy = lazy(grouped, str)


class _AtMost(type(_at_most(0))):
    """The lazy help text, whose concatenations stay lazy too: models add it to their own help
    texts at import time, before any language can be looked up."""

    def __add__(self, other: object) -> Promise:
        return format_lazy("{}{}", self, other)

    def __radd__(self, other: object) -> Promise:
        return format_lazy("{}{}", other, self)


def at_most(limit: int) -> Promise:
    """The help text that says a limit, in the reader's language when it is shown."""
    return _AtMost((limit,), {})
