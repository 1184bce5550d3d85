"""The annual petition-work report (条例 Art 41, R5.4) on a hand-built year: statistics, subject areas, the most
complained-about units, forwarding / assignment / supervision activity, the 复查/复核 dispositions, recommendations
and their adoption — a DOCX with tables and charts as PNG images."""

from __future__ import annotations

import io

import pytest
from docx import Document

from xinfang.accountability import services
from xinfang.accountability.tests.helpers import D, case, group, opinion, review_of
from xinfang.cases.models import Category, Status, Topic, Transfer, TransferKind

pytestmark = pytest.mark.django_db
YEAR = 2025
PNG = b"\x89PNG\r\n\x1a\n"

leadership = pytest.importorskip("xinfang.leadership.models")


def transfer(world, c, kind: str, to: str, on, objected=None) -> Transfer:
    return Transfer.objects.create(
        case=c, kind=kind, from_unit=world.unit("c"), to_unit=world.unit(to), on=on,
        objection_due=on, objected_on=objected, created_by=world.user("c.officer"),
    )  # fmt: skip


def a_year(world) -> None:
    topic = Topic.objects.order_by("order", "code").first()
    other = Topic.objects.order_by("order", "code").last()
    for i in range(3):
        case(world, "d1b1", title=f"甲{i}", received_on=D(YEAR, 3 + i, 1), topic=topic)
    case(world, "d1b2", title="甲3", received_on=D(YEAR, 7, 1), topic=other)
    accused = case(
        world, "d2b1", title="乙0", received_on=D(YEAR, 6, 1), category=Category.ACCUSATION,
        accused_unit=world.unit("d2b2"), topic=topic,
    )  # fmt: skip
    case(world, "d1b1", title="去年的", received_on=D(YEAR - 1, 6, 1), topic=other)
    # forwarding and assignment by the 总队, one objected to
    first = case(world, "d1", title="转送1", received_on=D(YEAR, 2, 1), topic=topic)
    transfer(world, first, TransferKind.FORWARD, "d1", D(YEAR, 2, 3))
    transfer(world, accused, TransferKind.ASSIGN, "d2", D(YEAR, 6, 3), objected=D(YEAR, 6, 5))
    transfer(world, accused, TransferKind.FORWARD, "d2", D(YEAR - 1, 6, 3))  # another year
    # 挂牌督办: one listed and lifted in the year
    leadership.Supervision.objects.create(
        case=first, level="corps", listed_by_unit=world.unit("c"), listed_on=D(YEAR, 3, 1), deadline=D(YEAR, 4, 1),
        status="lifted", lifted_on=D(YEAR, 3, 20), listed_by=world.user("c.chief"),
    )  # fmt: skip
    # 复查 opinions issued in the year: one upholds, one changes the original
    for title, disposition in (("P-upheld", "uphold"), ("P-changed", "change")):
        parent = case(world, "d1b1", title=title, status=Status.CONCLUDED, received_on=D(YEAR - 1, 3, 1))
        opinion(parent, result="reject", issued_on=D(YEAR - 1, 5, 1), delivered_on=D(YEAR - 1, 5, 3))
        review = review_of(world, parent, "d1", title=f"R-{title}", received_on=D(YEAR - 1, 5, 20))
        opinion(review, result="explain", issued_on=D(YEAR, 1, 10), disposition=disposition)


def test_the_annual_report_covers_every_part_of_article_41(world) -> None:
    a_year(world)
    corps = group(world)
    adopted = services.recommendation_create(
        actor=corps, unit=world.unit("c"), year=YEAR, title="规范消防监督检查告知", content="统一检查结果告知书格式",
        addressed_to="防火监督处",
    )  # fmt: skip
    services.recommendation_respond(actor=corps, recommendation=adopted, status="adopted", response="已印发统一格式")
    rejected = services.recommendation_create(
        actor=corps, unit=world.unit("c"), year=YEAR, title="增设夜间接访", content="在支队增设夜间接访窗口",
        addressed_to="各支队",
    )  # fmt: skip
    services.recommendation_respond(actor=corps, recommendation=rejected, status="rejected", response="条件不具备")
    services.recommendation_create(
        actor=corps, unit=world.unit("c"), year=YEAR, title="待议建议", content="内容", addressed_to="政治部"
    )

    report = services.annual_report_generate(actor=corps, unit=world.unit("c"), year=YEAR)
    ctx = report.context
    # statistics: received in the year in the subtree (not last year's); the review cases were received last year
    assert ctx["received"]["total"] == 6
    assert ctx["received"]["by_month"][2:7] == [1, 1, 1, 1, 1] and ctx["received"]["by_month"][1] == 1
    # subject areas: the topics, most frequent first
    topics = {r["label"]: r["count"] for r in ctx["received"]["by_topic"] if r["count"]}
    assert sorted(topics.values(), reverse=True) == [5, 1]
    # most-complained units: per 支队, and the units accused
    assert {r["unit"]: r["count"] for r in ctx["units"]["children"]} == {"甲市消防救援支队": 5, "乙市消防救援支队": 1}
    assert ctx["units"]["children"][0]["unit"] == "甲市消防救援支队"
    assert ctx["units"]["accused"] == [{"unit": "乙市二区大队", "count": 1}]
    # forwarding / assignment / supervision
    assert ctx["transfers"] == {"forwarded": 1, "assigned": 1, "objected": 1}
    assert ctx["supervision"] == {"listed": 1, "lifted": 1}
    # the review opinions' dispositions
    assert {r["code"]: r["count"] for r in ctx["review_dispositions"]} == {"uphold": 1, "change": 1, "revoke": 0}
    # recommendations and their adoption
    assert [r["status"] for r in ctx["recommendations"]] == ["adopted", "rejected", "pending"]
    assert {r["code"]: r["count"] for r in ctx["recommendation_counts"]} == {
        "pending": 1,
        "adopted": 1,
        "partly": 0,
        "rejected": 1,
    }

    doc = Document(io.BytesIO(report.file.read()))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    for heading in ("信访事项总体情况", "反映问题的主要领域", "信访事项较多的单位", "办理质量", "转送、交办和督办情况"):
        assert heading in text
    assert "改进工作的建议及采纳情况" in text
    assert "共登记信访事项6件" in text
    assert "转送信访事项1件，交办1件，接收单位提出异议1件" in text
    assert "挂牌督办信访事项1件，解除督办1件" in text
    assert "对原处理意见维持1件，变更1件，撤销0件" in text
    assert "共提出改进工作的建议3条，其中已采纳1条、部分采纳0条、未采纳1条、待采纳1条" in text
    for expected in ("甲市消防救援支队", "乙市二区大队", "规范消防监督检查告知", "已采纳", "未采纳", "已印发统一格式"):
        assert expected in cells
    assert "挂牌督办" in cells and "交办" in cells
    # the charts are pictures: months, subject areas, units, forwarding/supervision
    images = [doc.part.related_parts[s._inline.graphic.graphicData.pic.blipFill.blip.embed] for s in doc.inline_shapes]
    assert len(images) >= 4
    assert all(part.content_type == "image/png" and part.blob.startswith(PNG) for part in images)


def test_a_report_frozen_before_the_new_statistics_still_renders(world) -> None:
    from xinfang.accountability.annual import statistics
    from xinfang.accountability.reports import render_annual_report

    ctx = statistics(world.unit("c"), YEAR, D(YEAR + 1, 1, 10))
    for key in ("review_dispositions", "recommendation_counts"):
        ctx.pop(key)
    assert Document(io.BytesIO(render_annual_report(ctx))).paragraphs
