"""Voice calls through the same Twilio-compatible API, for staff on feature phones or who
do not look at their screen. The call is placed with a URL the notice's owner gives (for
an alert, its TwiML, signed for that one recipient: renraku.broadcast.phone); the provider
fetches what to say from it when the person picks up.
"""

from .base import Outcome
from .sms import SmsChannel


class VoiceChannel(SmsChannel):
    kind = "voice"
    batch_size = 20

    def send(self, message, deliveries):
        if message.call_url is None:  # this notice is never read out
            return [
                Outcome(d.pk, ok=False, permanent=True, error="not a notice for calls")
                for d in deliveries
            ]
        return super().send(message, deliveries)

    def deliver(self, number, message, recipient_id):
        return self.provider.call(number, message.call_url(recipient_id))
