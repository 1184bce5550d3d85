from __future__ import annotations

import pytest

from xinfang.core import legal_calendar


@pytest.fixture(autouse=True)
def fresh_calendar():
    """The legal calendar caches overrides per process; test transactions roll back underneath it."""
    legal_calendar.calendar_changed()
    yield
    legal_calendar.calendar_changed()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a temporary MEDIA_ROOT, never into var/."""
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def no_transition_hooks():
    """Domain tests run without the extension hooks (e.g. document generation); test_hooks.py tests the hook
    mechanism itself, and the documents app tests its own hook."""
    from xinfang.cases import services

    saved = list(services._hooks)
    services._hooks.clear()
    yield
    services._hooks[:] = saved
