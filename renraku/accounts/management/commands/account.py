from django.core.management.base import BaseCommand, CommandError

from renraku.accounts.actions import change_role, reset_second_factor
from renraku.accounts.models import Role, User


class Command(BaseCommand):
    help = (
        "Accounts: `account role EMPLOYEE_NUMBER --role ROLE` sets any role (the auditor "
        "role is granted only here, by whoever runs the server, never in the admin); "
        "`account reset-second-factor EMPLOYEE_NUMBER` removes a lost phone's authenticator "
        "so that the person enrols a new one at their next sign-in."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        role = sub.add_parser("role")
        role.add_argument("employee_number")
        role.add_argument("--role", required=True, choices=Role.values)
        reset = sub.add_parser("reset-second-factor")
        reset.add_argument("employee_number")

    def handle(self, *args, subcommand, **options):
        try:
            user = User.objects.get(username=options["employee_number"])
        except User.DoesNotExist:
            raise CommandError(f"no account {options['employee_number']}") from None
        if subcommand == "reset-second-factor":
            removed = reset_second_factor(user, actor="command line")
            self.stdout.write(
                f"{user.username}: {removed} authenticator(s) removed; "
                "a new one is enrolled at the next sign-in"
            )
            return
        old = change_role(user, options["role"], actor="command line")
        self.stdout.write(f"{user.username}: {old} -> {user.role}")
