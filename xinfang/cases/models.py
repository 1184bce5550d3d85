"""信访事项 (cases) from registration to 复核 — seed 二, REQUIREMENTS R2.1–R2.12.

Reading order: Topic (the fire-service taxonomy), Case (one row per 信访事项, its stored dates and its
place in the workflow), Petitioner (personal data encrypted, found through keyed hashes), Attachment,
CaseEvent (the timeline), Transfer (转送/交办 and the Art 23 objection), Extension, Opinion, Evaluation,
Recusal (Art 28), CaseCounter (gap-free numbers).

The workflow itself (which action moves which status where, under which permission) is in workflow.py;
the services that change these rows are in services.py; reads start from `Case.objects.visible_to(user)`.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import Case as CaseWhen
from django.db.models import Exists, F, OuterRef, Q, Value, When
from django.db.models.expressions import RawSQL

from xinfang.core.fields import EncryptedTextField, KeyedHashField, normalize_id_number
from xinfang.core.scope import ScopedQuerySet, scope_paths, user_grants

VIEW_PERM = "cases.case.view"


# ---------------------------------------------------------------------------------------------------
# Choices


class Channel(models.TextChoices):
    ONLINE = "online", "网上信访"
    LETTER = "letter", "来信"
    PHONE = "phone", "来电"
    FAX = "fax", "传真"
    VISIT = "visit", "来访"
    ASSIGNED = "assigned", "上级交办/转送"


class Category(models.TextChoices):
    PROPOSAL = "proposal", "建议意见类"
    ACCUSATION = "accusation", "检举控告类"
    APPEAL = "appeal", "申诉求决类"
    LITIGATION = "litigation", "涉法涉诉类"


class Kind(models.TextChoices):
    INITIAL = "initial", "信访事项"
    REVIEW = "review", "复查"
    REREVIEW = "rereview", "复核"


class Status(models.TextChoices):
    REGISTERED = "registered", "待受理"
    FORWARDED = "forwarded", "已转送/交办"
    OBJECTED = "objected", "接收单位提出异议"
    ACCEPTED = "accepted", "已受理办理中"
    DECLINED = "declined", "不予受理"
    DIVERTED = "diverted", "已导出"
    OPINION_DRAFTED = "opinion_drafted", "处理意见待审批"
    OPINION_APPROVED = "opinion_approved", "处理意见已审批"
    OPINION_ISSUED = "opinion_issued", "处理意见已出具"
    DELIVERED = "delivered", "已送达"
    EVALUATED = "evaluated", "已评价"
    CONCLUDED = "concluded", "已办结"


# Waiting for the handling unit's decision: the 15-day 受理告知 limit (Art 23) runs.
ACK_STATUSES = frozenset({Status.REGISTERED, Status.FORWARDED, Status.OBJECTED})
# Accepted and no opinion issued yet: the 60-day (Art 34) or 30-day (Art 35/36) limit runs.
CLOCK_STATUSES = frozenset({Status.ACCEPTED, Status.OPINION_DRAFTED, Status.OPINION_APPROVED})
# Still being handled by a unit (Art 19: a higher unit does not accept the same matter meanwhile).
IN_PROGRESS_STATUSES = ACK_STATUSES | CLOCK_STATUSES
# Nothing more happens to the case itself.
CLOSED_STATUSES = frozenset({Status.DECLINED, Status.DIVERTED, Status.CONCLUDED})
# The opinion has been issued (and possibly delivered): the petitioner holds an answer.
ANSWERED_STATUSES = frozenset({Status.OPINION_ISSUED, Status.DELIVERED, Status.EVALUATED, Status.CONCLUDED})


class Art31Item(models.IntegerChoices):
    """《信访工作条例》 Art 31: items 一–五 leave the petition procedure (导出); item 六 is handled and answered."""

    LITIGATION = (
        1,
        "（一）应当通过审判机关诉讼程序或者复议程序、检察机关刑事立案程序或者法律监督程序、公安机关法律程序处理",
    )
    ARBITRATION = 2, "（二）应当通过仲裁解决"
    PARTY_APPEAL = 3, "（三）可以通过党员申诉、申请复审等解决"
    ADMINISTRATIVE = 4, "（四）可以通过行政复议、行政裁决、行政确认、行政许可、行政处罚等行政程序解决"
    DUTY = 5, "（五）属于申请查处违法行为、履行保护人身权或者财产权等合法权益职责"
    PETITION = 6, "（六）听取陈述、调查核实并出具信访处理意见书"


DIVERT_ITEMS = (1, 2, 3, 4, 5)


class TransferKind(models.TextChoices):
    FORWARD = "forward", "转送"
    ASSIGN = "assign", "交办"


class ObjectionDecision(models.TextChoices):
    AGREED = "agreed", "同意异议，交还材料"
    REJECTED = "rejected", "不同意异议，继续办理"


class OpinionResult(models.TextChoices):
    SUPPORT = "support", "予以支持"
    EXPLAIN = "explain", "解释说明"
    REJECT = "reject", "不予支持"


class Disposition(models.TextChoices):
    """How a 复查/复核 opinion treats the opinion under review (Art 35/36): 维持, 变更 or 撤销."""

    UPHOLD = "uphold", "维持"
    CHANGE = "change", "变更"
    REVOKE = "revoke", "撤销"


class Rating(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


MAX_REPRESENTATIVES = 5  # Art 20: a collective visit elects at most five representatives


# ---------------------------------------------------------------------------------------------------
# Topic


class Topic(models.Model):
    """The fire-service topic taxonomy (R2.2); admins extend it (cases.topic.manage)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "业务分类"
        verbose_name_plural = "业务分类"

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------------------------------------------
# Case


def conflict_unit_ids(user: Any) -> set[int]:
    """Units whose subtree holds one of the user's posts (or his home unit): the ancestors-or-self of each.

    A 检举控告 case accusing any of these units is hidden from him (Art 30)."""
    ids: set[int] = set()
    for grant in user_grants(user):
        ids.update(int(p) for p in grant.unit_path.strip("/").split("/") if p)
    home_path = _home_unit_path(user)
    if home_path:
        ids.update(int(p) for p in home_path.strip("/").split("/") if p)
    return ids


def _home_unit_path(user: Any) -> str:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "unit_id", None):
        return ""
    cached = user.__dict__.get("_xf_home_path")
    if cached is None:
        from xinfang.orgs.models import Unit

        # Through the relation, so the page's header (user.unit) reuses the same row: one query, not two.
        try:
            cached = user.unit.path or ""
        except Unit.DoesNotExist:
            cached = ""
        user.__dict__["_xf_home_path"] = cached
    return cached


def confidential_parts(user: Any, *, correlated: bool = False) -> list[Q]:
    """Art 30 (R2.12), the one definition, as the branches whose OR is the condition: the 检举控告 cases kept from
    `user` — those accusing a unit whose subtree holds one of his posts or his home unit, and those naming him among
    the accused officials. The second branch as an IN (subquery), so a caller reading the hidden cases can UNION the
    branches, each by its own index; `correlated`: as an EXISTS per case instead (the same cases), the form an
    exclusion from another query plans best with."""
    accusation = Q(category=Category.ACCUSATION)
    parts = [accusation & Q(accused_unit_id__in=sorted(conflict_unit_ids(user)))]
    if user is not None and getattr(user, "pk", None):
        officials = Case.accused_officials.through.objects
        if correlated:
            parts.append(accusation & Q(Exists(officials.filter(case_id=OuterRef("pk"), user_id=user.pk))))
        else:
            parts.append(accusation & Q(pk__in=officials.filter(user_id=user.pk).values("case_id")))
    return parts


def confidential_condition(user: Any) -> Q:
    """The OR of confidential_parts: what CaseQuerySet.hide_confidential_from excludes."""
    condition = Q()
    for part in confidential_parts(user, correlated=True):
        condition |= part
    return condition


BRANCH_OFFSET = 200  # CaseQuerySet.page_slice: from this row on, a page's ids are picked by the scope's branches
BRANCH_UNITS = 50  # CaseQuerySet.capped_count: a scope of more units is counted by its branches
SCOPE_LITERAL_MAX = 5_000  # beyond this many units, a scope is written as path conditions instead of an id list


def scope_case_keys(user: Any, perm: str) -> tuple[list[int] | None, Any]:
    """(ids of the units in the user's `perm` subtrees, or None when there are more than SCOPE_LITERAL_MAX;
    ids of the cases those units forwarded or assigned elsewhere — a subquery when there are many). One query,
    cached on the user object for the request."""
    from xinfang.orgs.models import Unit

    paths = scope_paths(user, perm)
    key = (perm, tuple(paths))
    cache: dict[Any, tuple[int, tuple[list[int] | None, Any]]] = user.__dict__.setdefault("_xf_case_scope", {})
    hit = cache.get(key)
    if hit is not None and hit[0] == _scope_generation[0]:
        return hit[1]
    in_paths = Q()
    for p in paths:
        in_paths |= Q(path__startswith=p)
    unit_ids = Unit.objects.filter(in_paths).order_by().values("pk")
    forwarded = Transfer.objects.filter(from_unit_id__in=unit_ids).order_by().values("case_id")
    rows = list(
        Unit.objects.filter(in_paths)
        .order_by()
        .annotate(kind=Value("u", output_field=models.CharField()))
        .values_list("kind", "pk")
        .union(
            forwarded.annotate(kind=Value("t", output_field=models.CharField())).values_list("kind", "case_id"),
            all=True,
        )
    )
    units = [pk for kind, pk in rows if kind == "u"]
    cases = [pk for kind, pk in rows if kind == "t"]
    result = (
        units if len(units) <= SCOPE_LITERAL_MAX else None,
        cases if len(cases) <= SCOPE_LITERAL_MAX else forwarded,
    )
    cache[key] = (_scope_generation[0], result)
    return result


# Bumped whenever a unit or a transfer is saved or deleted in this process (signals below), so a cached scope is never
# used after a change that could alter it — e.g. a case forwarded earlier in the same request or test.
_scope_generation = [0]


def bump_scope_generation(**_: Any) -> None:
    _scope_generation[0] += 1


class CaseQuerySet(ScopedQuerySet["Case"]):
    """THE scoped queryset of cases. Every list, detail, search, count, export and dashboard starts here.

    visible_to(user) =
        (cases at a unit in the user's scope  OR  cases his units forwarded/assigned elsewhere  OR  shared)
        MINUS (Art 30, R2.12) 检举控告 cases whose accused unit contains one of his posts or his home unit,
              and 检举控告 cases naming him among the accused officials.
    """

    scope_path_lookup = "unit__path"
    view_perm = VIEW_PERM
    # (units, forwarded, shared) of a scope written as id lists (visible_to), kept through filters: see `branches`
    _scope_parts: tuple[Any, Any, list[int]] | None = None

    def _clone(self) -> Any:
        clone = super()._clone()  # type: ignore[misc]
        clone._scope_parts = self._scope_parts
        return clone

    def visible_to(self, user: Any, perm: str | None = None) -> CaseQuerySet:
        from xinfang.core.scope import scope_paths, shared_ids
        from xinfang.orgs.models import Unit

        perm = perm or self.view_perm
        paths = scope_paths(user, perm)
        condition = Q(pk__in=[])
        if paths:
            # The subtrees' units and the cases they forwarded or assigned elsewhere as LITERAL id lists (one small
            # query, cached for the request), not as joins on the unit path: PostgreSQL then estimates each scope
            # from the column statistics and picks the right plan — walk the (received_on, id) or deadline index for
            # a 总队, the unit index for a 大队 (at 1,000,000 cases a path join costs the 总队 list ~1.5 s).
            # A scope holding a root unit (the 局) sees nearly everything: path conditions, no id lists.
            units: Any
            forwarded: Any
            units, forwarded = (None, None) if any(p.count("/") <= 2 for p in paths) else scope_case_keys(user, perm)
            if units is None or forwarded is None:
                in_paths = Q()
                for p in paths:
                    in_paths |= Q(path__startswith=p)
                subtree = Unit.objects.filter(in_paths).order_by().values("pk")
                units = subtree if units is None else units
                if forwarded is None:
                    forwarded = Transfer.objects.filter(from_unit_id__in=subtree).order_by().values("case_id")
            condition = Q(unit_id__in=units)
            condition |= Q(pk__in=forwarded)
        shared = shared_ids(user, self.model)
        if shared:
            condition |= Q(pk__in=shared)
        qs = self.filter(condition).hide_confidential_from(user)
        if paths and isinstance(units, list):
            qs._scope_parts = (units, forwarded, shared)
        return qs

    def branches(self) -> list[CaseQuerySet] | None:
        """This queryset split by the part of the scope each case is seen through — at a unit of the scope, forwarded
        by one, shared — as disjoint querysets whose union is exactly this one; None when the scope is not written
        as id lists (the 局's) or when nothing was narrowed by visible_to.

        Each part is read by one index: with the covering (unit, order …) indexes the unit part of a 总队's deep page
        is an index-only scan instead of a heap walk over 38,000 cases (tests/test_scale.py)."""
        if self._scope_parts is None:
            return None
        units, forwarded, shared = self._scope_parts
        parts = [self.filter(unit_id__in=units), self.filter(pk__in=forwarded).exclude(unit_id__in=units)]
        if shared:
            parts.append(self.filter(pk__in=shared).exclude(unit_id__in=units).exclude(pk__in=forwarded))
        return parts

    def _branch_ordering(self) -> tuple[list[str], tuple[Any, ...]] | None:
        """(the columns the ordering reads, the ordering) when every term is a column of the case itself."""
        ordering = tuple(self.query.order_by)
        if not ordering or self.query.distinct or self.query.is_sliced:
            return None
        names: list[str] = []
        for term in ordering:
            if isinstance(term, str):
                name = term.lstrip("-")
            elif isinstance(getattr(term, "expression", None), F):
                name = term.expression.name  # type: ignore[union-attr,attr-defined]
            else:
                return None
            name = "id" if name == "pk" else name
            if "__" in name or name in names:
                return None
            names.append(name)
        return [n for n in names if n != "id"], ordering

    def page_slice(self, bottom: int, top: int) -> CaseQuerySet:
        """self[bottom:top] as a queryset (one query when evaluated). For a deep page (from BRANCH_OFFSET on) the
        rows' ids are picked from the branches' UNION ALL in the same order (each an index-only scan), then read with
        everything self selects, prefetches and annotates. A shallow page walks the order's index (or the filter's)
        and stops after `top` rows — cheaper there. Measured at 1,000,000 cases: a 总队's page 1 12 ms plain, 45 ms
        by the branches; its page 200 117 ms plain, 41 ms by the branches; a 支队's row 200 by deadline 102 ms plain,
        16 ms by the branches; a 支队 chief's my-work page 13 ms plain, 40 ms by the branches."""
        parts = self.branches() if bottom >= BRANCH_OFFSET else None
        shape = self._branch_ordering() if parts is not None else None
        if parts is None or shape is None:
            return self[bottom:top]
        columns, ordering = shape
        keyed = [p.order_by().values_list(*columns, "id") for p in parts]
        picked = keyed[0].union(*keyed[1:], all=True).order_by(*ordering)[bottom:top]
        try:
            sql, params = picked.query.get_compiler(using=self.db).as_sql()
        except EmptyResultSet:  # every branch is empty by its conditions alone
            return self.none()
        # The ORM compiled `picked` (its values are bound parameters); a UNION ordered by columns it does not return
        # cannot be a Subquery, hence the wrapping SELECT.
        return self.filter(pk__in=RawSQL(f"SELECT page.id FROM ({sql}) AS page", params))  # noqa: S608, S611

    def capped_count(self, cap: int) -> int:
        """min(count, cap + 1) in one query: for a scope of more than BRANCH_UNITS units, the UNION ALL of its
        branches, each stopping at cap + 1 (a 总队's list: 38 ms plain, 14 ms so); else the plain capped count (a
        大队's list or a selective queue: 4–6 ms plain, 8–25 ms by the branches)."""
        parts = self.branches()
        units = self._scope_parts[0] if self._scope_parts else []
        if (
            parts is None
            or len(units) <= BRANCH_UNITS
            or not connections[self.db].features.supports_slicing_ordering_in_compound  # SQLite
        ):
            return self.order_by()[: cap + 1].count()
        limited = [p.order_by().values_list("id")[: cap + 1] for p in parts]
        return min(limited[0].union(*limited[1:], all=True).count(), cap + 1)

    def hide_confidential_from(self, user: Any) -> CaseQuerySet:
        """Art 30: the accused unit's staff and the accused officials never see a 检举控告 case."""
        return self.exclude(confidential_condition(user))

    def open(self) -> CaseQuerySet:
        return self.exclude(status__in=CLOSED_STATUSES)


def new_query_code() -> str:
    """A 12-character 查询码 without look-alike characters (0/O, 1/I/L)."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(12))


class Case(models.Model):
    """A 信访事项 at its handling unit. 复查/复核 are cases of kind review/rereview whose parent_case is the
    case (or 复查) whose opinion they review; a repeat petition links to its original_case."""

    unit = models.ForeignKey("orgs.Unit", verbose_name="办理单位", on_delete=models.PROTECT, related_name="cases")
    # The number is given by the registering unit and kept when the case is forwarded elsewhere.
    registered_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="登记单位", on_delete=models.PROTECT, related_name="registered_cases"
    )
    number = models.CharField("编号", max_length=64, unique=True)
    year = models.PositiveSmallIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.INITIAL)
    parent_case = models.ForeignKey(
        "self", verbose_name="原处理事项", null=True, blank=True, on_delete=models.PROTECT, related_name="reviews"
    )
    original_case = models.ForeignKey(
        "self", verbose_name="重复信访的原事项", null=True, blank=True, on_delete=models.PROTECT, related_name="repeats"
    )
    new_facts = models.TextField(
        "新的事实和理由", blank=True, help_text="复核终结后以新的事实和理由再次提出时填写（条例第三十六条）"
    )

    channel = models.CharField("来源渠道", max_length=16, choices=Channel.choices)
    source = models.CharField("交办/转送机关", max_length=100, blank=True)
    reference_no = models.CharField("来文编号", max_length=100, blank=True)
    received_on = models.DateField("收到日期")
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    topic = models.ForeignKey(Topic, verbose_name="业务分类", on_delete=models.PROTECT, related_name="cases")
    title = models.CharField("事由", max_length=200)
    content = models.TextField("主要内容")
    headcount = models.PositiveIntegerField("人数", default=1)
    is_collective = models.BooleanField("集体访", default=False)
    is_anonymous = models.BooleanField("匿名", default=False)

    accused_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name="被反映单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accusations",
    )
    accused_officials = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="被反映人员", blank=True, related_name="accused_in_cases"
    )
    accused_names = models.CharField("被反映人员（系统外或未匹配）", max_length=200, blank=True)

    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.REGISTERED)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
    )
    first_unit = models.ForeignKey(
        "orgs.Unit", verbose_name="首办单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="首办责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # Stored dates (computed by deadlines.py from the legal calendar; recomputed when the calendar changes).
    ack_from = models.DateField("告知期限起算日", null=True, blank=True)
    ack_due = models.DateField("受理告知期限", null=True, blank=True)
    acknowledged_on = models.DateField("告知日期", null=True, blank=True)
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    due = models.DateField("办结期限", null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField("延期天数", default=0)
    hearing_days = models.PositiveSmallIntegerField("听证天数", default=0)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decline_reason = models.TextField("不予受理理由", blank=True)
    art31_item = models.PositiveSmallIntegerField(
        "条例第三十一条情形", null=True, blank=True, choices=Art31Item.choices
    )
    route = models.TextField("导出途径", blank=True)
    concluded_on = models.DateField("办结日期", null=True, blank=True)
    # The limit running now (= Case.deadline), computed and stored by the database itself from status/ack_due/due, so
    # it is always exact and lists can filter and sort on it through an index.
    deadline_on = models.GeneratedField(
        expression=CaseWhen(
            When(status__in=sorted(ACK_STATUSES), then=F("ack_due")),
            When(status__in=sorted(CLOCK_STATUSES), then=F("due")),
            default=None,
            output_field=models.DateField(),
        ),
        output_field=models.DateField(null=True),
        db_persist=True,
        verbose_name="当前期限",
    )

    query_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = "信访事项"
        verbose_name_plural = "信访事项"
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["status", "due"]),
            models.Index(fields=["status", "ack_due"]),
            models.Index(fields=["received_on", "id"], name="cases_case_received_id"),
            models.Index(fields=["category", "accused_unit"]),
            # The list's sorts: by the running limit (nulls last), then newest first.
            models.Index(
                F("deadline_on").asc(),  # ASC is NULLS LAST on PostgreSQL; SQLite allows no NULLS in an index
                F("received_on").desc(),
                F("id").desc(),
                name="cases_case_deadline_sort",
            ),
            # Per unit in each list order, covering what the scope and Art 30 read (and the status filter): a deep page
            # of a 总队 picks its ids by an index-only scan of each unit (CaseQuerySet.page_slice). INCLUDE is
            # PostgreSQL's; elsewhere the plain index.
            models.Index(
                fields=["unit", "received_on", "id"],
                include=["category", "accused_unit", "status"],
                name="cases_case_unit_received",
            ),
            # The list filtered by status and category (its most common filter pair), newest first.
            models.Index(fields=["status", "category", "received_on", "id"], name="cases_case_status_category"),
            # 复查/复核 are few among a million cases: the assessment's open items find them without a scan.
            models.Index(
                fields=["-received_on", "-id"],
                condition=Q(kind__in=["review", "rereview"]),
                include=["unit", "category", "accused_unit"],  # what the scope and Art 30 read: counted index-only
                name="cases_case_review_kinds",
            ),
            models.Index(
                "unit",
                F("deadline_on").asc(),  # ASC is NULLS LAST on PostgreSQL; SQLite allows no NULLS in an index
                F("received_on").desc(),
                F("id").desc(),
                include=["category", "accused_unit", "status"],
                name="cases_case_unit_deadline",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["registered_unit", "year", "seq"], name="cases_case_number_parts"),
            models.CheckConstraint(condition=Q(extension_days__lte=30), name="cases_case_extension_le_30"),
            models.CheckConstraint(
                condition=Q(art31_item__isnull=True) | Q(art31_item__gte=1, art31_item__lte=6),
                name="cases_case_art31_item_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def scope_unit(self) -> Any:
        return self.unit

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def deadline(self) -> datetime.date | None:
        """The limit running now: 受理告知 while undecided, 办结/复查/复核 while accepted without an opinion.
        (The database stores the same value as the generated column `deadline_on`, for filtering and sorting.)"""
        if self.status in ACK_STATUSES:
            return self.ack_due
        if self.status in CLOCK_STATUSES:
            return self.due
        return None

    def due_state(self, today: datetime.date | None = None) -> str:
        from django.utils import timezone

        from xinfang.core.legal_calendar import due_state

        return due_state(self.deadline, today or timezone.localdate())

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.due_state(today) == "overdue"

    @property
    def root_case(self) -> Case:
        case = self
        while case.parent_case_id is not None:
            case = case.parent_case  # type: ignore[assignment]
        return case


class CaseCounter(models.Model):
    """The last number given per unit and year; locked with select_for_update while a case is registered,
    so numbers are unique and, since the increment rolls back with a refused registration, gap-free."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="cases_counter_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.last}"


# ---------------------------------------------------------------------------------------------------
# Petitioner


def normalize_phone(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def normalize_name_phone(value: str) -> str:
    name, _, phone = value.partition("|")
    name = "".join(name.split())
    phone = normalize_phone(phone)
    return f"{name}|{phone}" if name and phone else ""


def normalize_name(value: str) -> str:
    return "".join(value.split())


class Petitioner(models.Model):
    """信访人. Name, ID number, phone and address are encrypted at rest; exact lookups go through keyed hashes."""

    case = models.ForeignKey(Case, verbose_name="信访事项", on_delete=models.CASCADE, related_name="petitioners")
    name = EncryptedTextField("姓名", blank=True)
    id_number = EncryptedTextField("身份证号码", blank=True)
    phone = EncryptedTextField("联系电话", blank=True)
    address = EncryptedTextField("住址", blank=True)
    is_representative = models.BooleanField("代表", default=False)
    order = models.PositiveSmallIntegerField(default=0)

    name_hash = KeyedHashField(source="name", normalizer=normalize_name)
    id_hash = KeyedHashField(source="id_number", normalizer=normalize_id_number)
    phone_hash = KeyedHashField(source="phone", normalizer=normalize_phone)
    name_phone_hash = KeyedHashField(source="name_phone_key", normalizer=normalize_name_phone)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "信访人"
        verbose_name_plural = "信访人"

    def __str__(self) -> str:
        from xinfang.core.masking import mask_name

        return mask_name(self.name) or "匿名"

    @property
    def name_phone_key(self) -> str:
        return f"{self.name or ''}|{self.phone or ''}"

    @property
    def scope_unit(self) -> Any:
        return self.case.unit


# ---------------------------------------------------------------------------------------------------
# Attachment


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random name under MEDIA_ROOT (outside the web root); the original name is kept in a column.
    today = datetime.date.today()
    return f"cases/{today:%Y/%m}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, verbose_name="信访事项", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    original_name = models.CharField("文件名", max_length=255)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveBigIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.original_name

    @property
    def scope_unit(self) -> Any:
        return self.case.unit


# ---------------------------------------------------------------------------------------------------
# The timeline and the steps of the procedure


class CaseEvent(models.Model):
    """One line of the dated timeline: every transition, transfer, extension and note."""

    case = models.ForeignKey(Case, verbose_name="信访事项", on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", auto_now_add=True)
    on = models.DateField("业务日期", null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name="办理单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField("操作", max_length=40)
    from_status = models.CharField("原状态", max_length=20, blank=True)
    to_status = models.CharField("新状态", max_length=20, blank=True)
    note = models.TextField("说明", blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    @property
    def label(self) -> str:
        from xinfang.cases.workflow import action_label

        return action_label(self.action)


class CaseChildQuerySet(models.QuerySet[Any]):
    """Rows of one case (extensions, transfers): visible exactly when their case is (scope + Art 30)."""

    def visible_to(self, user: Any, perm: str | None = None) -> CaseChildQuerySet:
        return self.filter(case__in=Case.objects.visible_to(user, perm).values("pk"))


class Transfer(models.Model):
    """转送 (to a competent unit) or 交办 (down the tree, with a deadline for the result). The receiving unit
    may object within 5 working days (Art 23); the sending unit agrees (the case returns) or rejects."""

    case = models.ForeignKey(Case, verbose_name="信访事项", on_delete=models.CASCADE, related_name="transfers")
    kind = models.CharField("方式", max_length=16, choices=TransferKind.choices)
    from_unit = models.ForeignKey("orgs.Unit", verbose_name="转出单位", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("orgs.Unit", verbose_name="接收单位", on_delete=models.PROTECT, related_name="+")
    on = models.DateField("转送/交办日期")
    result_due = models.DateField("报送结果期限", null=True, blank=True)
    objection_due = models.DateField("异议期限")
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The sending unit's 受理告知 period start, restored when an objection is agreed to.
    source_ack_from = models.DateField(null=True, blank=True)

    objected_on = models.DateField("提出异议日期", null=True, blank=True)
    objection_reason = models.TextField("异议理由", blank=True)
    objection_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    objection_decision = models.CharField("异议处理", max_length=16, choices=ObjectionDecision.choices, blank=True)
    objection_decided_on = models.DateField("异议处理日期", null=True, blank=True)
    objection_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["on", "id"]
        verbose_name = "转送/交办"
        verbose_name_plural = "转送/交办"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.from_unit_id}→{self.to_unit_id} {self.on}"


class Extension(models.Model):
    """An approved extension (Art 34): all of a case's extensions total at most 30 days."""

    case = models.ForeignKey(Case, verbose_name="信访事项", on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField("延长天数")
    reason = models.TextField("延期理由")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="批准人", on_delete=models.PROTECT, related_name="+"
    )
    notified_on = models.DateField("告知信访人日期")
    due_before = models.DateField("原办结期限")
    due_after = models.DateField("延期后办结期限")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "延期"
        verbose_name_plural = "延期"
        constraints = [models.CheckConstraint(condition=Q(days__gte=1, days__lte=30), name="cases_extension_days")]

    def __str__(self) -> str:
        return f"延期{self.days}日"


class Opinion(models.Model):
    """信访处理意见书 (Art 32) — or the 复查/复核意见书 of a review case. One per case."""

    case = models.OneToOneField(Case, verbose_name="信访事项", on_delete=models.CASCADE, related_name="opinion")
    result = models.CharField("处理结果", max_length=16, choices=OpinionResult.choices)
    # Only a 复查/复核 opinion states a disposition of the original (services.draft_opinion enforces it).
    disposition = models.CharField("对原处理意见", max_length=8, choices=Disposition.choices, blank=True, default="")
    request_summary = models.TextField("信访请求")
    facts = models.TextField("事实和理由")
    opinion = models.TextField("处理意见")
    legal_basis = models.TextField("依据")
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="拟稿人", on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField("拟稿时间")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    issued_on = models.DateField("出具日期", null=True, blank=True)
    delivered_on = models.DateField("送达日期", null=True, blank=True)
    delivery_method = models.CharField("送达方式", max_length=50, blank=True)
    carried_out_on = models.DateField("落实日期", null=True, blank=True)
    carried_out_note = models.TextField("落实情况", blank=True)

    class Meta:
        verbose_name = "处理意见"
        verbose_name_plural = "处理意见"

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_result_display()}"

    @property
    def awaits_carrying_out(self) -> bool:
        """R2.8: a supported (予以支持) request is followed until carried out."""
        return self.result == OpinionResult.SUPPORT and self.issued_on is not None and self.carried_out_on is None


class Evaluation(models.Model):
    """满意度评价 by the petitioner (R2.11)."""

    case = models.OneToOneField(Case, verbose_name="信访事项", on_delete=models.CASCADE, related_name="evaluation")
    rating = models.CharField("评价", max_length=16, choices=Rating.choices)
    on = models.DateField("评价日期")
    note = models.TextField("意见", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "满意度评价"
        verbose_name_plural = "满意度评价"

    def __str__(self) -> str:
        return self.get_rating_display()


class Recusal(models.Model):
    """A declared interest (Art 28): the user may neither handle nor approve the case."""

    case = models.ForeignKey(Case, verbose_name="信访事项", on_delete=models.CASCADE, related_name="recusals")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="回避人员", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("回避理由")
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "回避"
        verbose_name_plural = "回避"
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="cases_recusal_case_user")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.user_id}"
