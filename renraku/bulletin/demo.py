"""The demo ward's bulletin (called by `renraku seed-demo`): 「松副のDXだより」 #1–#75 over
the past 18 months, notices that ask for acknowledgement, the recorded study session,
comments, private feedback and read records that make the rates believable.

Read records are made inside the database (a few UPDATEs per post over 10,000 people),
spread by each person's id so that departments differ, as they would; the times written
are datetimes the database stores as such (see _read_time)."""

import datetime as dt
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Value, When
from django.db.models.functions import Mod
from django.db.models.lookups import Exact
from django.utils import timezone

from renraku.accounts.models import Role, User
from renraku.dbstats import analyze_if_outgrown
from renraku.directory import audience as audiences
from renraku.directory.models import Rank, Staff
from renraku.notices import pipeline
from renraku.notices.models import Reach, Recipient, Urgency

from . import access, importing, search
from .models import (
    Announcement,
    Attachment,
    AttachmentKind,
    AudienceEntry,
    Category,
    Comment,
    Feedback,
    Post,
    Purpose,
    Series,
    Status,
)

DEMO = Path(__file__).parent / "demo"
SERIES = "松副のDXだより"
RECENT_WITH_RECORDS = 12  # the latest columns carry who was sent and who read them
READ_HOURS = 40  # readers open a post over its first 40 hours
NOTICES = [
    (
        "年末年始の安否確認訓練について（要確認）",
        "12月26日（金）10時に**全職員対象の安否確認訓練**を行います。\n\n"
        "- 通知が届いたら「無事です」を1回タップしてください\n"
        "- 通知が届かない方は、renrakuアプリの通知設定を確認してください\n\n"
        "内容を確認したら「確認しました」を押してください。",
        True,
    ),
    (
        "情報セキュリティ研修（e-ラーニング）受講のお願い（要確認）",
        "全職員が対象です。**12月19日まで**に受講してください。標的型メール訓練の結果も"
        "研修の中で振り返ります。確認したら「確認しました」を押してください。",
        True,
    ),
    (
        "庁内Wi-Fiの更新作業について",
        "12月6日（土）9時〜17時、本庁舎の庁内Wi-Fiが断続的に使えなくなります。",
        False,
    ),
]
STUDY_SESSION = (
    "DX勉強会「DXの3つの誤解」の録画を公開しました",
    "11月に開いたDX勉強会の録画です。スマートフォンでも再生できます。"
    "90%以上視聴すると「視聴済み」になります。感想は「ご意見・ご感想」からどうぞ。",
)
COMMENTS = [
    "FAXをやめた経緯がよく分かりました。うちの課でも相談してみます。",
    "お昼ザツダンに申し込みました！",
    "紙の資料が減って、会議の準備がとても楽になりました。",
    "はんこレスの手続き一覧があると助かります。",
    "勉強会の録画、通勤中に見ました。",
]
FEEDBACK = [
    "毎週楽しみに読んでいます。現場の声も取り上げてください。",
    "保育園ではまだ紙の連絡帳が中心です。次回ぜひ取り上げてほしいです。",
]


def _deputy_mayor() -> User:
    """The columns' author: the ward's first deputy mayor, with an account to post."""
    staff = Staff.objects.filter(position__rank=Rank.DEPUTY_MAYOR).order_by("employee_number")
    staff = staff.first()
    user, created = User.objects.get_or_create(
        username=staff.employee_number,
        defaults={
            "staff": staff,
            "role": Role.STAFF,
            "first_name": staff.given_name,
            "last_name": staff.family_name,
        },
    )
    if created:
        user.set_unusable_password()  # the demo signs in as its five demo accounts
        user.save(update_fields=["password"])
    return user


def _give_records(post: Post, read_share: int, ack_share: int = 0) -> None:
    """Freeze the post's audience as its recipients and mark about `read_share` % of them
    read (and `ack_share` % acknowledged) within the first two days, spread by id."""
    announcement = Announcement.objects.create(
        post=post,
        purpose=Purpose.PUBLISHED,
        owner="post",
        urgency=Urgency.NORMAL,
        channel_order=["push", "email"],
        finished_at=post.published_at,  # delivered long ago: the sweeper has nothing to do
    )
    Announcement.objects.filter(pk=announcement.pk).update(issued_at=post.published_at)
    post.notice = announcement.notice_ptr
    post.save(update_fields=["notice"])
    pipeline.freeze(announcement, audiences.resolve(post.audience))
    rows = Recipient.objects.filter(notice=announcement)
    rows.update(reach=Reach.SENT, reached_via="push")
    spread = Mod(F("id") * 7919, Value(100))
    rows.annotate(s=spread).filter(s__lt=read_share).update(read_at=_read_time(post))
    if ack_share:
        rows.annotate(s=spread).filter(s__lt=ack_share).update(
            answered_at=F("read_at"), answer="ack"
        )


def _read_time(post: Post) -> Case:
    """When each recipient opened the post: 5 minutes after publishing plus (id mod 40)
    hours, as literal datetimes chosen by a CASE. Not date arithmetic in SQL: SQLite has
    no datetime type, and `published_at + n * interval` stored the sum as a number
    (21600002026), which the app then read as neither read nor unread."""
    first = post.published_at + dt.timedelta(minutes=5)
    hour = Mod(F("id"), Value(READ_HOURS))
    return Case(
        *(
            When(Exact(hour, n), then=Value(first + dt.timedelta(hours=n)))
            for n in range(READ_HOURS)
        ),
        output_field=DateTimeField(),
    )


def _publish_demo(author, title, body, *, category, requires_ack, days_ago) -> Post:
    when = timezone.now() - dt.timedelta(days=days_ago)
    post = Post.objects.create(
        title=title,
        body=body,
        author=author,
        category=category,
        audience={"all": True},
        requires_ack=requires_ack,
        status=Status.PUBLISHED,
        published_at=when,
    )
    return post


def seed_bulletin_demo() -> None:
    """Idempotent: does nothing once the series exists."""
    if Series.objects.filter(name=SERIES).exists():
        return
    author = _deputy_mayor()
    admin = User.objects.filter(role=Role.ADMINISTRATOR).order_by("username").first()
    news, _ = Category.objects.get_or_create(name="お知らせ")
    column, _ = Category.objects.get_or_create(name="コラム")
    with transaction.atomic():
        importing.import_series(SERIES, DEMO / "dx_dayori", author=author)
        series = Series.objects.get(name=SERIES)
        series.category = column
        series.description = "副区長（CIO・CISO・CDO）が毎週、庁内のDXについて綴るコラムです。"
        series.save()
        series.authors.add(author, *([admin] if admin else []))
        news.authors.add(*([admin] if admin else []))
        Post.objects.filter(series=series).update(category=column)
        recent = list(series.posts.order_by("-number")[:RECENT_WITH_RECORDS])
        for age, post in enumerate(recent):
            # Older columns have been read by more people; the newest is still being read.
            _give_records(post, read_share=min(88, 45 + age * 6))
        for i, (title, body, ack) in enumerate(NOTICES):
            post = _publish_demo(admin or author, title, body, category=news, requires_ack=ack,
                                 days_ago=2 + i * 3)  # fmt: skip
            _give_records(post, read_share=70 - i * 5, ack_share=55 - i * 10 if ack else 0)
        study = _publish_demo(author, *STUDY_SESSION, category=news, requires_ack=False,
                              days_ago=9)  # fmt: skip
        with (DEMO / "study_session.mp4").open("rb") as clip:
            Attachment.objects.create(
                post=study,
                file=File(clip, name="study_session.mp4"),
                name="DX勉強会_DXの3つの誤解.mp4",
                kind=AttachmentKind.VIDEO,
                content_type="video/mp4",
                size=(DEMO / "study_session.mp4").stat().st_size,
                duration_seconds=15.0,
            )
        _give_records(study, read_share=52)
        # 160,000 recipients in one go: the planner must know, or the next small notice's
        # queries (the dialogues' invitations) are planned as if the table were empty.
        analyze_if_outgrown(Recipient.objects.count(), Recipient)
        for post in Post.objects.filter(series__isnull=True):
            AudienceEntry.objects.bulk_create(
                AudienceEntry(post=post, key=k, code=c)
                for k, c in access.audience_rows(post.audience)
            )
        readers = list(User.objects.filter(staff__isnull=False).exclude(pk=author.pk)[:8])
        for i, text in enumerate(COMMENTS):
            Comment.objects.create(post=recent[i % 3], author=readers[i % len(readers)], body=text)
        for i, text in enumerate(FEEDBACK):
            Feedback.objects.create(post=recent[i], sender=readers[-1 - i], body=text)
    search.index_posts()
    search.index_comments()
