"""A real S3 HTTP endpoint for tests: moto's standalone server (``moto[server]``), started
once per session by the ``s3_endpoint`` fixture (conftest), and helpers around processes."""

import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import requests
from web_server import free_port

WAIT_LIMIT = 180  # a hang guard, not a speed claim
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
REGION = "us-east-1"


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Until ``url`` answers 200; fails with the process's log if it dies or never does."""
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if requests.get(url, timeout=10).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not listening, or starting
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} never answered 200:\n{log.read_text()}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_moto(log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/moto-api/", proc, log)
    return url, proc


def client(env: dict[str, str]):  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=env["AWS_S3_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def s3_objects(env: dict[str, str], prefix: str) -> dict[str, int]:
    """Key -> size of what the bucket holds under ``prefix``."""
    listing = client(env).list_objects_v2(Bucket=env["AWS_STORAGE_BUCKET_NAME"], Prefix=prefix)
    return {item["Key"]: item["Size"] for item in listing.get("Contents", [])}
