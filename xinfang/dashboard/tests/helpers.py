"""A hand-built year of cases for the dashboard tests (rows built directly, with exactly the dates a test needs)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from xinfang.accountability.tests.helpers import case, evaluate, opinion
from xinfang.cases.models import Category, Channel, Rating, Status

D = datetime.date
YEAR = 2025
TODAY = D(2026, 2, 1)  # every 2025 limit has passed


def build_year(world: Any) -> None:
    """Cases of 2025 under d1 (both brigades and d1 itself) and one under d2, covering every indicator."""
    # 及时受理: A1 on time, A2 late (d1b1); A3 never decided (d1b2)
    case(world, "d1b1", title="A1", received_on=D(2025, 3, 2), ack_due=D(2025, 3, 17), decided_on=D(2025, 3, 10),
         status=Status.ACCEPTED, channel=Channel.VISIT, category=Category.PROPOSAL)  # fmt: skip
    case(world, "d1b1", title="A2", received_on=D(2025, 4, 1), ack_due=D(2025, 4, 15), decided_on=D(2025, 4, 20),
         status=Status.DECLINED)  # fmt: skip
    case(world, "d1b2", title="A3", received_on=D(2025, 4, 20), ack_due=D(2025, 5, 8), channel=Channel.ONLINE)
    # 按期办结 + 参评 + 满意: B1 on time, delivered, satisfied, concluded in June; B2 late, delivered, not evaluated
    b1 = case(world, "d1b1", title="B1", received_on=D(2025, 3, 5), ack_due=D(2025, 3, 20), decided_on=D(2025, 3, 8),
              due=D(2025, 5, 10), status=Status.CONCLUDED, concluded_on=D(2025, 6, 3))  # fmt: skip
    opinion(b1, issued_on=D(2025, 5, 1), delivered_on=D(2025, 5, 6))
    evaluate(b1, Rating.SATISFIED, D(2025, 5, 20))
    b2 = case(world, "d1b2", title="B2", received_on=D(2025, 5, 2), ack_due=D(2025, 5, 19), decided_on=D(2025, 5, 5),
              due=D(2025, 7, 4), status=Status.DELIVERED, category=Category.PROPOSAL)  # fmt: skip
    opinion(b2, issued_on=D(2025, 7, 10), delivered_on=D(2025, 7, 12))
    b3 = case(world, "d1", title="B3", received_on=D(2025, 6, 2), ack_due=D(2025, 6, 17), decided_on=D(2025, 6, 3),
              due=D(2025, 8, 1), status=Status.CONCLUDED, concluded_on=D(2025, 9, 1))  # fmt: skip
    opinion(b3, issued_on=D(2025, 7, 20), delivered_on=D(2025, 7, 22))
    evaluate(b3, Rating.DISSATISFIED, D(2025, 8, 1))
    # 重复信访: R1 repeats A1
    a1 = b1.__class__.objects.get(title="A1")
    case(world, "d1b1", title="R1", received_on=D(2025, 9, 9), ack_due=D(2025, 9, 24), original_case=a1,
         decided_on=D(2025, 9, 10), status=Status.ACCEPTED, due=D(2026, 9, 1))  # fmt: skip
    # another detachment, another year
    case(world, "d2b1", title="other detachment", received_on=D(2025, 3, 3), ack_due=D(2025, 3, 18))
    case(world, "d1b1", title="other year", received_on=D(2024, 3, 3), ack_due=D(2024, 3, 18))


def rows_of_case_list(html: str) -> int:
    return len(re.findall(r'<tr data-case="', html))


def total_of_case_list(html: str) -> int:
    m = re.search(r"共 (\d+) 件", html)
    assert m, "the case list shows its total"
    return int(m.group(1))
