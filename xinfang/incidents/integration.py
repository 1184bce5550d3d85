"""Where the incidents app meets the screening app (written separately): the conflict ledger (R3.4), used only if it
is importable. Nothing here fails when the screening app has no such model."""

from __future__ import annotations

from typing import Any

from django.apps import apps

# The conflict-ledger model of xinfang.screening (矛盾纠纷/不稳定因素台账).
LEDGER_MODEL_NAMES = ("Conflict",)


def ledger_model() -> Any:
    if not apps.is_installed("xinfang.screening"):
        return None
    for name in LEDGER_MODEL_NAMES:
        try:
            return apps.get_model("screening", name)
        except LookupError:
            continue
    return None
