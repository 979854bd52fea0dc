from typing import Any

from django.core.management.base import BaseCommand

from annotation.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo


class Command(BaseCommand):
    help = "Create (or refresh) the bilingual demo project, its clips and a user per role."

    def handle(self, *args: Any, **options: Any) -> None:
        project = seed_demo()
        self.stdout.write(self.style.SUCCESS(f"\nDemo project '{project.slug}' is ready."))
        self.stdout.write("Open http://127.0.0.1:8000/ and sign in with one of:")
        for username, roles in DEMO_USERS.items():
            self.stdout.write(f"  {username:<12} / {DEMO_PASSWORD}   ({', '.join(roles)})")
