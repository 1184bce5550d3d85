"""The dashboard's figures are the indicator functions' and the case list's own, on a hand-built year; every link
opens a list whose rows are the figure."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from xinfang.accountability import indicators as ind
from xinfang.cases import selectors as cases
from xinfang.dashboard import selectors
from xinfang.dashboard.tests.helpers import TODAY, YEAR, build_year, rows_of_case_list, total_of_case_list

pytestmark = pytest.mark.django_db


def board(world: Any, username: str = "d1.chief", unit: str = "d1", today: Any = TODAY) -> selectors.Dashboard:
    return selectors.dashboard(world.user(username), world.unit(unit), YEAR, today)


def test_rates_are_the_indicator_functions(world) -> None:
    build_year(world)
    b = board(world)
    assert [r.unit.code for r in b.rates] == ["d1", "d1b1", "d1b2"]
    assert [r.is_total for r in b.rates] == [True, False, False]
    for row in b.rates:
        for code in selectors.TABLE_CODES:
            expected = ind.figure(code, row.unit, YEAR, today=TODAY)
            assert row.cells[code].figure == expected, (row.unit.code, code)
    # …and those are, by hand:
    d1 = b.rates[0].cells
    assert (d1["timely_ack"].figure.numerator, d1["timely_ack"].figure.denominator) == (5, 7)
    assert (d1["on_time"].figure.numerator, d1["on_time"].figure.denominator) == (2, 3)
    assert (d1["participation"].figure.numerator, d1["participation"].figure.denominator) == (2, 3)
    assert (d1["satisfaction"].figure.numerator, d1["satisfaction"].figure.denominator) == (1, 2)
    assert (d1["repeat_rate"].figure.numerator, d1["repeat_rate"].figure.denominator) == (1, 7)
    d1b1 = b.rates[1].cells
    assert (d1b1["timely_ack"].figure.numerator, d1b1["timely_ack"].figure.denominator) == (3, 4)


def test_counts_series_and_mixes_are_the_case_list(world) -> None:
    build_year(world)
    user = world.user("d1.chief")
    b = board(world)
    counts = cases.case_counts(
        user, unit=world.unit("d1"), received_from=datetime.date(YEAR, 1, 1),
        received_to=datetime.date(YEAR, 12, 31),
    )  # fmt: skip
    assert b.received.count == counts["total"] == 7  # A1 A2 A3 B1 B2 B3 R1
    assert {link.key: link.count for link in b.status_counts} == {k: v for k, v in counts.items() if k != "total"}
    assert b.open_cases.count == 4  # A1, A3, R1 and B2 (delivered); A2 declined, B1/B3 concluded
    new = {m.month: m.new.count for m in b.months}
    assert new == {1: 0, 2: 0, 3: 2, 4: 2, 5: 1, 6: 1, 7: 0, 8: 0, 9: 1, 10: 0, 11: 0, 12: 0}
    concluded = {m.month: m.concluded.count for m in b.months}
    assert concluded[6] == 1 and concluded[9] == 1 and sum(concluded.values()) == 2
    assert {link.key: link.count for link in b.categories}["proposal"] == 2
    assert {link.key: link.count for link in b.channels}["visit"] == 1
    assert {link.key: link.count for link in b.channels}["online"] == 1
    assert sum(link.count for link in b.topics) == 7


def test_overdue_by_unit_rolls_up_into_the_child_units(world) -> None:
    build_year(world)
    b = board(world)  # on TODAY (2026-02-01): A3 (d1b2) is overdue; R1's limit runs to 2026-09-01
    assert [(link.label, link.count) for link in b.overdue_by_unit] == [("甲市一区大队", 1), ("甲市二区大队", 1)]
    # d1b1: "other year" (registered, 2024 limit) ; d1b2: A3
    assert b.overdue_total.count == 2


def _get(client: Any, user: Any, url: str) -> str:
    client.force_login(user)
    r = client.get(url)
    assert r.status_code == 200, url
    return r.content.decode()


def test_links_open_lists_whose_rows_are_the_figures(world, client) -> None:
    build_year(world)
    user = world.user("d1.chief")
    b = selectors.dashboard(user, world.unit("d1"), YEAR)  # as the page computes it (today)
    # a month's new cases
    march = b.months[2].new
    html = _get(client, user, march.url)
    assert rows_of_case_list(html) == total_of_case_list(html) == march.count == 2
    # a category of the year
    proposal = next(link for link in b.categories if link.key == "proposal")
    html = _get(client, user, proposal.url)
    assert rows_of_case_list(html) == proposal.count == 2
    # concluded in June
    june = b.months[5].concluded
    html = _get(client, user, june.url)
    assert rows_of_case_list(html) == june.count == 1
    # overdue of one brigade
    for link in b.overdue_by_unit:
        html = _get(client, user, link.url)
        assert rows_of_case_list(html) == link.count
    # a rate's numerator and denominator: the assessment's drill page lists exactly them
    cell = b.rates[1].cells["timely_ack"]
    html = _get(client, user, cell.numerator_url)
    assert len(re.findall(r'<tr data-case="', html)) == cell.figure.numerator == 3
    html = _get(client, user, cell.denominator_url)
    assert len(re.findall(r'<tr data-case="', html)) == cell.figure.denominator == 4


def test_the_page_shows_the_figures_with_their_links(world, client) -> None:
    build_year(world)
    user = world.user("d1.chief")
    b = selectors.dashboard(user, world.unit("d1"), YEAR)
    html = _get(client, user, f"/dashboard/?unit={world.unit('d1').pk}&year={YEAR}")
    assert "支队工作台" in html
    on_time = b.rates[0].cells["on_time"]  # the 支队 itself drills to its own records
    assert on_time.numerator_url == f"/accountability/{YEAR}/units/{world.unit('d1').pk}/on_time/numerator/"
    assert f'href="{on_time.numerator_url}"' in html
    link = b.months[2].new
    assert f'href="{link.url.replace("&", "&amp;")}" data-figure="new-3">2<' in html
    row = b.rates[1]
    cell = row.cells["timely_ack"]
    assert f'href="{cell.numerator_url}" data-figure="rate-timely_ack-{row.unit.pk}">75.0%<' in html
