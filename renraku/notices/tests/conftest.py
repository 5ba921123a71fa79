import pytest

from renraku.notices.models import Letter, Urgency


@pytest.fixture
def letter():
    """An unsaved notice of the pipeline's own kind (words stored with it), so these tests
    need no alert, post or chat: `letter(urgency=..., channel_order=[...])`."""

    def make(**kw):
        fields = {
            "owner": "letter",
            "urgency": Urgency.NORMAL,
            "channel_order": ["email"],
            "title": "お知らせ",
            "body": "本文",
            "link": "https://renraku.example/",
            "tag": "test-letter",
        }
        return Letter(**(fields | kw))

    return make


@pytest.fixture(autouse=True)
def _deliver_in_the_test(tasks_run_at_once):
    """What is dispatched on commit is sent in the test's thread, as a worker would."""
