"""Shared pytest fixtures. Tests never download: the Hugging Face hub is set offline here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def tiny_st_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny real sentence-transformers model (StaticEmbedding, 32 dims), built once offline."""
    from tiny_model import build_tiny_st_model

    return build_tiny_st_model(tmp_path_factory.mktemp("tiny_st_model"))


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keep the embedding cache of CLI and pipeline runs out of the user's home; one cache per
    session, so the seeds are embedded once for the whole suite."""
    cache = tmp_path_factory.mktemp("xdg_cache")
    os.environ["XDG_CACHE_HOME"] = str(cache)
    return cache
