"""HR import of the whole ward: `python benchmarks/org_import.py [--rows 10000]`.

Prints one JSON object. Target: 10,000 rows in at most 20 s (validate, diff and apply).
`baseline_rows_per_s` is the obvious alternative measured in the same run: one ORM
update_or_create per row (on 1,000 rows), which is what bulk writing replaces.
"""

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._setup import peak_rss_mb, scratch_django


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--baseline-rows", type=int, default=1_000)
    parser.add_argument("--database-url", help="a new, empty database (default: new SQLite)")
    args = parser.parse_args()
    scratch_django(args.database_url)

    from django.db import connection

    from renraku.directory import demo
    from renraku.directory.actions import apply_import
    from renraku.directory.exporting import export_csv
    from renraku.directory.importing import plan_import

    sites = demo.seed_organisation()
    demo.STAFF_COUNT = args.rows
    people = demo.demo_people(random.Random(2026), sites)
    data = demo.as_csv(people)

    def run(data):
        plan = plan_import(data)
        assert plan.ok, plan.errors[:3]
        apply_import(plan, data=data)
        return plan.counts()

    fresh_s, fresh = timed(lambda: run(data))
    unchanged_s, unchanged = timed(lambda: run(data))
    rng = random.Random(7)
    for person in rng.sample(people, len(people) // 10):  # a typical April: 10% move
        person["site"] = rng.choice(sites["head_office"] + sites["community_center"])
    moves_s, moves = timed(lambda: run(demo.as_csv(people)))
    export_s, _ = timed(export_csv)
    baseline_s = _naive_loop(people[: args.baseline_rows])

    print(
        json.dumps(
            {
                "database": connection.vendor,
                "rows": args.rows,
                "import_new_s": round(fresh_s, 2),
                "import_unchanged_s": round(unchanged_s, 2),
                "import_10pct_moved_s": round(moves_s, 2),
                "moved": moves["moved"],
                "export_s": round(export_s, 2),
                "rows_per_s": round(args.rows / fresh_s),
                "baseline_rows_per_s": round(args.baseline_rows / baseline_s),
                "joined": fresh["joined"],
                "unchanged": unchanged["unchanged"],
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


def _naive_loop(people) -> float:
    """One update_or_create per person, under new employee numbers, then undone."""
    from django.db import transaction

    from renraku.directory.models import Department, Position, Section, Site, Staff

    depts = dict(Department.objects.values_list("code", "pk"))
    sections = dict(Section.objects.values_list("code", "pk"))
    sites = dict(Site.objects.values_list("code", "pk"))
    positions = dict(Position.objects.values_list("code", "pk"))
    started = time.perf_counter()
    with transaction.atomic():
        for p in people:
            Staff.objects.update_or_create(
                employee_number="B" + p["employee_number"],
                defaults={
                    "family_name": p["family_name"],
                    "given_name": p["given_name"],
                    "family_name_kana": p["family_name_kana"],
                    "given_name_kana": p["given_name_kana"],
                    "department_id": depts[p["department"]],
                    "section_id": sections.get(p["section"]),
                    "site_id": sites[p["site"]],
                    "position_id": positions[p["position"]],
                    "work_email": p["work_email"],
                    "work_phone": p["work_phone"],
                },
            )
    elapsed = time.perf_counter() - started
    Staff.objects.filter(employee_number__startswith="B").delete()
    return elapsed


if __name__ == "__main__":
    main()
