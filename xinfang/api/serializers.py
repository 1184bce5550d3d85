from __future__ import annotations

from dataclasses import dataclass

from rest_framework import serializers

from xinfang.orgs.models import Level, Post, Unit, User


class ErrorSerializer(serializers.Serializer):
    """Every error answer: a stable code and a Chinese message."""

    code = serializers.CharField(help_text="稳定的错误代码，如 not_found、forbidden、invalid")
    detail = serializers.CharField(help_text="中文说明")


class ValidationErrorSerializer(ErrorSerializer):
    """A validation error: the general message plus each field's messages."""

    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), help_text="各字段的错误信息"
    )


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名", max_length=150)
    password = serializers.CharField(label="密码", max_length=128, write_only=True, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="以请求头 Authorization: Token <token> 发送")


class UnitSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    path = serializers.CharField(read_only=True, help_text='单位 id 组成的物化路径，如 "/1/4/9/"')

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "level", "level_label", "parent", "is_active", "path"]
        read_only_fields = fields
        extra_kwargs = {"parent": {"help_text": "上级单位 id；顶层单位为 null"}}


class UnitFilterSerializer(serializers.Serializer):
    """Query parameters of GET /api/v1/units/."""

    level = serializers.ChoiceField(label="层级", choices=Level.choices, required=False)
    active = serializers.BooleanField(
        label="启用状态", required=False, allow_null=True, default=None, help_text="true 仅启用单位，false 仅停用单位"
    )
    q = serializers.CharField(
        label="关键字", required=False, allow_blank=True, max_length=100, help_text="按名称或代码查找"
    )


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]
        read_only_fields = fields


class PostUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "level"]
        read_only_fields = fields


class MePostSerializer(serializers.ModelSerializer):
    unit = PostUnitSerializer(read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Post
        fields = ["id", "unit", "role", "role_label", "start_on", "end_on"]
        read_only_fields = fields


@dataclass(frozen=True)
class Profile:
    """What GET /api/v1/me/ shows: the user, his active posts and the permissions they grant."""

    user: User
    posts: list[Post]
    permissions: list[str]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.name")
    unit = UnitRefSerializer(source="user.unit", allow_null=True, help_text="所属单位")
    posts = MePostSerializer(many=True, help_text="现任岗位")
    permissions = serializers.ListField(child=serializers.CharField(), help_text="任一岗位授予的权限（排序）")
