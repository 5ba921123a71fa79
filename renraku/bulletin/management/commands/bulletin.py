import datetime as dt
import json
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from renraku.bulletin import access, actions, importing, queries, responses, search
from renraku.bulletin.models import Post, Series
from renraku.directory import audience
from renraku.directory.models import Staff


def _user_of(number: str):
    """The account of the member of staff with this employee number."""
    staff = Staff.objects.filter(employee_number=number).select_related("account").first()
    user = getattr(staff, "account", None) if staff else None
    if user is None:
        raise CommandError(f"no account for employee number {number}")
    return user


def _when(text: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not an ISO date and time: {text}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=actions.TOKYO)  # a time as people in the ward mean it
    return when


class Command(BaseCommand):
    help = "Post to the bulletin, comment, read its figures and search it (integrations, tests)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        post = sub.add_parser("post")
        post.add_argument("--title", required=True)
        post.add_argument("--body-file", required=True, type=Path)
        post.add_argument("--series")
        post.add_argument("--audience", default="all", help="all, or e.g. departments=SOM,KIK")
        post.add_argument("--require-ack", action="store_true")
        post.add_argument("--publish-at", help="ISO date and time (Tokyo unless given)")
        post.add_argument("--author", help="employee number (default: renraku itself)")
        post.add_argument("--json", action="store_true")
        comment = sub.add_parser("comment")
        comment.add_argument("id", type=int)
        comment.add_argument("--author", required=True)
        comment.add_argument("--body-file", required=True, type=Path)
        comment.add_argument("--json", action="store_true")
        stats = sub.add_parser("stats")
        stats.add_argument("id", type=int)
        stats.add_argument("--json", action="store_true")
        find = sub.add_parser("search")
        find.add_argument("query")
        find.add_argument("--as", dest="as_number", help="search as this employee would")
        find.add_argument("--limit", type=int, default=20)
        find.add_argument("--json", action="store_true")
        past = sub.add_parser("import-series")
        past.add_argument("name")
        past.add_argument("path", type=Path)
        past.add_argument("--author", help="employee number (default: renraku itself)")

    def handle(self, *args, subcommand, **options):
        try:
            getattr(self, "do_" + subcommand.replace("-", "_"))(options)
        except (ValidationError, PermissionDenied) as exc:
            messages = getattr(exc, "messages", None) or [str(exc)]
            raise CommandError("; ".join(messages)) from None
        except importing.SeriesImportError as exc:
            raise CommandError("\n".join(exc.errors)) from None

    def _out(self, options, data: dict, plain: str) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False) if options.get("json") else plain)

    def _read(self, path: Path) -> str:
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None

    def do_post(self, options):
        with transaction.atomic():  # a refused schedule leaves no draft behind
            self._post_now_or_later(options)

    def _post_now_or_later(self, options):
        author = _user_of(options["author"]) if options["author"] else actions.system_author()
        series = None
        if options["series"]:
            series, _created = Series.objects.get_or_create(name=options["series"].strip())
        post = actions.save_draft(
            author,
            title=options["title"],
            body=self._read(options["body_file"]),
            audience=audience.parse_cli(options["audience"]),
            series=series,
            requires_ack=options["require_ack"],
            authorised=True,
        )
        count = None
        if options["publish_at"]:
            actions.schedule(post, _when(options["publish_at"]), by=None)
        else:
            post = actions.publish(post)
            count = post.recipient_count
        if count is None:
            count = audience.resolve(post.audience).count()
        data = {
            "id": post.pk,
            "series": series.name if series else None,
            "number": post.number,
            "recipients": count,
            "status": post.status,
        }
        self._out(options, data, str(post.pk))

    def _post(self, pk: int) -> Post:
        try:
            return Post.objects.select_related("series").get(pk=pk)
        except Post.DoesNotExist:
            raise CommandError(f"no post {pk}") from None

    def do_comment(self, options):
        post = self._post(options["id"])
        comment = responses.add_comment(
            post, _user_of(options["author"]), self._read(options["body_file"])
        )
        self._out(options, {"id": comment.pk}, str(comment.pk))

    def do_stats(self, options):
        figures = queries.stats(self._post(options["id"]))
        keep = ("code", "name", "recipients", "read", "acknowledged")
        figures["by_department"] = [{k: row[k] for k in keep} for row in figures["by_department"]]
        self._out(
            options,
            figures,
            f"{figures['read']}/{figures['recipients']} read, "
            f"{figures['acknowledged']} acknowledged",
        )

    def do_search(self, options):
        if options["as_number"]:
            staff = Staff.objects.filter(employee_number=options["as_number"]).first()
            if staff is None:
                raise CommandError(f"no member of staff {options['as_number']}")
            user = getattr(staff, "account", None)
            posts = (
                access.readable_posts(user)
                if user is not None
                else Post.objects.filter(access.audience_includes(staff), status="published")
            )
        else:
            posts = Post.objects.filter(status="published")
        for hit in search.search(options["query"], posts=posts, limit=max(1, options["limit"])):
            self._out(options, hit.as_json(), f"{hit.id}\t{hit.title}\t{hit.snippet}")

    def do_import_series(self, options):
        author = _user_of(options["author"]) if options["author"] else actions.system_author()
        result = importing.import_series(options["name"], options["path"], author=author)
        self.stdout.write(f"imported {result.created} issues into {options['name']}")
