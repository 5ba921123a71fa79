"""The bulletin over the API (`bulletin` scope): list the posts the token's user may read,
read one with its figures (for its author and administrators), and publish one, checked
and audited as the compose page."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Field, Header, Schema, Status

from renraku.bulletin import access, actions, queries
from renraku.bulletin.messages import heading
from renraku.bulletin.models import Post, Series
from renraku.directory import audience
from renraku.notices.models import Recipient

from . import actions as api_actions
from .schemas import KEY_MAX_LENGTH, KEY_PATTERN, Error, Problems

_LIMIT = 100


class PostIn(Schema):
    title: str = Field(description="One line, at most 150 characters.")
    body: str = Field(description="Markdown.")
    audience: Literal["all"] | dict[str, Any] | str = Field(
        "all", description='As for alerts: `"all"`, selectors, or the command line\'s text.'
    )
    series: str | None = Field(None, description="An existing series' name: numbered in it.")
    require_ack: bool = Field(False, description="Ask each reader to acknowledge it.")
    publish_at: dt.datetime | None = Field(None, description="Publish later (ISO 8601).")


class PostCreated(Schema):
    id: int = Field(description="The post's id, for GET /api/v1/posts/{id}.")
    series: str | None = Field(description="Its series, if any.")
    number: int | None = Field(description="Its number in the series (null outside one).")
    recipients: int = Field(description="How many people its audience reaches.")
    status: str = Field(description='"published" or "scheduled".')


class PostSummary(Schema):
    id: int = Field(description="The post's id.")
    title: str = Field(description="With its series and number: 「松副のDXだより #76 …」.")
    series: str | None = Field(description="Its series, if any.")
    number: int | None = Field(description="Its number in the series.")
    published_at: dt.datetime | None = Field(description="When it was published.")
    requires_ack: bool = Field(description="Whether readers are asked to acknowledge it.")
    url: str = Field(description="Its page, relative to the server.")


class PostList(Schema):
    results: list[PostSummary] = Field(description="Newest first.")


class PostDetail(PostSummary):
    body: str = Field(description="Markdown, as written.")
    figures: dict | None = Field(
        None,
        description="For its author and administrators: recipients (the audience when it "
        "was published), read (opened it), acknowledged, rates, by_department.",
    )


def _summary(post: Post) -> dict:
    return {
        "id": post.pk,
        "title": heading(post),
        "series": post.series.name if post.series_id else None,
        "number": post.number,
        "published_at": post.published_at,
        "requires_ack": post.requires_ack,
        "url": f"/bulletin/{post.pk}/",
    }


def register(api, auth, failures) -> None:
    @api.get("/posts", auth=auth, response={200: PostList, **failures}, tags=["bulletin"],
             summary="Posts the token's user may read, newest first")  # fmt: skip
    def list_posts(request, series: str | None = None, limit: int = 20):
        posts = access.readable_posts(request.user).select_related("series")
        if series:
            posts = posts.filter(series__name=series)
        posts = posts.order_by("-published_at", "-pk")[: max(1, min(limit, _LIMIT))]
        return {"results": [_summary(p) for p in posts]}

    @api.get(
        "/posts/{int:post_id}",
        auth=auth,
        response={200: PostDetail, 404: Error, **failures},
        tags=["bulletin"],
        summary="One post; its figures for its author and administrators",
    )
    def read_post(request, post_id: int):
        post = get_object_or_404(Post.objects.select_related("series"), pk=post_id)
        if not access.can_read(request.user, post):
            return Status(404, {"error": "no such post"})
        figures = queries.stats(post) if access.can_manage_post(request.user, post) else None
        return {**_summary(post), "body": post.body, "figures": figures}

    @api.post(
        "/posts",
        auth=auth,
        response={201: PostCreated, 200: PostCreated, 400: Problems, 422: Error, **failures},
        tags=["bulletin"],
        summary="Publish a post (or schedule it), once per Idempotency-Key",
    )
    def publish_post(
        request,
        payload: PostIn,
        idempotency_key: str | None = Header(
            None,
            alias="Idempotency-Key",
            max_length=KEY_MAX_LENGTH,
            pattern=KEY_PATTERN,
            description="Optional, as for alerts: the same key from the same token within 24 "
            "hours answers 200 with the post the first request made (201) and publishes "
            "nothing; with a different body, 422.",
        ),
    ):
        """As the compose page: the token's user must be a named author of the series (or
        an administrator; a department administrator for their departments only)."""
        spec = payload.audience
        if spec == "all":
            spec = {"all": True}
        elif isinstance(spec, str):
            spec = audience.parse_cli(spec)
        series = None
        if payload.series:
            series = Series.objects.filter(name=payload.series).first()
            if series is None:
                raise ValidationError([f"series: no series named {payload.series}"])

        def make():
            with transaction.atomic():  # a refused schedule leaves no draft behind
                return _save_and_publish(request, payload, spec, series)

        if idempotency_key is None:
            return Status(201, _created(make()))
        # The request as understood: the audience's text and its selectors are the same.
        asked = payload.dict() | {"audience": spec}
        try:
            post, made_now = api_actions.make_once(
                make,
                kind="post",
                token=request.auth,
                key=idempotency_key,
                digest=api_actions.fingerprint(asked),
            )
        except api_actions.KeyReused:
            return Status(422, {"error": "this Idempotency-Key was used for a different request"})
        return Status(201 if made_now else 200, _created(post))

    def _save_and_publish(request, payload, spec, series) -> Post:
        post = actions.save_draft(
            request.user,
            title=payload.title,
            body=payload.body,
            audience=spec,
            series=series,
            requires_ack=payload.require_ack,
            request=request,
        )
        if payload.publish_at:
            actions.schedule(post, payload.publish_at, by=request.user, request=request)
            return post
        return actions.publish(post, by=request.user, request=request)


def _created(post: Post) -> dict:
    """What publishing answers (and a retry with the same Idempotency-Key again)."""
    if post.notice_id is None:  # scheduled: whom its audience reaches today
        count = audience.resolve(post.audience).count()
    elif (count := getattr(post, "recipient_count", None)) is None:  # a retry: as frozen
        count = Recipient.objects.filter(notice_id=post.notice_id).count()
    return {
        "id": post.pk,
        "series": post.series.name if post.series_id else None,
        "number": post.number,
        "recipients": count,
        "status": post.status,
    }
