"""EXPLAIN ANALYZE of every statement of one next-clip claim, on a project whose history holds
N released assignments (issue 17: claims slowed down as released leases piled up).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/db python scripts/explain_claim.py 10000 100000

Builds a throwaway project in that database (20,000 clips, 100 annotators) and deletes it at
the end. The history is what annotators claiming and skipping leave: each released the clips
at the front of the queue in turn (a released clip keeps its place there), so the claimer, one
of them, has N/100 clips of its own to pass over. Each claim is rolled back.
"""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotation.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from annotation.models import Membership, Project  # noqa: E402
from annotation.services.assignment import assignment_next  # noqa: E402
from clips.models import Clip  # noqa: E402

N_CLIPS, ANNOTATORS = 20_000, 100


def released(users: list[int], clips: list[int], n: int, have: int) -> None:
    """Rows have..n-1: row i is user i % H releasing the clip (i // H) in queue order."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO annotation_assignment
                   (clip_id, user_id, layer, status, created_at, expires_at, finished_at)
               SELECT (%s::bigint[])[(i / %s) + 1], (%s::bigint[])[(i %% %s) + 1], 1,
                      'released', now(), now(), now()
               FROM generate_series(%s, %s - 1) AS i""",
            [clips, len(users), users, len(users), have, n],
        )
        cursor.execute("ANALYZE annotation_assignment")


def explain(sql: str) -> tuple[float, str]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) {sql}")
        lines = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    ms = float(lines[-1].split(":")[1].split()[0])
    return ms, "\n".join(lines)


def main(sizes: list[int]) -> None:
    project = Project.objects.create(slug=f"explain-{int(time.time())}", name="explain")
    try:
        clips = list(
            Clip.objects.bulk_create(
                Clip(project=project, external_id=f"c{i:06d}", media_status="ready", duration_s=3)
                for i in range(N_CLIPS)
            )
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE clips_clip")
        annotators = User.objects.bulk_create(
            User(username=f"{project.slug}-a{i}") for i in range(ANNOTATORS)
        )
        Membership.objects.bulk_create(
            Membership(project=project, user=user, role="annotator") for user in annotators
        )
        claimer = annotators[0]
        have = 0
        for n in sizes:
            released([u.pk for u in annotators], [c.pk for c in clips], n, have)
            have = n
            with transaction.atomic(), CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                assignment_next(user=claimer, project=project)
                wall = (time.perf_counter() - start) * 1000
                transaction.set_rollback(True)
            statements = [q["sql"] for q in captured.captured_queries]
            print(f"\n=== {n:,} released assignments: {len(statements)} statements, {wall:.1f} ms")
            for sql in statements:
                if sql.startswith(("SAVEPOINT", "RELEASE")):
                    continue
                ms, plan = explain(sql)
                print(f"\n--- {ms:.2f} ms: {sql[:160]}...")
                print(plan)
    finally:
        User.objects.filter(username__startswith=f"{project.slug}-").delete()
        project.delete()


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10_000, 100_000])
