"""Releases built once per test session from the synthetic data (the builds are pure and
deterministic, so sharing them between tests is safe; tests never write into them)."""

import os
from pathlib import Path

import pytest
from synthetic import synthetic_release

from exports.pipeline import ReleaseData, build_release

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def release_data() -> ReleaseData:
    return synthetic_release()


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory: pytest.TempPathFactory, release_data: ReleaseData) -> Path:
    out = tmp_path_factory.mktemp("release") / "emos-demo-1.0.0"
    build_release(release_data, out)
    return out
