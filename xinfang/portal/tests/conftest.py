from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Attachments and generated documents go to a temporary MEDIA_ROOT, never to var/files."""
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The rate-limit counters live in the (process-wide) cache."""
    cache.clear()
    yield
    cache.clear()
