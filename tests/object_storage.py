"""A real S3 HTTP endpoint for tests: moto's standalone server (``moto[server]``), started
once per session by the ``s3_endpoint`` fixture (conftest), and helpers around processes."""

import subprocess
import sys
from pathlib import Path

import boto3
from web_server import free_port, wait_http

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
REGION = "us-east-1"


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
