"""Shapes of GET /api/v1/dashboard/ (R6.1, issue 7 item 5) for the OpenAPI schema; the body is
xinfang.dashboard.selectors.as_data (the same figures as the dashboard page)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from xinfang.dashboard import selectors


class DashboardQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        label="单位ID",
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="不填为本人所属单位；须在本人查看范围内",
    )
    year = serializers.CharField(label="年度", required=False, help_text="四位年份，不填为本年度")

    def validate_year(self, value: str) -> int:
        try:
            return selectors.parse_year(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validated(self) -> dict[str, Any]:
        d = dict(self.validated_data)
        d.setdefault("year", selectors.parse_year(None))
        return d


class DashUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField(help_text="corps 总队 / detachment 支队 / brigade 大队")


class DashLinkSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="状态、类别、渠道、业务分类等代码")
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label" (DRF pops declared fields)
    count = serializers.IntegerField()
    url = serializers.CharField(help_text="页面上对应清单的地址（筛选条件与本数字一致）")


class DashFigureSerializer(serializers.Serializer):
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True, help_text="计数指标为 null")
    value = serializers.FloatField(allow_null=True, help_text="比率（0–1）或件数；分母为0时为 null（不适用）")
    applicable = serializers.BooleanField()
    numerator_url = serializers.CharField(help_text="分子明细页（考核明细）；无权查看时为空")
    denominator_url = serializers.CharField(help_text="分母明细页；计数指标或无权查看时为空")


class DashRateRowSerializer(serializers.Serializer):
    unit = DashUnitSerializer()
    is_total = serializers.BooleanField(help_text="true：所选单位本身（含全部下级）；false：直属下级单位")
    indicators = serializers.DictField(
        child=DashFigureSerializer(),
        help_text="timely_ack 及时受理率、on_time 按期办结率、participation 参评率、satisfaction 满意率、"
        "repeat_rate 重复信访率、overdue_cases 逾期件数 — 口径同 /api/v1/assessments/（indicators.py）",
    )


class DashMonthSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    new = serializers.IntegerField(help_text="当月收到")
    concluded = serializers.IntegerField(help_text="当月办结")
    new_url = serializers.CharField()
    concluded_url = serializers.CharField()


class DashOverdueSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    url = serializers.CharField()


class DashSectionSerializer(serializers.Serializer):
    available = serializers.BooleanField(help_text="false：本人在该单位无此项查看权限，其余字段为空")
    url = serializers.CharField()
    total = serializers.IntegerField()
    counts = DashLinkSerializer(many=True)
    items = serializers.ListField(child=serializers.CharField(), help_text="逐项说明（逾期未报的单位、未达要求的配额）")


class DashMyWorkSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="全部待办")
    overdue = serializers.IntegerField(help_text="已逾期")
    soon = serializers.IntegerField(help_text="7日内到期")
    approval = serializers.IntegerField(help_text="待我审批的处理意见")


class DashboardSerializer(serializers.Serializer):
    unit = DashUnitSerializer()
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    level_title = serializers.CharField()
    my_work = DashMyWorkSerializer()
    my_work_links = DashLinkSerializer(many=True)
    received = DashLinkSerializer(help_text="本年度收到（所选单位及下级）")
    open = DashLinkSerializer(help_text="其中未办结")
    status_counts = DashLinkSerializer(many=True, help_text="本年度收到事项按状态")
    rates = DashRateRowSerializer(many=True)
    indicator_labels = serializers.DictField(child=serializers.CharField())
    monthly = DashMonthSerializer(many=True)
    categories = DashLinkSerializer(many=True)
    topics = DashLinkSerializer(many=True)
    channels = DashLinkSerializer(many=True)
    overdue_by_unit = DashOverdueSerializer(many=True, help_text="当前逾期事项，按直属下级单位")
    overdue_total = DashLinkSerializer()
    screening_owed = DashSectionSerializer(help_text="排查报告报送状态（截至今日）")
    quotas_behind = DashSectionSerializer(help_text="党委会、领导接访落后进度")
    open_warnings = DashSectionSerializer(help_text="未办结的预警信息，按阶段")
    supervisions = DashSectionSerializer(help_text="挂牌督办中，按督办机关")
