"""API routes of the incidents app, mounted by xinfang/api/urls.py under /api/v1/."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver

from xinfang.api import incidents_views as v

# (prefix, viewset, basename) registered on the v1 router
ROUTES: list[tuple[str, Any, str]] = [
    ("contingency-plans", v.PlanViewSet, "contingency-plan"),
    ("linkage-contacts", v.ContactViewSet, "linkage-contact"),
    ("incidents", v.IncidentViewSet, "incident"),
    ("referrals", v.ReferralViewSet, "referral"),
]
# extra plain paths under /api/v1/
PATTERNS: list[URLPattern | URLResolver] = []
