"""Serializers of the notification centre and of background import jobs."""

from __future__ import annotations

from rest_framework import serializers

from xinfang.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.BooleanField(source="is_read", read_only=True, help_text="是否已读")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read", "read_at"]
        read_only_fields = fields


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="只列未读消息")


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="标为已读的消息数")


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="按导入模板填写的 .xlsx 台账")
    skip_duplicates = serializers.BooleanField(
        required=False, default=False, help_text="跳过与已有事项重复的行（否则重复行作为错误，整个文件不导入）"
    )


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Excel 行号")
    column = serializers.CharField(help_text="列标题（整行问题为空）")
    message = serializers.CharField()


class ImportDuplicateSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    case = serializers.IntegerField(allow_null=True, help_text="重复的已有信访事项 id（文件内重复为 null）")
    number = serializers.CharField(help_text="重复的已有信访事项编号")
    in_file_row = serializers.IntegerField(allow_null=True, help_text="文件内与之重复的前一行")


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(
        help_text="pending 排队 / running 进行中 / done 已导入 / failed 有错误未导入 / error 出错中止",
    )
    status_label = serializers.CharField()
    phase = serializers.CharField(help_text="校验 / 写入")
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    stalled = serializers.BooleanField(help_text="进度长时间未更新（进程可能已中断；未写入任何数据）")
    file_name = serializers.CharField()
    rows = serializers.IntegerField(help_text="文件数据行数")
    created = serializers.IntegerField(help_text="已导入的信访事项数")
    created_ids = serializers.ListField(child=serializers.IntegerField())
    skipped_duplicates = serializers.ListField(child=serializers.IntegerField(), help_text="跳过的重复行号")
    duplicates = ImportDuplicateSerializer(many=True)
    errors = ImportErrorSerializer(many=True)  # type: ignore[assignment]
    message = serializers.CharField()
    error_workbook_url = serializers.CharField(allow_null=True, help_text="错误标注文件（API）")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
