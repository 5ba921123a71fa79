"""The demo ward seeded once for every app's check of it: a seed is the slow part of each
(seconds on PostgreSQL), and each check runs in its own savepoint over the same ward.
The checks live with their apps; this class only runs them."""

import io
import json

from django.conf import global_settings
from django.core.management import call_command
from django.test import TestCase

from renraku.accounts.tests.test_demo_author import (
    check_the_first_deputy_mayor_signs_in_with_the_demo_password_and_code,
)
from renraku.directory.tests.test_callup import (
    SMALL_WARD,
    check_the_demo_calls_more_people_at_each_level_and_everyone_only_at_the_last,
)
from renraku.directory.tests.test_commands import (
    check_the_ward_and_that_a_second_seed_changes_nothing,
)
from renraku.mobilise.tests.test_demo import (
    check_a_new_user_finds_a_past_drill_call_up_with_arrivals_and_reports,
)
from renraku.readiness.tests.test_demo import check_the_demo_page_and_cli_add_up


class TheDemoWard(TestCase):
    @classmethod
    def setUpTestData(cls):
        out = io.StringIO()
        call_command("seed_demo", "--staff", SMALL_WARD, stdout=out)
        cls.seeded = json.loads(out.getvalue())

    def test_its_shape_and_a_second_seed_changing_nothing(self):
        check_the_ward_and_that_a_second_seed_changes_nothing(self.seeded)

    def test_more_people_are_called_at_each_level(self):
        check_the_demo_calls_more_people_at_each_level_and_everyone_only_at_the_last()

    def test_readiness_adds_up(self):
        check_the_demo_page_and_cli_add_up(self.client, SMALL_WARD)

    def test_a_past_call_up_drill(self):
        check_a_new_user_finds_a_past_drill_call_up_with_arrivals_and_reports(self.client)

    def test_the_column_author_signs_in(self):
        # The seed ran before the suite's fast test hasher was set: its passwords are real.
        hashers = global_settings.PASSWORD_HASHERS
        with self.settings(OTP_TOTP_THROTTLE_FACTOR=0, PASSWORD_HASHERS=hashers):
            check_the_first_deputy_mayor_signs_in_with_the_demo_password_and_code(self.client)
