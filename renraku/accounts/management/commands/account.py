from django.core.management.base import BaseCommand, CommandError

from renraku.accounts.actions import change_role
from renraku.accounts.models import Role, User


class Command(BaseCommand):
    help = (
        "Accounts: `account role EMPLOYEE_NUMBER --role ROLE` sets any role. The auditor "
        "role is granted only here, by whoever runs the server, never in the admin."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        role = sub.add_parser("role")
        role.add_argument("employee_number")
        role.add_argument("--role", required=True, choices=Role.values)

    def handle(self, *args, subcommand, **options):
        try:
            user = User.objects.get(username=options["employee_number"])
        except User.DoesNotExist:
            raise CommandError(f"no account {options['employee_number']}") from None
        old = change_role(user, options["role"], actor="command line")
        self.stdout.write(f"{user.username}: {old} -> {user.role}")
