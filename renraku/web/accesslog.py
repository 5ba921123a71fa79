"""The server's logs, without the signed tokens that some URLs carry.

A one-tap answer link (/a/<token>/) and a voice call's hook (/hooks/voice/<token>/) let
whoever holds the token answer for that person, for days; a calendar feed's secret URL
(/dialogues/calendar/<token>.ics) shows their chats until it is replaced. Logs are read by
more people, and kept longer, than the links: the token becomes "…" there. The answer
page's own CSS and JS requests carry its URL as their Referer, so every field of the access
line is cleaned, not only the request line; Django's "Not Found: /a/…/" warnings and
gunicorn's errors too.
"""

import logging
import re

from gunicorn.glogging import Logger

# The path's start (line start, after a space as in "GET /a/…", or after scheme://host),
# then a prefix whose next segment is a token.
_TOKEN_PATH = re.compile(
    r"((?:^|\s|//[^/\s]*)/(?:a|hooks/voice|wall|dialogues/calendar)/)[^/?#\s]+"
)
REDACTED = "…"


def redact(text: str) -> str:
    return _TOKEN_PATH.sub(rf"\g<1>{REDACTED}", text)


class RedactTokens(logging.Filter):
    """A logging filter that rewrites the record's message without tokens (it drops
    nothing). On Django's console handler (settings.LOGGING) and gunicorn's error log."""

    def filter(self, record):
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class RedactingLogger(Logger):
    """gunicorn's Logger (`renraku serve` sets it as logger_class) with the tokens taken out
    of every atom of the access line: the request line %(r)s, the path %(U)s, the referer
    %(f)s, and the {header}i / {variable}e forms."""

    def setup(self, cfg):
        super().setup(cfg)
        if not any(isinstance(f, RedactTokens) for f in self.error_log.filters):
            self.error_log.addFilter(RedactTokens())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}
