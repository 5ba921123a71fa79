"""The bulletin at ward scale: `python benchmarks/bulletin.py --staff 10000 --posts 50000`.

On a scratch database (`--database-url`: a new, empty PostgreSQL database; default: a new
SQLite file), in this order, so each figure is taken on the whole ward's data:

1. `--staff` members of staff spread over the demo ward's departments, each with a push
   subscription at the push-service stand-in (its own process, on loopback), an account
   (role staff) and a signed-in session of their own.
2. The corpus: `--posts` published posts (to everyone, spread over five years) and
   `--comments` comments by those people, of plausible Japanese (防災, 台風, DX推進,
   ペーパーレス …), bulk-created, then indexed by search.reindex_all (the documents
   written, the database's inverted index built once after) — `index_seconds`;
   `index_bytes`, all that is on disk only for search, and `text_bytes`, the UTF-8 size
   of the normalised text it indexes (targets: ≤ 60 s, ≤ 5 × text_bytes).
3. `publish_seconds`: one post, saved as a draft by the system author, from calling
   actions.publish to the stand-in having accepted a notification for every one of them,
   sent by `renraku run_huey` worker processes (as benchmarks/fanout.py).
4. The post page against the web floor (docs/ARCHITECTURE.md), all on one `renraku
   serve` in this run: `floor_rps`, the cheapest signed-in GET it answers (two bytes
   through the whole middleware, renraku/web/floor.py), at saturation, in `--rounds`
   turns of `--seconds` with the page's; `read_capacity_rps`, people opening the post (GET
   /bulletin/<id>/, what the push opens) at saturation, each a different person's first
   open, so each records 既読; `read_share` = capacity / floor; `read_p99_ms_at_70`, 70 %
   of that capacity (or `--rate`) offered as a steady arrival rate for `--rate-seconds`,
   latency counted from each arrival (benchmarks/_load.py). `reads_stored` must equal
   `reads` (answered); `errors` counts answers other than 200. `read_share_by_cpu` and
   `read_share_by_turns` (CPU per request; the median of the turns' shares) are less
   moved by a busy neighbour than `read_share`.
5. `stats_ms`: queries.stats(post), the rates by department of that post (median of
   seven after two warm-ups).
6. `search_p95_ms`: 100 distinct queries of one to six characters (single kanji,
   two-character words, 「DX推進」, hiragana for katakana words, two words) through
   search.search over every published post, limit 20; also p50 and p95 by kind of query.

Targets on a 2-core machine: publish ≤ 3 s, read_share ≥ 0.5, read p99 at 70 % ≤ 100 ms,
stats ≤ 50 ms, search p95 ≤ 100 ms. Progress goes to stderr; one JSON object to stdout;
the exit status is 1 when a push was not accepted or a read not stored. `*_others_busy`
is the share of the machine other processes took while publishing and reading (as in
fanout.py): figures taken beside a busy neighbour are not the machine's.
"""

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import _load  # noqa: E402
from benchmarks._setup import scratch_django, signed_in, start_server  # noqa: E402
from benchmarks.dashboard import spread_staff  # noqa: E402
from benchmarks.fanout import (  # noqa: E402
    machine_cpu,
    others_busy,
    start_push_service,
    ticks,
    tree,
    wait_for,
)

STARTED = time.perf_counter()


def say(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--comments", type=int, help="default: four per post")
    parser.add_argument("--rounds", type=int, default=4, help="turns of floor and page")
    parser.add_argument("--seconds", type=float, default=2, help="each turn at saturation")
    parser.add_argument("--rate-seconds", type=float, default=10, help="the steady phase")
    parser.add_argument(
        "--rate", type=float, help="reads per second, steady (default: 70 %% of capacity)"
    )
    parser.add_argument("--connections", type=int, default=8, help="at saturation")
    parser.add_argument("--workers", type=int, default=2, help="task worker processes")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per web worker")
    parser.add_argument("--database-url", help="a new, empty database (default: new SQLite)")
    args = parser.parse_args()
    if args.comments is None:
        args.comments = 4 * args.posts
    scratch_django(args.database_url)

    from django.db import connection

    rng = random.Random(2026)
    say(f"scratch {connection.vendor} database migrated")
    service, origin, subscriptions = start_push_service(args.staff)
    try:
        result = run(args, rng, (origin, service.pid), subscriptions)
    finally:
        service.terminate()
    print(json.dumps(result, ensure_ascii=False))
    # The figures stand only if nothing was lost: every push accepted, every read stored.
    if result["publish_accepted"] < result["staff"] or result["reads_stored"] != result["reads"]:
        say("FAILED: pushes or reads missing (publish_accepted, reads_stored)")
        sys.exit(1)


def run(args, rng, service, subscriptions) -> dict:
    from django.db import connection

    from renraku.bulletin import actions

    origin, service_pid = service
    author = actions.system_author()
    staff_ids, users = make_people(args.staff, subscriptions, rng)
    say(f"{len(staff_ids)} staff with push subscriptions, accounts and sessions")
    index_seconds = make_corpus(args.posts, args.comments, author, users, rng)
    analyse()

    post = actions.save_draft(
        author,
        title="【全職員】台風接近に伴う勤務体制について",
        body=post_body(rng, 300),
        audience={"all": True},
        authorised=True,
    )
    post, publish_seconds, accepted, first_push, publish_others = measure_publish(
        args, post, origin, service_pid, len(staff_ids)
    )
    say(f"published: {accepted} pushes accepted in {publish_seconds:.2f} s")

    analyse()
    vendor = connection.vendor
    connection.close()  # the server's processes are the ones that read from here on
    reads = measure_reads(args, post.pk, users, rng)
    stored = read_count(post)
    say(f"reads: {reads['reads']} answered, {stored} stored, {reads['errors']} errors")

    stats_ms = measure_stats(post)
    say(f"stats: {stats_ms} ms")
    search = measure_search(rng)
    say(f"search: p95 {search['p95']} ms")
    return {
        "database": vendor,
        "staff": len(staff_ids),
        "posts": args.posts,
        "comments": args.comments,
        "publish_seconds": publish_seconds,
        "floor_rps": reads.pop("floor_rps"),
        "read_capacity_rps": reads.pop("read_capacity_rps"),
        "read_share": reads.pop("read_share"),
        "read_p99_ms_at_70": reads.pop("read_p99_ms_at_70"),
        "stats_ms": stats_ms,
        "search_p95_ms": search["p95"],
        "publish_accepted": accepted,
        "first_push_seconds": first_push,
        "reads_stored": stored,
        **reads,
        "publish_others_busy": publish_others,
        "search_p50_ms": search["p50"],
        "search_by_kind_p50_p95_ms": search["by_kind"],
        "search_queries": search["queries"],
        "search_without_hits": search["without_hits"],
        "index_seconds": index_seconds,
        **index_figures(),
        "workers": args.workers,
        "web_workers": args.web_workers,
        "threads": args.threads,
    }


def analyse() -> None:
    """PostgreSQL: statistics as a ward's database in use has them (autovacuum would)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- The people ---------------------------------------------------------------------------


def make_people(n: int, subscriptions, rng):
    """N staff over the ward's departments, each with a push subscription, an account
    (role staff) and a signed-in session. Returns (staff ids, [(user id, cookie)])."""
    from renraku.directory.models import PushSubscription, Staff

    spread_staff(n, rng)
    staff = list(Staff.objects.order_by("pk").values_list("pk", "employee_number"))
    PushSubscription.objects.bulk_create(
        [
            PushSubscription(
                staff_id=staff_id,
                endpoint=info["endpoint"],
                p256dh=info["keys"]["p256dh"],
                auth=info["keys"]["auth"],
            )
            for (staff_id, _number), info in zip(staff, subscriptions, strict=True)
        ],
        batch_size=5000,
    )
    users = signed_in(staff)
    return [pk for pk, _number in staff], users


# --- The corpus ---------------------------------------------------------------------------


def words(text: str, sep: str | None = None) -> list[str]:
    """A list written as text: the vocabulary below reads better as prose than quoted."""
    return [w.strip() for w in text.split(sep) if w.strip()]


# Words of a ward office's bulletin: disaster preparedness, DX, everyday administration.
TOPICS = words("""
防災 台風 大雨 雨 地震 避難所 避難訓練 防災訓練 安否確認 一斉連絡 備蓄 ハザードマップ 熱中症
感染症 DX推進 ペーパーレス デジタル化 テレワーク クラウド マイナンバー 電子申請 電子決裁 生成AI
キャッシュレス オンライン会議 チャット タブレット スマートフォン 情報セキュリティ 文書管理 窓口
区民サービス 庁舎 予算 決算 議会 研修 人事異動 働き方改革 業務改善 健康診断 子育て支援 保育園
学校 高齢者 福祉 道路 公園 清掃 防犯 選挙 税務 戸籍 国民健康保険 アンケート 説明会 庁内報 広報
システム更新 アプリ
""")
# fmt: off
OPENERS = ["", "", "また、", "なお、", "今年度は", "来月から", "各部署で", "全職員を対象に",
           "本庁舎と出張所で", "区長の方針として", "先週の会議で", "引き続き"]
# fmt: on
PREDICATES = words("""
を実施します について説明します の進め方を見直しました にご協力ください の結果を報告します
が始まります を確認してください に関するお知らせです の準備を進めています について意見を募集します
の担当を変更しました の手順をまとめました を強化していきます に取り組んでいます
""")
LINKS = words("と や に伴う のための における を通じた")
TITLE_ENDS = ["のお知らせ", "について", "の実施について", "（ご協力のお願い）", "の振り返り", ""]
COMMENTS = words("""
の件、参考になりました。 について質問があります。 は良い取り組みだと思います。
、私の課でも進めたいです。 の資料はどこで見られますか。 ありがとうございます。
、現場の声も聞いてください。 の日程が合わないので別日があると助かります。
""")


def sentence(rng) -> str:
    a, b = rng.sample(TOPICS, 2)
    return f"{rng.choice(OPENERS)}{a}{rng.choice(LINKS)}{b}{rng.choice(PREDICATES)}。"


def post_body(rng, length: int) -> str:
    parts, size = [], 0
    while size < length:
        parts.append(sentence(rng))
        size += len(parts[-1])
    return "".join(parts)


def comment_body(rng) -> str:
    target = rng.randint(20, 80)
    text = rng.choice(TOPICS) + rng.choice(COMMENTS)
    while len(text) < target:
        text += sentence(rng)
    return text[:80]


def make_corpus(posts: int, comments: int, author, users, rng) -> float:
    """Published posts to everyone over five years and comments under them, bulk-created,
    then indexed; returns the indexing's seconds."""
    from django.utils import timezone

    from renraku.bulletin import search
    from renraku.bulletin.models import Comment, Post, Status

    now = timezone.now()
    five_years = 5 * 365 * 86400
    for start in range(0, posts, 2000):
        Post.objects.bulk_create(
            [
                Post(
                    author=author,
                    title=rng.choice(TOPICS) + rng.choice(TITLE_ENDS),
                    body=post_body(rng, rng.randint(200, 400)),
                    audience={"all": True},
                    status=Status.PUBLISHED,
                    published_at=now - dt.timedelta(seconds=rng.uniform(0, five_years)),
                )
                for _ in range(min(2000, posts - start))
            ]
        )
    post_ids = list(Post.objects.values_list("pk", flat=True))
    user_ids = [pk for pk, _cookie in users] or [author.pk]
    for start in range(0, comments, 5000):
        Comment.objects.bulk_create(
            [
                Comment(
                    post_id=rng.choice(post_ids),
                    author_id=rng.choice(user_ids),
                    body=comment_body(rng),
                )
                for _ in range(min(5000, comments - start))
            ]
        )
    say(f"{posts} posts and {comments} comments created; indexing")
    started = time.perf_counter()
    # The module's bulk load: the documents written, the inverted index built once after.
    counts = search.reindex_all()
    seconds = round(time.perf_counter() - started, 1)
    say(f"{counts['posts']} posts and {counts['comments']} comments indexed in {seconds} s")
    return seconds


# --- Publishing ---------------------------------------------------------------------------


def measure_publish(args, post, origin, service_pid: int, n: int):
    """The post as published; seconds from calling publish to the stand-in having accepted
    n pushes; the count it accepted; when the first arrived; others_busy meanwhile."""
    from renraku.bulletin import actions

    workers, log = start_workers(args.workers)
    try:
        ours = [os.getpid(), service_pid, *tree(workers[0].pid)]
        started, cpu_before, ours_before = time.perf_counter(), machine_cpu(), ticks(ours)
        post = actions.publish(post)
        accepted, first = wait_for(origin, 0, n, timeout=max(120, n / 100))
        seconds = time.perf_counter() - started
        busy = others_busy(cpu_before, machine_cpu(), ticks(ours) - ours_before)
        if accepted < n:
            say(f"only {accepted} of {n} pushes accepted; the workers' log {log} ends:")
            say("".join(log.read_text().splitlines(keepends=True)[-30:]))
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    return post, round(seconds, 2), accepted, round(first - started, 2), busy


def start_workers(n):
    """The task worker as benchmarks/fanout.py starts it, its output kept in a log (in the
    scratch var dir) to show when a publish falls short."""
    log = Path(os.environ["RENRAKU_VAR_DIR"]) / "bench-workers.log"
    env = {**os.environ, "RENRAKU_TASK_WORKERS": str(n)}
    command = [sys.executable, "-m", "renraku.cli", "run_huey", "--no-periodic"]
    with log.open("w") as out:
        worker = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    time.sleep(2)  # let the consumer start its processes
    return [worker], log


# --- Reading ------------------------------------------------------------------------------


def measure_reads(args, post_id: int, users, rng) -> dict:
    """Against one server, in one run: the floor (a signed-in GET of two bytes) and the
    post page at saturation, in turns; then 70 % of the page's capacity as a steady rate.
    Every read of the post is a different person's first open (it records 既読)."""
    order = list(users)
    rng.shuffle(order)
    cookies = [cookie for _pk, cookie in order]
    path = f"/bulletin/{post_id}/"
    reads = iter([_load.Call.get(path, cookie) for cookie in cookies])
    server, base = start_server(args.web_workers, args.threads)
    try:
        others = _load.others_meter(server.pid)
        floor, capacity = asyncio.run(
            _load.alternate(
                base,
                _load.floor_calls(cookies),
                reads,
                rounds=args.rounds,
                seconds=args.seconds,
                connections=args.connections,
                server_pid=server.pid,
            )
        )
        say(f"floor (signed-in GET): {floor['rps']}/s {floor['rps_by_turn']}")
        say(f"post page: {capacity['rps']}/s {capacity['rps_by_turn']} (first opens)")
        if capacity["exhausted"]:
            say("WARNING: readers ran out before the capacity phase's time: raise --staff")
        rate = args.rate or 0.7 * capacity["rps"]
        steady = list(islice(reads, int(rate * args.rate_seconds)))
        at_70 = asyncio.run(_load.at_rate(base, steady, rate, server_pid=server.pid))
        say(f"at {rate:.0f}/s: p50 {at_70['p50_ms']} ms, p99 {at_70['p99_ms']} ms")
        busy = others()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "floor_rps": floor["rps"],
        "read_capacity_rps": capacity["rps"],
        "read_share": round(capacity["rps"] / floor["rps"], 2) if floor["rps"] else None,
        "read_p99_ms_at_70": at_70["p99_ms"],
        "read_p50_ms_at_70": at_70["p50_ms"],
        "read_rate_at_70": at_70["rate"],
        "reads": capacity["requests"] + at_70["requests"],
        "errors": capacity["errors"] + at_70["errors"],
        "floor_errors": floor["errors"],
        "rps_by_turn": {"floor": floor["rps_by_turn"], "read": capacity["rps_by_turn"]},
        # CPU per request (server + this client), floor and page: a share that a busy
        # neighbour moves less than throughput (the database's own CPU is not in it on
        # PostgreSQL).
        "read_share_by_cpu": _load.share_by_cpu(floor, capacity),
        "read_share_by_turns": _load.share_by_turns(floor, capacity),
        "cpu_ms_server_client": {
            "floor": [floor["server_cpu_ms"], floor["client_cpu_ms"]],
            "read": [capacity["server_cpu_ms"], capacity["client_cpu_ms"]],
        },
        "read_others_busy": busy,
    }


def read_count(post) -> int:
    from renraku.notices.models import Recipient

    return Recipient.objects.filter(notice_id=post.notice_id, read_at__isnull=False).count()


# --- The author's figures -----------------------------------------------------------------


def measure_stats(post) -> float:
    from renraku.bulletin import queries
    from renraku.bulletin.models import Post

    post = Post.objects.get(pk=post.pk)
    timings = []
    for _ in range(9):
        started = time.perf_counter()
        queries.stats(post)
        timings.append((time.perf_counter() - started) * 1000)
    timings = sorted(timings[2:])
    return round(timings[len(timings) // 2], 1)


# --- Search -------------------------------------------------------------------------------

# One to six characters each, all different: 20 + 30 + 15 + 15 + 20.
QUERIES = {
    "one_char": words("雨 防 災 台 風 区 庁 税 熱 震 窓 福 備 議 園 子 道 説 広 決"),
    "two_chars": words("""
        防災 台風 大雨 地震 避難 訓練 窓口 予算 決算 議会 研修 福祉 道路 公園 清掃
        防犯 選挙 税務 戸籍 広報 備蓄 庁舎 学校 健康 感染 会議 申請 AI DX 改革
        """),
    "longer": words("""
        DX推進 生成AI 避難所 安否確認 一斉連絡 熱中症 電子決裁 文書管理 働き方改革
        子育て支援 説明会 区民サービス ペーパーレス マイナンバー テレワーク
        """),
    # Katakana words as typed in hiragana (normalised to katakana alike).
    "hiragana": words("""
        ぺーぱーれす でじたる てれわーく くらうど ちゃっと たぶれっと まいなんばー
        あんけーと はざーど おんらいん しすてむ あぷり せきゅりてぃ きゃっしゅ すまーと
        """),
    "two_words": words(
        """
        防災 訓練/台風 避難/雨 備蓄/DX 推進/窓口 申請/予算 議会/研修 AI/地震 安否/
        学校 防犯/福祉 窓口/アプリ 更新/熱中症 対策/公園 清掃/大雨 避難所/税務 電子/
        広報 説明会/感染 健康/庁舎 防災/選挙 広報/戸籍 窓口
        """,
        "/",
    ),
}


def measure_search(rng) -> dict:
    """100 distinct queries, in a shuffled order, over every published post."""
    from renraku.bulletin import search
    from renraku.bulletin.models import Post

    queries = [(kind, q) for kind, listed in QUERIES.items() for q in listed]
    assert len({q for _kind, q in queries}) == len(queries) == 100
    assert all(1 <= len(q) <= 6 for _kind, q in queries)
    rng.shuffle(queries)
    posts = Post.objects.filter(status="published")
    for warm_up in ("連絡", "お知らせ"):  # code paths loaded, not these queries' pages
        search.search(warm_up, posts=posts, limit=20)
    timings: dict[str, list[float]] = {kind: [] for kind in QUERIES}
    without_hits = []
    for kind, q in queries:
        started = time.perf_counter()
        hits = search.search(q, posts=posts, limit=20)
        timings[kind].append((time.perf_counter() - started) * 1000)
        if not hits:
            without_hits.append(q)
    every = sorted(t for values in timings.values() for t in values)
    return {
        "p50": percentile(every, 0.5),
        "p95": percentile(every, 0.95),
        "by_kind": {
            kind: [percentile(sorted(v), 0.5), percentile(sorted(v), 0.95)]
            for kind, v in timings.items()
        },
        "queries": len(every),
        "without_hits": without_hits,
    }


def index_figures() -> dict:
    """index_bytes and text_bytes (search_index.index_figures)."""
    from django.db import connection

    from renraku.bulletin.search_index import index_figures

    return index_figures(connection)


def percentile(values, fraction: float) -> float:
    return round(values[min(len(values) - 1, int(len(values) * fraction))], 1)


if __name__ == "__main__":
    main()
