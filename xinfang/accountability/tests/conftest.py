from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded and generated files go to a temporary MEDIA_ROOT, never into var/."""
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT
