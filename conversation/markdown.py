"""Comments' Markdown as safe HTML: CommonMark with raw HTML off, no images, links only to
http(s) and mailto, each opened without a referrer or an opener."""

from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _link_allowed(url: str) -> bool:
    """http(s), mailto and links within the portal (/path, #anchor); no javascript:, data:,
    vbscript:, file: or protocol-relative //host."""
    target = url.strip().lower()
    if target.startswith(_SAFE_SCHEMES):
        return True
    return (target.startswith("/") and not target.startswith("//")) or target.startswith("#")


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    # An image would load from anywhere (the CSP blocks it, but nothing should ask).
    md.disable("image")
    md.validateLink = _link_allowed

    def link_open(renderer: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_MD = _renderer()


def markdown_render(*, text: str) -> str:
    """The HTML of a comment's Markdown: every character of the source is escaped unless the
    CommonMark syntax itself produced the tag."""
    return _MD.render(text)
