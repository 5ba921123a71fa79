"""Who words each notice: the app that owns a notice registers a `wording` function for
its `owner` name; the pipeline asks it for the Message of each notice it sends (a
channels.message.Message: what channels receive), and hands channels that.
"""

from collections.abc import Callable

from renraku.channels.message import Message

# owner → function(notice ids) → {notice id: Message, or None when it must not be sent any
# more (an alert closed, a post withdrawn)}
_WORDINGS: dict[str, Callable[[list[int]], dict[int, Message | None]]] = {}


def register(owner: str, wording: Callable[[list[int]], dict[int, "Message | None"]]) -> None:
    _WORDINGS[owner] = wording


def messages_for(notices) -> dict[int, Message | None]:
    """Each notice's Message, asked of its owner in one call per owner."""
    by_owner: dict[str, list[int]] = {}
    for notice in notices:
        by_owner.setdefault(notice.owner, []).append(notice.pk)
    out: dict[int, Message | None] = {}
    for owner, ids in by_owner.items():
        out.update(_WORDINGS[owner](ids))
    return out
