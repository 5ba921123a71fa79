import pytest

from renraku.broadcast.models import Group


@pytest.fixture(autouse=True)
def _deliver_in_the_test(tasks_run_at_once, smtp):
    """Alerts are delivered as their tasks are queued, by e-mail to the test SMTP server."""


@pytest.fixture
def duty_group(people):
    """災害対策本部員: the saved group the default rules send warnings to."""
    group = Group.objects.create(name="災害対策本部員")
    group.members.set([people.bob.staff, people.carol.staff])
    return group


@pytest.fixture
def arrive(default_rules, django_capture_on_commit_callbacks):
    """A document arrives: processed, and its alerts delivered after the commit, as in
    production."""
    from renraku.feeds.process import handle

    def _arrive(data: bytes, name: str = "message.xml", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return handle(data, name, **kwargs)

    return _arrive


@pytest.fixture
def default_rules(people):
    """The rules the migration creates (a test that commits empties every table after)."""
    from renraku.feeds.defaults import create_callup_rules, create_default_rules
    from renraku.feeds.models import Rule

    if not Rule.objects.exists():
        create_default_rules(Rule)
        create_callup_rules(Rule)


@pytest.fixture
def without_callups(default_rules):
    """The call-up rules switched off: the safety rules as a ward without call-up rules has
    them (the highest deployment level calls everyone, so 震度5強 would call up instead)."""
    from renraku.feeds.models import Rule

    Rule.objects.filter(callup_level__isnull=False).update(enabled=False)
