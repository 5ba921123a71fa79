"""A service's Retry-After that is not ASCII digits ("²".isdigit() is true, float("²")
fails) is read as no advice (our own backoff then), instead of raising in the sender."""

import pytest

from renraku.channels import sms, webpush


@pytest.mark.parametrize("value", ["²", "١", "３"])
def test_a_push_services_crafted_retry_after_is_no_advice(value):
    assert webpush.retry_after(value) is None
    assert webpush.retry_after("7") == 7.0


@pytest.mark.parametrize("value", ["²", "١", "３", -1])
def test_an_sms_providers_crafted_retry_after_is_no_advice(value):
    outcome = sms.outcome(1, 429, {"retry_after": value, "message": "busy"})
    assert outcome.retry_after is None and not outcome.ok
    assert sms.outcome(1, 429, {"retry_after": "3"}).retry_after == 3.0
