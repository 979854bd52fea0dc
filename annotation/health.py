"""Health of what the platform depends on: database, broker, ffmpeg, storage."""

from typing import Any

from django.conf import settings
from django.db import connection

from annotation.celery import app
from annotation.storage import check_storage
from clips.media import MediaToolMissing
from clips.media.tools import tool_versions


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager (no broker; tasks run in-process)"}
    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {"ok": True, "mode": "broker", "transport": conn.transport_cls}


def check_ffmpeg() -> dict[str, Any]:
    return {"ok": True, **tool_versions()}


CHECKS = {
    "database": check_database,
    "broker": check_broker,
    "ffmpeg": check_ffmpeg,
    "storage": check_storage,
}


def health_report() -> tuple[bool, dict[str, Any]]:
    report: dict[str, Any] = {}
    for name, check in CHECKS.items():
        try:
            report[name] = check()
        except MediaToolMissing as exc:
            report[name] = {"ok": False, "error": str(exc)}
        except Exception as exc:
            report[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return all(part["ok"] for part in report.values()), report
