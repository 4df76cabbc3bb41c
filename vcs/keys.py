"""Item keys named in commit messages and merge request titles, and the closing verbs.

A key is a project code (projects/converters.py: an uppercase letter, then 1-9 uppercase letters
or digits) and an item number: `PAY-12`. A closing reference is one of GitHub's closing
keywords (close, closes, closed, fix, fixes, fixed, resolve, resolves, resolved; any case),
an optional colon, then one key or several joined by commas or "and": "Fixes PAY-12",
"closes: PAY-12, PAY-14 and CRM-3".
"""

import re

# At most this many distinct keys are read from one message or title.
KEYS_PER_TEXT = 20

_KEY = r"\b([A-Z][A-Z0-9]{1,9})-([1-9][0-9]{0,8})\b"
KEY = re.compile(_KEY)
_KEY_NC = r"\b[A-Z][A-Z0-9]{1,9}-[1-9][0-9]{0,8}\b"
CLOSING = re.compile(
    r"\b(?P<verb>(?i:close[sd]?|fix(?:e[sd])?|resolve[sd]?))\b:?[ \t]+"
    rf"(?P<keys>{_KEY_NC}(?:[ \t]*(?:,|\band\b)[ \t]*{_KEY_NC})*)"
)

Key = tuple[str, int]


def item_keys(text: str) -> list[Key]:
    """The distinct keys `text` names, in order of first mention (at most KEYS_PER_TEXT)."""
    found: dict[Key, None] = {}
    for code, number in KEY.findall(text):
        found[(code, int(number))] = None
        if len(found) == KEYS_PER_TEXT:
            break
    return list(found)


def closing_keys(text: str) -> dict[Key, str]:
    """The keys `text` closes, each with the verb that closed it as written ("Fixes")."""
    closed: dict[Key, str] = {}
    for match in CLOSING.finditer(text):
        for code, number in KEY.findall(match.group("keys")):
            closed.setdefault((code, int(number)), match.group("verb"))
    return closed


def key_text(key: Key) -> str:
    return f"{key[0]}-{key[1]}"
