import pytest


@pytest.fixture(autouse=True)
def _deliver_in_the_test(tasks_run_at_once):
    """Every test here runs Huey's tasks as they are enqueued."""
