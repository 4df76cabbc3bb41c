"""The segregation-of-duties checks a vote or sign-off stores (`sod_checks`), said in the
reader's language.

They are stored in English for the auditor (the evidence pack repeats them as sealed); their
texts are marked with gettext_noop where they are written (approvals.services, qa.services), so
a page translates each stored check. A text the catalogue does not know (an older wording)
shows unchanged."""

from django.utils.translation import gettext

SEPARATOR = ", "  # how approvals.services joins the checks a vote passed


def sod_checks_said(stored: str) -> str:
    """`stored` ("not the author, not the assignee") in the reader's language."""
    # gettext("") would answer the catalogue's header: an empty part stays empty.
    return SEPARATOR.join(gettext(part) if part else part for part in stored.split(SEPARATOR))
