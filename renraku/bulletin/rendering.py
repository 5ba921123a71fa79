"""A post's Markdown as HTML that is safe to put in the page.

markdown-it-py renders (CommonMark, raw HTML off); nh3 (the Rust ammonia sanitiser) then
keeps only the tags and attributes a post needs, whatever the Markdown produced: links
get rel="noopener noreferrer", only http(s) and mailto links survive, no script, style or
event handler ever reaches the reader.
"""

import html
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
# No <img>: a post's images are its attachments (an image in the text could load any of
# our URLs as its reader, e.g. another post's page).
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


@lru_cache(maxsize=512)  # a post is read thousands of times between edits
def to_html(markdown: str) -> str:
    return nh3.clean(
        _markdown.render(markdown or ""),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def to_text(markdown: str) -> str:
    """Plain text for a notification or a snippet: the rendered HTML with its tags gone."""
    return html.unescape(" ".join(nh3.clean(_markdown.render(markdown or ""), tags=set()).split()))
