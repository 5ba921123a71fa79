"""The bulletin's search alone, at ward scale: `python benchmarks/search.py --posts 50000`.

The corpus and the 100 queries of benchmarks/bulletin.py (same generator, same seed) on a
scratch database (`--database-url`: a new, empty PostgreSQL database; default: a new
SQLite file), without the staff, the pushes and the web server: `index_seconds`
(search.reindex_all), `index_bytes` (all that is on disk only for search), `text_bytes`
(the UTF-8 size of the normalised text indexed), and search p50 / p95, overall and by
kind of query. `--dump FILE` writes each query's top 20 as [post id, comment id] pairs:
two runs (two databases, two versions of the code) give the same ranking when their
dumps are equal.

Targets on a 2-core machine: index ≤ 60 s and ≤ 5 × text_bytes; search p95 ≤ 100 ms.
"""

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._setup import scratch_django  # noqa: E402
from benchmarks.bulletin import (  # noqa: E402
    QUERIES,
    analyse,
    index_figures,
    make_corpus,
    measure_search,
    say,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--comments", type=int, help="default: four per post")
    parser.add_argument("--database-url", help="a new, empty database (default: new SQLite)")
    parser.add_argument("--dump", help="write each query's top 20 to this JSON file")
    args = parser.parse_args()
    if args.comments is None:
        args.comments = 4 * args.posts
    scratch_django(args.database_url)

    from django.db import connection

    from renraku.bulletin import actions

    rng = random.Random(2026)
    say(f"scratch {connection.vendor} database migrated")
    index_seconds = make_corpus(args.posts, args.comments, actions.system_author(), [], rng)
    analyse()
    figures = index_figures()
    say(f"index: {figures['index_bytes']:,} bytes for {figures['text_bytes']:,} of text")
    searched = measure_search(rng)
    say(f"search: p95 {searched['p95']} ms")
    if args.dump:
        Path(args.dump).write_text(json.dumps(top_twenty(), ensure_ascii=False, indent=0))
    result = {
        "database": connection.vendor,
        "posts": args.posts,
        "comments": args.comments,
        "index_seconds": index_seconds,
        **figures,
        "index_per_text": round(figures["index_bytes"] / max(1, figures["text_bytes"]), 2),
        "search_p50_ms": searched["p50"],
        "search_p95_ms": searched["p95"],
        "search_by_kind_p50_p95_ms": searched["by_kind"],
        "search_queries": searched["queries"],
        "search_without_hits": searched["without_hits"],
    }
    print(json.dumps(result, ensure_ascii=False))


def top_twenty() -> dict:
    from renraku.bulletin import search
    from renraku.bulletin.models import Post

    posts = Post.objects.filter(status="published")
    return {
        q: [[hit.id, hit.comment_id] for hit in search.search(q, posts=posts, limit=20)]
        for listed in QUERIES.values()
        for q in listed
    }


if __name__ == "__main__":
    main()
