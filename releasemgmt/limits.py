"""How long free text may be, in one place: the models carry these as max_length (so the
admin's forms enforce them too), the portal's forms enforce them and say them.

Unlimited text let one item page grow to megabytes; these leave room for any real description
or test procedure. The database columns stay `text`: the limits are a form rule, changeable
without rewriting tables.
"""

DESCRIPTION_MAX = 20_000  # a release item's or a release project's description
TEST_STEPS_MAX = 10_000  # a test case's steps
EXPECTED_RESULT_MAX = 10_000  # a test case's expected result
COMMENT_MAX = 2_000  # a comment, reason or note on a move, a vote or a QA record


def at_most(limit: int) -> str:
    """The help text that says a limit."""
    return f"At most {limit:,} characters."
