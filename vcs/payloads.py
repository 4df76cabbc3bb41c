"""The events we use, read from the payloads GitHub and GitLab document, into one shape.

GitHub: `push` and `pull_request` (docs.github.com "Webhook events and payloads"; examples in
octokit/webhooks payload-examples). GitLab: `Push Hook` and `Merge Request Hook`
(doc/user/project/integrations/webhook_events.md). A payload that is not shaped like its
event is refused (400) before anything is written.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from vcs.models import LinkKind, Provider

# At most this many commits of one push are read (GitHub sends up to 2048, GitLab 20).
COMMITS_PER_DELIVERY = 200
TITLE_MAX = 200
MESSAGE_MAX = 2_000
TEXT_MAX = 200

NOT_SHAPED = "The payload is not shaped like a {provider} “{event}” event: {problem}."

_url = URLValidator(schemes=["http", "https"])


class PayloadError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Reference:
    """One commit or merge request, as the provider described it."""

    kind: str
    ref: str
    title: str
    message: str  # the whole text scanned for keys (a commit's message, an MR's title+body)
    author: str
    url: str
    happened_at: datetime | None
    branch: str
    state: str
    # Whether its closing references request moves: a commit pushed to the default branch,
    # a merge request merged into it.
    closes: bool


@dataclass(frozen=True, slots=True)
class Event:
    repository: str
    references: list[Reference]
    truncated: bool = False


def _dict(value: Any, name: str) -> dict:
    if not isinstance(value, dict):
        raise PayloadError(f"“{name}” is not an object")
    return value


def _text(value: Any, *, limit: int = TEXT_MAX) -> str:
    # PostgreSQL text cannot hold NUL characters: a signed payload with one is still no 500.
    return value.replace("\x00", "")[:limit] if isinstance(value, str) else ""


def _required(container: dict, name: str, *, limit: int = TEXT_MAX) -> str:
    value = container.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.replace("\x00", "").strip():
        raise PayloadError(f"“{name}” is missing")
    return value.replace("\x00", "").strip()[:limit]


def _safe_url(value: Any) -> str:
    """Only http(s) URLs are kept: the item page links them."""
    if not isinstance(value, str) or len(value) > 500:
        return ""
    try:
        _url(value)
    except ValidationError:
        return ""
    return value


def _when(value: Any) -> datetime | None:
    """ISO 8601 (both), or GitLab's older "2013-12-03 17:23:34 UTC"; anything else: unknown."""
    if not isinstance(value, str):
        return None
    text = value.strip().removesuffix(" UTC")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # "0001-01-01T00:00:00+14:00" is before the first representable UTC
        return None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:TITLE_MAX] if text.strip() else ""


def _branch(ref: str) -> str:
    return ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else ""


def _commits(
    payload: dict, *, branch: str, closes: bool, author_of: Callable[[dict], str]
) -> tuple[list[Reference], bool]:
    commits = payload.get("commits") or []
    if not isinstance(commits, list):
        raise PayloadError("“commits” is not a list")
    references = []
    for commit in commits[:COMMITS_PER_DELIVERY]:
        commit = _dict(commit, "commits[]")
        message = _text(commit.get("message"), limit=MESSAGE_MAX)
        references.append(
            Reference(
                kind=LinkKind.COMMIT,
                ref=_required(commit, "id", limit=64),
                title=_first_line(message),
                message=message,
                author=author_of(commit),
                url=_safe_url(commit.get("url")),
                happened_at=_when(commit.get("timestamp")),
                branch=branch,
                state="",
                closes=closes,
            )
        )
    return references, len(commits) > COMMITS_PER_DELIVERY


def _person(name: str, username: str) -> str:
    """ "Mona Lisa (monalisa)", or whichever of the two is known; at most TEXT_MAX long."""
    both = f"{name} ({username})" if name and username and name != username else ""
    return (both or name or username)[:TEXT_MAX]


def _commit_author(commit: dict) -> str:
    author = commit.get("author") if isinstance(commit.get("author"), dict) else {}
    return _person(_text(author.get("name")), _text(author.get("username")))


def github_push(payload: dict) -> Event:
    repository = _dict(payload.get("repository"), "repository")
    branch = _branch(_text(payload.get("ref")))
    default = _text(repository.get("default_branch")) or _text(repository.get("master_branch"))
    if payload.get("deleted") is True:
        return Event(repository=_required(repository, "full_name"), references=[])
    references, truncated = _commits(
        payload,
        branch=branch,
        closes=bool(branch) and branch == default,
        author_of=_commit_author,
    )
    return Event(_required(repository, "full_name"), references, truncated)


def github_pull_request(payload: dict) -> Event:
    repository = _dict(payload.get("repository"), "repository")
    pull = _dict(payload.get("pull_request"), "pull_request")
    base = _dict(pull.get("base"), "pull_request.base")
    user = pull.get("user") if isinstance(pull.get("user"), dict) else {}
    merged = pull.get("merged") is True
    title = _required(pull, "title", limit=TITLE_MAX)
    body = _text(pull.get("body"), limit=MESSAGE_MAX)
    state = "merged" if merged else _text(pull.get("state"), limit=20)
    branch = _text(base.get("ref"))
    reference = Reference(
        kind=LinkKind.MERGE_REQUEST,
        ref=_required(pull, "number", limit=20),
        title=title,
        message=f"{title}\n\n{body}".strip(),
        author=_text(user.get("login")),
        url=_safe_url(pull.get("html_url")),
        happened_at=_when(pull.get("merged_at") or pull.get("updated_at")),
        branch=branch,
        state=state,
        closes=payload.get("action") == "closed"
        and merged
        and branch == _text(repository.get("default_branch")),
    )
    return Event(_required(repository, "full_name"), [reference])


def gitlab_push(payload: dict) -> Event:
    project = _dict(payload.get("project"), "project")
    branch = _branch(_text(payload.get("ref")))
    references, truncated = _commits(
        payload,
        branch=branch,
        closes=bool(branch) and branch == _text(project.get("default_branch")),
        author_of=_commit_author,
    )
    return Event(_required(project, "path_with_namespace"), references, truncated)


def gitlab_merge_request(payload: dict) -> Event:
    project = _dict(payload.get("project"), "project")
    attributes = _dict(payload.get("object_attributes"), "object_attributes")
    user = payload.get("user") if isinstance(payload.get("user"), dict) else {}
    title = _required(attributes, "title", limit=TITLE_MAX)
    description = _text(attributes.get("description"), limit=MESSAGE_MAX)
    state = _text(attributes.get("state"), limit=20)
    branch = _text(attributes.get("target_branch"))
    reference = Reference(
        kind=LinkKind.MERGE_REQUEST,
        ref=_required(attributes, "iid", limit=20),
        title=title,
        message=f"{title}\n\n{description}".strip(),
        author=_person(_text(user.get("name")), _text(user.get("username"))),
        url=_safe_url(attributes.get("url")),
        happened_at=_when(attributes.get("updated_at")),
        branch=branch,
        state=state,
        closes=attributes.get("action") == "merge"
        and branch == _text(project.get("default_branch")),
    )
    return Event(_required(project, "path_with_namespace"), [reference])


# The events used, by provider and the event header's value; every other event is ignored.
PARSERS: dict[tuple[str, str], Callable[[dict], Event]] = {
    (Provider.GITHUB, "push"): github_push,
    (Provider.GITHUB, "pull_request"): github_pull_request,
    (Provider.GITLAB, "Push Hook"): gitlab_push,
    (Provider.GITLAB, "Merge Request Hook"): gitlab_merge_request,
}


def event_parse(*, provider: str, event: str, payload: Any) -> Event | None:
    """The event read from `payload`, None for an event we do not use; PayloadError when the
    payload is not shaped like its event."""
    parser = PARSERS.get((provider, event))
    if parser is None:
        return None
    try:
        return parser(_dict(payload, "the payload"))
    except PayloadError as error:
        raise PayloadError(
            NOT_SHAPED.format(provider=Provider(provider).label, event=event, problem=error.message)
        ) from None
