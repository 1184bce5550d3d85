"""What the dashboard keeps between pages (dashboard/kept.py)."""

from __future__ import annotations

from django.db import models


class SourceVersion(models.Model):
    """The version of one source of the dashboard's kept sections (kept.SOURCES: the tables it is read from),
    bumped by database triggers (PostgreSQL; migration 0001) in the transaction of every statement that changes one
    of those tables. No row = version 0."""

    name = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
