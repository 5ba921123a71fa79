"""What a notice says, in the words each channel needs: the one thing channels receive.

Channels know nothing of alerts, posts or chats: the app that owns a notice words it as a
Message (notices.wording asks it), and the pipeline hands channels that.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    # The page this notice opens, for one recipient (a signed answer link for an alert,
    # the post's page for a post): a function of the recipient's id.
    link: Callable[[int], str]
    # Replaces an earlier notification with the same tag on the device (the Web
    # Notifications API) and, as the push Topic, an undelivered copy at the push service.
    tag: str
    # A line put before the body where there is room (e-mail): 「これは訓練です。」
    preface: str = ""
    urgency: str = "normal"  # RFC 8030: "high" for alerts, "normal" for everyday notices
    # How to answer, where there is an answer to give: the line before the link in an
    # e-mail ("Tell us you are safe, with one tap:"), and the line an SMS ends with
    # ("Reply 1 safe, 2 minor injury …"; a reply is read by the owner's webhook).
    reply_hint: str = ""
    sms_reply_hint: str = ""
    # For a voice call: the URL the provider fetches what to say from, per recipient
    # (None: this notice is never read out).
    call_url: Callable[[int], str] | None = None
    # Keep the notification on screen until the person acts on it.
    require_interaction: bool = False
    # An iCalendar object for e-mail to carry (RFC 6047): (METHOD, text), e.g. a dialogue's
    # invitation ("REQUEST") or its cancellation ("CANCEL").
    calendar: tuple[str, str] | None = None
    # Further fields the app's service worker reads (e.g. "drill": true).
    extra: dict = field(default_factory=dict)
