"""The notification centre over the API: the caller's own messages (another user's id answers 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.api import notifications_serializers as s
from xinfang.api.serializers import ErrorSerializer
from xinfang.notifications import selectors, services
from xinfang.notifications.models import Notification

_AUTH = {401: OpenApiResponse(ErrorSerializer, description="未登录或令牌无效")}
_404 = {404: OpenApiResponse(ErrorSerializer, description="消息不存在（或不是本人的消息）")}


@extend_schema_view(
    list=extend_schema(
        summary="我的消息",
        description=(
            "本人的消息提醒（到期、逾期、受理告知、新的网上信访、导入结果等），新的在前。unread=true 只列未读。"
        ),
        parameters=[s.NotificationFilterSerializer],
        responses={200: s.NotificationSerializer(many=True), **_AUTH},
    ),
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        params = s.NotificationFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return selectors.notification_list(self.request.user, unread_only=params.validated_data["unread"])

    @extend_schema(
        summary="标为已读",
        request=None,
        responses={200: s.NotificationSerializer, **_AUTH, **_404},
    )
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request: Request, pk: str) -> Response:
        notification = selectors.access_notification(request.user, pk)
        row = services.notification_mark_read(actor=request.user, notification=notification)
        return Response(s.NotificationSerializer(row).data)

    @extend_schema(
        summary="全部标为已读",
        request=None,
        responses={200: s.MarkedReadSerializer, **_AUTH},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": services.notifications_mark_all_read(actor=request.user)})

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request}
