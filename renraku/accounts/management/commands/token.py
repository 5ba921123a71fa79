import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from renraku.accounts.models import ApiScope, ApiToken, User
from renraku.audit.actions import record


class Command(BaseCommand):
    help = "API tokens for integrations: create (shown once), list, revoke."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser("create")
        create.add_argument("--user", required=True, help="employee number of the account")
        create.add_argument("--name", required=True)
        create.add_argument("--days", type=int, default=365, help="valid for (0: no expiry)")
        create.add_argument(
            "--scope",
            action="append",
            help=f"what it may do: {'|'.join(ApiScope.values)}; repeat it or give a comma "
            "list (default: directory)",
        )
        sub.add_parser("list")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("hint", help="the token's first characters, as `list` shows")

    def handle(self, *args, subcommand, **options):
        if subcommand == "create":
            try:
                user = User.objects.get(username=options["user"], is_active=True)
            except User.DoesNotExist:
                raise CommandError(f"no active account {options['user']}") from None
            days = options["days"]
            expires = timezone.now() + dt.timedelta(days=days) if days else None
            scopes = None
            if options["scope"]:
                scopes = [s.strip() for arg in options["scope"] for s in arg.split(",")]
                scopes = [s for s in scopes if s]
            try:
                token, raw = ApiToken.issue(user, options["name"], expires, scopes=scopes)
            except ValueError as exc:
                raise CommandError(f"{exc} (scopes: {', '.join(ApiScope.values)})") from None
            record(
                "accounts.token_created",
                actor=user,
                target=f"token:{token.hint}",
                detail={"name": token.name, "expires_at": str(expires), "scopes": token.scopes},
            )
            self.stdout.write(raw)
        elif subcommand == "list":
            for t in ApiToken.objects.select_related("user").order_by("created_at"):
                state = "revoked" if t.revoked_at else f"expires {t.expires_at or 'never'}"
                scopes = ",".join(t.scopes)
                self.stdout.write(f"{t.hint}…  {t.user.username}  {t.name}  {scopes}  {state}")
        else:
            updated = ApiToken.objects.filter(hint=options["hint"], revoked_at__isnull=True)
            tokens = list(updated)
            for token in tokens:
                token.revoked_at = timezone.now()
                token.save(update_fields=["revoked_at"])
                record("accounts.token_revoked", target=f"token:{token.hint}")
            self.stdout.write(f"revoked {len(tokens)}")
