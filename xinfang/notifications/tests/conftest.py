from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Job files go to a temporary MEDIA_ROOT, never to var/files."""
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def no_transition_hooks():
    """Reminder tests build cases through the services without generating their notices (documents app)."""
    from xinfang.cases import services

    saved = list(services._hooks)
    services._hooks.clear()
    yield
    services._hooks[:] = saved
