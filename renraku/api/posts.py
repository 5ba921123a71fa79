"""The bulletin over the API (`bulletin` scope): list the posts the token's user may read,
read one with its figures (for its author and administrators), and publish one, checked
and audited as the compose page."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Field, Schema, Status

from renraku.bulletin import access, actions, queries
from renraku.bulletin.messages import heading
from renraku.bulletin.models import Post, Series
from renraku.directory import audience

from .schemas import Error, Problems

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
        figures = queries.stats(post) if access.can_follow(request.user, post) else None
        return {**_summary(post), "body": post.body, "figures": figures}

    @api.post("/posts", auth=auth, response={201: PostCreated, 400: Problems, **failures},
              tags=["bulletin"], summary="Publish a post (or schedule it)")  # fmt: skip
    def publish_post(request, payload: PostIn):
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
        with transaction.atomic():  # a refused schedule leaves no draft behind
            return _save_and_publish(request, payload, spec, series)

    def _save_and_publish(request, payload, spec, series):
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
            count = audience.resolve(post.audience).count()
        else:
            post = actions.publish(post, by=request.user, request=request)
            count = post.recipient_count
        created = {"id": post.pk, "series": series.name if series else None}
        return Status(
            201, {**created, "number": post.number, "recipients": count, "status": post.status}
        )
