"""The load generator behind `python manage.py generate_load` (issue 8).

    generate(preset="national"|"province", cases=None, seed=1, force=False, today=None, log=print) -> Result

What it writes (all through writer.Writer: COPY on PostgreSQL, executemany on SQLite, in batches, one transaction
per batch):

- the unit tree: 消防救援局 → 31 总队 → ~400 支队 → ~3,000 大队 (national), or 1 总队 → 15 支队 → 120 大队 (province);
  unit codes `LT…` so the load never collides with real or demo units;
- users with posts at every unit (主官, 分管领导, 班子成员, 信访干部, 业务处室, 领导小组成员; the three admin roles at
  the top unit), all with the one password LOAD_PASSWORD (hashed once);
- cases over ten years, received dates weighted towards recent years, at 大队 (most), 支队, 总队 and 局, in a mix
  of channels, categories, topics and states that depends on their age — recent cases are open (some of them
  overdue, some extended), old ones mostly concluded, declined or diverted; repeats link to an earlier case of the
  same petitioner at the same unit (original_case); 复查 at the unit one level up and 复核 two levels up follow a
  delivered opinion (parent_case). Stored dates come from the legal calendar (xinfang.core.legal_calendar, cached
  per date) exactly as deadlines.py computes them, so the overdue views and reminders see them as real cases;
- petitioners from a pool of distinct people (valid GB 11643 ID numbers): each person's fields are encrypted once
  with the configured keys and their keyed hashes computed once, then reused — real ciphertext, cheap;
- the timeline (CaseEvent), opinions with delivery, evaluations, extensions, transfers (转送/交办 still pending),
  case counters consistent with the numbers (`<unit code>-<year>-<seq>`, so registering a new case afterwards
  continues the sequence), the opinion documents' metadata (GeneratedDocument rows of the last two years; no files);
- screening reports for the last three years (大队 weekly, 支队 monthly, 总队 quarterly; a few late, a few missing),
  party-committee meetings and leaders' reception days with their receptions.

Deterministic: the same preset, size, seed and `today` give the same rows (ciphertext aside — Fernet tokens carry a
random IV, so `digest()` reads the decrypted values).
"""

from __future__ import annotations

import bisect
import contextlib
import datetime
import hashlib
import heapq
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from xinfang.cases.idnumber import check_char
from xinfang.cases.models import (
    Case,
    CaseCounter,
    CaseEvent,
    Evaluation,
    Extension,
    Opinion,
    Petitioner,
    Topic,
    Transfer,
    normalize_name,
    normalize_name_phone,
    normalize_phone,
)
from xinfang.core import legal_calendar as cal
from xinfang.core.fields import encrypt, keyed_hash, normalize_id_number
from xinfang.documents.models import GeneratedDocument
from xinfang.leadership.models import Meeting, Reception, ReceptionDay
from xinfang.loadtest.writer import Writer
from xinfang.orgs.models import Post, Unit, User
from xinfang.screening.models import ScreeningReport

LOAD_PASSWORD = "Xinfang-Load-2026"
CODE_PREFIX = "LT"
BATCH = 20_000
ONE = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Preset:
    bureau: bool
    corps: int
    detachments: int  # in all
    brigades: int  # in all
    cases: int
    years: int = 10


PRESETS: dict[str, Preset] = {
    "national": Preset(bureau=True, corps=31, detachments=400, brigades=3000, cases=1_000_000),
    "province": Preset(bureau=False, corps=1, detachments=15, brigades=120, cases=100_000),
}

PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建", "江西",
    "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃",
    "青海", "宁夏", "新疆",
)  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文海燕鹏辉晓东"
DISTRICTS = ("东城", "西城", "城关", "新区", "高新", "开发区", "临江", "南湖", "北山", "云岭", "石门", "青山")
TITLES = {
    "proposal": ("关于加强老旧小区消防通道管理的建议", "建议增设社区微型消防站", "关于消防宣传进校园的建议"),
    "appeal": (
        "反映小区消防通道长期被占用", "反映商铺消防设施损坏未整改", "要求退还消防技术服务费用", "反映火灾事故认定不公",
        "反映高层住宅消防栓无水", "要求对邻居违规电动车充电进行处理", "反映消防验收意见不一致",
    ),
    "accusation": ("检举消防监督检查人员违规收费", "控告消防执法人员工作作风粗暴", "检举单位消防安全检查走过场"),
    "litigation": ("对消防行政处罚决定不服", "对火灾事故责任认定提出异议"),
}  # fmt: skip
CATEGORY_WEIGHTS = (("proposal", 25), ("appeal", 55), ("accusation", 12), ("litigation", 8))
CHANNEL_WEIGHTS = (("online", 35), ("letter", 20), ("phone", 20), ("visit", 15), ("assigned", 8), ("fax", 2))
# State mixes by age (days since receipt).
FRESH = (("registered", 50), ("accepted", 35), ("declined", 5), ("diverted", 5), ("forwarded", 5))
RECENT = (
    ("accepted", 35), ("opinion_drafted", 8), ("opinion_approved", 5), ("opinion_issued", 7), ("delivered", 10),
    ("evaluated", 5), ("concluded", 15), ("declined", 6), ("diverted", 6), ("registered", 2), ("forwarded", 1),
)  # fmt: skip
OLD = (
    ("concluded", 78), ("declined", 6), ("diverted", 8), ("evaluated", 3), ("delivered", 3), ("accepted", 1.5),
    ("registered", 0.5),
)  # fmt: skip
DRAFTED = {"opinion_drafted", "opinion_approved", "opinion_issued", "delivered", "evaluated", "concluded"}
ISSUED = {"opinion_issued", "delivered", "evaluated", "concluded"}
DELIVERED = {"delivered", "evaluated", "concluded"}


@dataclass
class Result:
    preset: str
    cases: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    top_unit_id: int = 0


class GenerateError(Exception):
    pass


def _choices(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> Callable[[], str]:
    values = [v for v, _ in weighted]
    cum: list[float] = []
    total = 0.0
    for _, w in weighted:
        total += w
        cum.append(total)

    def pick() -> str:
        return values[bisect.bisect_right(cum, rng.random() * total)]

    return pick


class _Calendar:
    """Per-date cache of the legal calendar's answers (the same functions deadlines.py calls)."""

    def __init__(self) -> None:
        self.due: dict[tuple[datetime.date, int], datetime.date] = {}
        self.work: dict[datetime.date, datetime.date] = {}
        self.nextwork: dict[datetime.date, datetime.date] = {}

    def due_date(self, start: datetime.date, days: int) -> datetime.date:
        key = (start, days)
        d = self.due.get(key)
        if d is None:
            d = self.due[key] = cal.due_date(start, days)
        return d

    def objection_due(self, on: datetime.date) -> datetime.date:
        d = self.work.get(on)
        if d is None:
            d = self.work[on] = cal.add_working_days(on, 5)
        return d

    def next_workday(self, day: datetime.date) -> datetime.date:
        d = self.nextwork.get(day)
        if d is None:
            d = self.nextwork[day] = cal.next_workday(day)
        return d


@dataclass
class _U:
    id: int
    code: str
    name: str
    level: str
    path: str
    parent: _U | None
    officer: int = 0
    chief: int = 0
    leader: int = 0
    children: list[_U] = field(default_factory=list)


@dataclass(order=True)
class _Pending:
    """A 复查/复核 waiting for its received date in the stream of cases."""

    received_on: datetime.date
    order: int
    parent_id: int = field(compare=False)
    parent_unit: _U = field(compare=False)
    unit: _U = field(compare=False)
    kind: str = field(compare=False)
    person: int = field(compare=False)
    category: str = field(compare=False)
    topic: int = field(compare=False)
    title: str = field(compare=False)
    parent_result: str = field(compare=False)


class Generator:
    def __init__(
        self,
        preset: str,
        cases: int | None,
        seed: int,
        today: datetime.date | None,
        log: Callable[[str], None],
    ) -> None:
        if preset not in PRESETS:
            raise GenerateError(f"未知的规模：{preset}（可选 {', '.join(PRESETS)}）")
        self.name = preset
        self.preset = PRESETS[preset]
        self.n_cases = self.preset.cases if cases is None else cases
        if self.n_cases < 0:
            raise GenerateError("--cases 不能为负数")
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()
        self.log = log
        self.w = Writer()
        self.cal = _Calendar()
        self.units: list[_U] = []
        self.top: _U | None = None
        self.now = timezone.now()

    # -------------------------------------------------------------------------------------------
    # Units and people

    def build_units(self) -> None:
        p = self.preset
        rng = self.rng
        n_units = (1 if p.bureau else 0) + p.corps + p.detachments + p.brigades
        ids = iter(self.w.next_ids(Unit, n_units))

        def make(code: str, name: str, level: str, parent: _U | None) -> _U:
            uid = next(ids)
            path = f"{parent.path if parent else '/'}{uid}/"
            u = _U(uid, code, name, level, path, parent)
            if parent:
                parent.children.append(u)
            self.units.append(u)
            return u

        top = make(CODE_PREFIX, "国家消防救援局", "bureau", None) if p.bureau else None
        corps = []
        prefixes: dict[str, str] = {}
        for i in range(p.corps):
            prov = PROVINCES[i % len(PROVINCES)] if p.bureau else "示范省"
            code = f"{CODE_PREFIX}{i + 1:02d}" if p.bureau else f"{CODE_PREFIX}P"
            corps.append(make(code, f"{prov}消防救援总队", "corps", top))
            prefixes[code] = prov
        self.top = top or corps[0]
        # Detachments spread over the corps (±30 %), brigades over the detachments.
        dets = []
        per = _spread(rng, p.detachments, p.corps)
        for c, n in zip(corps, per, strict=True):
            for j in range(n):
                prefixes[f"{c.code}D{j + 1:02d}"] = f"{prefixes[c.code]}第{j + 1}支队"
                dets.append(make(f"{c.code}D{j + 1:02d}", f"{prefixes[c.code]}第{j + 1}消防救援支队", "detachment", c))
        per = _spread(rng, p.brigades, len(dets))
        for d, n in zip(dets, per, strict=True):
            for k in range(n):
                district = DISTRICTS[k % len(DISTRICTS)]
                name = (
                    f"{prefixes[d.code]}{district}{k // len(DISTRICTS) + 1 if k >= len(DISTRICTS) else ''}消防救援大队"
                )
                make(f"{d.code}B{k + 1:02d}", name, "brigade", d)
        existing = set(Unit.objects.filter(code__in=[u.code for u in self.units]).values_list("code", flat=True))
        if existing:
            raise GenerateError(f"单位代码已存在（例如 {sorted(existing)[0]}）：负载数据已经生成过")
        depth = {"bureau": 0, "corps": 1 if p.bureau else 0}
        depth["detachment"] = depth["corps"] + 1
        depth["brigade"] = depth["corps"] + 2
        self.w.write(
            Unit,
            (
                {
                    "id": u.id,
                    "code": u.code,
                    "name": u.name,
                    "level": u.level,
                    "parent_id": u.parent.id if u.parent else None,
                    "path": u.path,
                    "depth": depth[u.level],
                    "is_active": True,
                }
                for u in self.units
            ),
        )

    ROLES_BY_LEVEL: dict[str, tuple[tuple[str, str], ...]] = {
        "brigade": (("chief", "chief"), ("leader", "leader"), ("member", "member"), ("officer", "officer"),
                    ("officer", "officer2")),
        "detachment": (("chief", "chief"), ("leader", "leader"), ("member", "member"), ("member", "member2"),
                       ("officer", "officer"), ("officer", "officer2"), ("officer", "officer3"),
                       ("department", "dept"), ("group", "group")),
        "corps": (("chief", "chief"), ("leader", "leader"), ("member", "member"), ("member", "member2"),
                  ("officer", "officer"), ("officer", "officer2"), ("officer", "officer3"), ("department", "dept"),
                  ("department", "dept2"), ("department", "dept3"), ("department", "dept4"), ("group", "group"),
                  ("group", "group2"), ("group", "group3")),
    }  # fmt: skip
    TOP_EXTRA = (("sysadmin", "sysadmin"), ("secadmin", "secadmin"), ("auditor", "auditor"))

    def build_people(self) -> None:
        password = make_password(LOAD_PASSWORD)
        specs: list[tuple[_U, str, str]] = []
        for u in self.units:
            roles = self.ROLES_BY_LEVEL.get(u.level, self.ROLES_BY_LEVEL["corps"])
            if u is self.top:
                roles = roles + self.TOP_EXTRA
            specs.extend((u, role, suffix) for role, suffix in roles)
        user_ids = self.w.next_ids(User, len(specs))
        post_ids = self.w.next_ids(Post, len(specs))
        start = datetime.date(self.today.year - self.preset.years - 1, 1, 1)
        users, posts = [], []
        for (u, role, suffix), uid, pid in zip(specs, user_ids, post_ids, strict=True):
            name = SURNAMES[uid % len(SURNAMES)] + GIVEN[(uid * 7) % len(GIVEN)] + GIVEN[(uid * 13) % len(GIVEN)]
            users.append(
                {
                    "id": uid,
                    "password": password,
                    "username": f"{u.code.lower()}.{suffix}",
                    "name": name,
                    "first_name": "",
                    "last_name": "",
                    "email": "",
                    "is_superuser": False,
                    "is_staff": False,
                    "is_active": True,
                    "date_joined": self.now,
                    "last_login": None,
                    "unit_id": u.id,
                }
            )
            posts.append({"id": pid, "user_id": uid, "unit_id": u.id, "role": role, "start_on": start})
            if suffix in ("officer", "chief", "leader"):
                setattr(u, suffix, uid)
        self.w.write(User, users)
        self.w.write(Post, posts)

    # -------------------------------------------------------------------------------------------
    # Petitioners: a pool of distinct people, each encrypted and hashed once

    def build_pool(self) -> None:
        n = max(50, min(50_000, self.n_cases // 15))
        rng = self.rng
        self.pool: list[dict[str, str]] = []
        for i in range(n):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
            born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 50))
            first17 = (
                f"{rng.choice(('110105', '320102', '440106', '510104', '360102', '610113'))}{born:%Y%m%d}{i % 1000:03d}"
            )
            id_number = first17 + check_char(first17)
            phone = f"1{rng.choice('3578')}{rng.randrange(0, 10**9):09d}"
            address = f"{rng.choice(PROVINCES)}{rng.choice(DISTRICTS)}区{rng.randrange(1, 300)}号"
            self.pool.append(
                {
                    "name": encrypt(name),
                    "id_number": encrypt(id_number),
                    "phone": encrypt(phone),
                    "address": encrypt(address),
                    "name_hash": keyed_hash(normalize_name(name)),
                    "id_hash": keyed_hash(normalize_id_number(id_number)),
                    "phone_hash": keyed_hash(normalize_phone(phone)),
                    "name_phone_hash": keyed_hash(normalize_name_phone(f"{name}|{phone}")),
                }
            )

    # -------------------------------------------------------------------------------------------
    # Cases

    def _received_dates(self) -> Iterator[datetime.date]:
        """n received dates over `years`, sorted, denser in recent years (volume grows ~ linearly)."""
        span = 365 * self.preset.years
        rng = self.rng
        offsets = sorted(int(span * (rng.random() ** 0.7)) for _ in range(self.n_cases))
        first = self.today - datetime.timedelta(days=span)
        for off in offsets:
            yield first + datetime.timedelta(days=off)

    def build_cases(self) -> None:
        rng = self.rng
        today = self.today
        topics = list(Topic.objects.filter(active=True).order_by("order", "code").values_list("id", flat=True))
        if not topics:
            raise GenerateError("没有业务分类（请先执行 migrate）")
        by_level: dict[str, list[_U]] = {}
        for u in self.units:
            by_level.setdefault(u.level, []).append(u)
        # Handling units: 大队 80 %, 支队 15 %, 总队 4 %, 局 1 %, each unit with its own (skewed) weight.
        level_pick = _choices(
            rng,
            tuple(
                (lv, w)
                for lv, w in (("brigade", 80), ("detachment", 15), ("corps", 4), ("bureau", 1))
                if lv in by_level
            ),
        )
        unit_pick: dict[str, Callable[[], _U]] = {}
        for lv, us in by_level.items():
            weights = [rng.lognormvariate(0, 0.6) for _ in us]
            cum, total = [], 0.0
            for wgt in weights:
                total += wgt
                cum.append(total)
            unit_pick[lv] = _picker(rng, us, cum, total)
        cat_pick = _choices(rng, CATEGORY_WEIGHTS)
        chan_pick = _choices(rng, CHANNEL_WEIGHTS)
        fresh, recent, old = _choices(rng, FRESH), _choices(rng, RECENT), _choices(rng, OLD)
        result_pick = _choices(rng, (("support", 30), ("explain", 50), ("reject", 20)))
        rating_pick = _choices(rng, (("satisfied", 70), ("basically", 20), ("dissatisfied", 10)))
        counters: dict[tuple[int, int], int] = {}
        last_at_unit: dict[int, tuple[int, int]] = {}  # unit id → (case id, person) for repeats
        pending: list[_Pending] = []
        order = 0
        opinion_ct = ContentType.objects.get_for_model(Case).pk
        doc_since = today - datetime.timedelta(days=730)
        written = 0
        started = time.monotonic()

        buf: dict[type, list[dict[str, Any]]] = {}
        next_case = self._id_source(Case)
        next_pet = self._id_source(Petitioner)
        next_evt = self._id_source(CaseEvent)

        def add(model: type, row: dict[str, Any]) -> None:
            buf.setdefault(model, []).append(row)

        def flush() -> None:
            with transaction.atomic():
                for model in (Case, Petitioner, CaseEvent, Opinion, Evaluation, Extension, Transfer, GeneratedDocument):
                    rows = buf.pop(model, None)
                    if rows:
                        self.w.write(model, rows)

        midnights: dict[datetime.date, datetime.datetime] = {}

        def dt(day: datetime.date, hour: int = 9) -> datetime.datetime:
            base = midnights.get(day)
            if base is None:
                base = midnights[day] = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
            return base + datetime.timedelta(hours=hour, minutes=rng.randrange(60))

        def emit(
            *,
            unit: _U,
            received: datetime.date,
            kind: str,
            parent: int | None,
            category: str,
            topic: int,
            title: str,
            person: int,
            original: int | None,
            parent_result: str = "",
        ) -> None:
            nonlocal written, order
            cid = next(next_case)
            age = (today - received).days
            status = (fresh if age < 15 else recent if age < 90 else old)()
            if kind != "initial" and status in ("declined", "diverted", "forwarded"):
                status = "accepted" if age < 90 else "concluded"
            if status == "forwarded" and unit.level != "brigade":
                status = "registered"
            channel = chan_pick() if kind == "initial" else "letter"
            year = received.year
            reg_unit = unit
            transfer: dict[str, Any] | None = None
            ack_from = received
            if status == "forwarded":
                # Registered at the 支队 above and forwarded / assigned down to this 大队.
                reg_unit = unit.parent or unit
                on = min(received + datetime.timedelta(days=rng.randrange(0, 4)), today)
                ack_from = on
                kind_t = "assign" if rng.random() < 0.4 else "forward"
                transfer = {
                    "case_id": cid,
                    "kind": kind_t,
                    "from_unit_id": reg_unit.id,
                    "to_unit_id": unit.id,
                    "on": on,
                    "result_due": self.cal.due_date(on, 60) if kind_t == "assign" else None,
                    "objection_due": self.cal.objection_due(on),
                    "note": "",
                    "created_by_id": reg_unit.officer,
                    "created_at": dt(on, 10),
                    "source_ack_from": received,
                }
            seq = counters.get((reg_unit.id, year), 0) + 1
            counters[(reg_unit.id, year)] = seq
            number = f"{reg_unit.code}-{year}-{seq:04d}"
            ack_due = self.cal.due_date(ack_from, 15)
            row: dict[str, Any] = {
                "id": cid,
                "unit_id": unit.id,
                "registered_unit_id": reg_unit.id,
                "number": number,
                "year": year,
                "seq": seq,
                "kind": kind,
                "parent_case_id": parent,
                "original_case_id": original,
                "new_facts": "",
                "channel": channel,
                "source": "上级信访部门" if channel == "assigned" else "",
                "reference_no": "",
                "received_on": received,
                "category": category,
                "topic_id": topic,
                "title": title,
                "content": f"{title}。信访人反映的具体情况及诉求详见来信来访材料（负载测试数据 #{cid}）。",
                "headcount": 1,
                "is_collective": False,
                "is_anonymous": False,
                "accused_unit_id": None,
                "accused_names": "",
                "status": status,
                "registered_by_id": reg_unit.officer,
                "handler_id": None,
                "first_unit_id": unit.id,
                "first_officer_id": unit.officer,
                "ack_from": ack_from,
                "ack_due": ack_due,
                "acknowledged_on": None,
                "accepted_on": None,
                "due": None,
                "extension_days": 0,
                "hearing_days": 0,
                "decided_on": None,
                "decline_reason": "",
                "art31_item": None,
                "route": "",
                "concluded_on": None,
                "query_code_hash": keyed_hash(f"query|{number}|{rng.randrange(10**12):012d}"),
                "version": 1,
                "created_at": dt(received, 9),
                "updated_at": dt(received, 17),
            }
            if category == "accusation":
                if unit.children:
                    row["accused_unit_id"] = unit.children[cid % len(unit.children)].id
                else:
                    row["accused_names"] = "某消防监督员"
            # Petitioners
            collective = kind == "initial" and rng.random() < 0.02
            anonymous = kind == "initial" and not collective and category == "accusation" and rng.random() < 0.25
            people = (
                []
                if anonymous
                else [person] + ([rng.randrange(len(self.pool)) for _ in range(2)] if collective else [])
            )
            row["is_anonymous"] = anonymous
            if collective:
                row["is_collective"] = True
                row["headcount"] = rng.randrange(6, 40)
                row["channel"] = "visit"
            for i, p in enumerate(people):
                add(
                    Petitioner,
                    {"id": next(next_pet), "case_id": cid, "is_representative": collective, "order": i, **self.pool[p]},
                )
            events = [("register" if kind == "initial" else "review_registered", received, "", "registered", reg_unit)]
            if transfer:
                add(Transfer, transfer)
                events.append((transfer["kind"], transfer["on"], "registered", "forwarded", reg_unit))
            # Decision (受理 / 不予受理 / 导出)
            if status not in ("registered", "forwarded"):
                late = rng.random() < 0.03
                decided = received + datetime.timedelta(days=rng.randrange(16, 25) if late else rng.randrange(1, 14))
                decided = min(decided, today)
                row["decided_on"] = row["acknowledged_on"] = decided
                if status == "declined":
                    row["decline_reason"] = "不属于本机关职权范围，已告知信访人向有权处理的机关提出。"
                    events.append(("decline", decided, "registered", status, unit))
                elif status == "diverted":
                    row["art31_item"] = rng.randrange(1, 6)
                    row["route"] = "告知信访人依法通过相应法定途径解决。"
                    events.append(("divert", decided, "registered", status, unit))
                else:
                    row["accepted_on"] = decided
                    row["art31_item"] = 6
                    row["handler_id"] = unit.officer
                    events.append(("accept", decided, "registered", "accepted", unit))
                    ext = 0
                    if kind == "initial":
                        if rng.random() < 0.06:
                            ext = rng.choice((10, 15, 20, 30))
                        due = self.cal.due_date(decided, 60 + ext)
                    else:
                        due = self.cal.due_date(decided, 30)
                    row["due"] = due
                    row["extension_days"] = ext
                    if ext:
                        base_due = self.cal.due_date(decided, 60)
                        notified = min(base_due - datetime.timedelta(days=3), today)
                        add(
                            Extension,
                            {
                                "case_id": cid,
                                "days": ext,
                                "reason": "案情复杂，需进一步调查核实。",
                                "approved_by_id": unit.chief,
                                "notified_on": notified,
                                "due_before": base_due,
                                "due_after": due,
                                "created_by_id": unit.officer,
                                "created_at": dt(notified, 11),
                            },
                        )
                        events.append(("extend", notified, "accepted", "accepted", unit))
                    if status in DRAFTED:
                        limit = min(due, today)
                        span = max(1, (limit - decided).days)
                        drafted = decided + datetime.timedelta(days=max(1, int(span * rng.uniform(0.4, 0.95))))
                        drafted = min(drafted, today)
                        result = result_pick()
                        op: dict[str, Any] = {
                            "case_id": cid,
                            "result": result,
                            "request_summary": "请求依法处理所反映的问题。",
                            "facts": "经调查核实，信访人反映的情况基本属实。",
                            "opinion": "已责成相关单位依法整改，并将结果告知信访人。",
                            "legal_basis": "《中华人民共和国消防法》《信访工作条例》",
                            "drafted_by_id": unit.officer,
                            "drafted_at": dt(drafted, 15),
                        }
                        if kind != "initial" and self._has_disposition:
                            op["disposition"] = "change" if result != parent_result else "uphold"
                        events.append(("draft_opinion", drafted, "accepted", "opinion_drafted", unit))
                        if status != "opinion_drafted":
                            approved = min(drafted + datetime.timedelta(days=rng.randrange(0, 3)), today)
                            op["approved_by_id"] = unit.chief
                            op["approved_at"] = dt(approved, 16)
                            events.append(("approve_opinion", approved, "opinion_drafted", "opinion_approved", unit))
                        if status in ISSUED:
                            issued = min(drafted + datetime.timedelta(days=rng.randrange(1, 4)), today)
                            op["issued_on"] = issued
                            events.append(("issue_opinion", issued, "opinion_approved", "opinion_issued", unit))
                            if result == "support" and rng.random() < 0.8:
                                op["carried_out_on"] = min(
                                    issued + datetime.timedelta(days=rng.randrange(5, 40)), today
                                )
                                op["carried_out_note"] = "已落实。"
                            if issued >= doc_since:
                                add(
                                    GeneratedDocument,
                                    {
                                        "content_type_id": opinion_ct,
                                        "object_id": cid,
                                        "unit_id": unit.id,
                                        "kind": {"initial": "opinion", "review": "review_opinion"}.get(
                                            kind, "rereview_opinion"
                                        ),
                                        "title": "信访处理意见书"
                                        if kind == "initial"
                                        else "复查意见书"
                                        if kind == "review"
                                        else "复核意见书",
                                        "number": f"{unit.code}消信〔{issued.year}〕{seq}号",
                                        "version": 1,
                                        "context": {"case": number, "loadtest": True},
                                        "template_version": "loadtest",
                                        "docx": f"loadtest/{cid}.docx",
                                        "pdf": f"loadtest/{cid}.pdf",
                                        "docx_sha256": hashlib.sha256(f"docx{cid}".encode()).hexdigest(),
                                        "pdf_sha256": hashlib.sha256(f"pdf{cid}".encode()).hexdigest(),
                                        "created_by_id": unit.officer,
                                        "created_at": dt(issued, 16),
                                    },
                                )
                        if status in DELIVERED:
                            delivered = min(op["issued_on"] + datetime.timedelta(days=rng.randrange(1, 6)), today)
                            op["delivered_on"] = delivered
                            op["delivery_method"] = rng.choice(("直接送达", "邮寄送达", "电子送达"))
                            events.append(("deliver", delivered, "opinion_issued", "delivered", unit))
                            evaluated = None
                            if status in ("evaluated", "concluded") and rng.random() < 0.85:
                                evaluated = min(delivered + datetime.timedelta(days=rng.randrange(1, 10)), today)
                                add(
                                    Evaluation,
                                    {
                                        "case_id": cid,
                                        "rating": rating_pick(),
                                        "on": evaluated,
                                        "note": "",
                                        "recorded_by_id": unit.officer,
                                    },
                                )
                                events.append(("evaluate", evaluated, "delivered", "evaluated", unit))
                            elif status == "evaluated":
                                row["status"] = status = "delivered"
                            if status == "concluded":
                                concluded = min(
                                    (evaluated or delivered) + datetime.timedelta(days=rng.randrange(1, 31)), today
                                )
                                row["concluded_on"] = concluded
                                events.append(("conclude", concluded, "evaluated", "concluded", unit))
                            # 复查 one level up (Art 35), 复核 one further (Art 36)
                            upper = unit.parent
                            if (
                                upper is not None
                                and kind != "rereview"
                                and rng.random() < (0.03 if kind == "initial" else 0.25)
                            ):
                                heapq.heappush(
                                    pending,
                                    _Pending(
                                        received_on=delivered + datetime.timedelta(days=rng.randrange(3, 28)),
                                        order=order,
                                        parent_id=cid,
                                        parent_unit=unit,
                                        unit=upper,
                                        kind="review" if kind == "initial" else "rereview",
                                        person=person,
                                        category=category,
                                        topic=topic,
                                        title=title,
                                        parent_result=result,
                                    ),
                                )
                                order += 1
                        add(Opinion, op)
            for step, (action, on, frm, to, at_unit) in enumerate(events):
                add(
                    CaseEvent,
                    {
                        "id": next(next_evt),
                        "case_id": cid,
                        "at": dt(on, 9 + step),
                        "on": on,
                        "actor_id": at_unit.officer,
                        "unit_id": at_unit.id,
                        "action": action,
                        "from_status": frm,
                        "to_status": to,
                        "note": "",
                        "data": {},
                    },
                )
            row["updated_at"] = dt(events[-1][1], 17)
            add(Case, row)
            if kind == "initial" and people:
                last_at_unit[unit.id] = (cid, person)
            written += 1
            if written % BATCH == 0:
                flush()
                rate = written / max(time.monotonic() - started, 1e-6)
                self.log(f"  信访事项 {written:,} 件（{rate:,.0f} 件/秒）")

        def emit_review(pd: Any) -> None:
            # A 复查/复核 case: an accusation is reviewed as an appeal against its handling.
            emit(
                unit=pd.unit,
                received=pd.received_on,
                kind=pd.kind,
                parent=pd.parent_id,
                category=pd.category if pd.category != "accusation" else "appeal",
                topic=pd.topic,
                title=pd.title,
                person=pd.person,
                original=None,
                parent_result=pd.parent_result,
            )

        for received in self._received_dates():
            while pending and pending[0].received_on <= received:
                pd = heapq.heappop(pending)
                if pd.received_on > today:
                    continue
                emit_review(pd)
            unit = unit_pick[level_pick()]()
            category = cat_pick()
            original = None
            person = rng.randrange(len(self.pool))
            prev = last_at_unit.get(unit.id)
            if prev is not None and rng.random() < 0.06:
                original, person = prev
            emit(
                unit=unit,
                received=received,
                kind="initial",
                parent=None,
                category=category,
                topic=topics[rng.randrange(len(topics))],
                title=rng.choice(TITLES[category]),
                person=person,
                original=original,
            )
        while pending:  # reviews requested up to today
            pd = heapq.heappop(pending)
            if pd.received_on > today:
                continue
            emit_review(pd)
        flush()
        with transaction.atomic():
            existing = {
                (c.unit_id, c.year): c for c in CaseCounter.objects.filter(unit_id__in=[k[0] for k in counters])
            }
            new = []
            for (unit_id, year), last in counters.items():
                if (unit_id, year) in existing:
                    c = existing[(unit_id, year)]
                    c.last = max(c.last, last)
                    c.save(update_fields=["last"])
                else:
                    new.append({"unit_id": unit_id, "year": year, "last": last})
            self.w.write(
                CaseCounter, ({"id": i, **r} for i, r in zip(self.w.next_ids(CaseCounter, len(new)), new, strict=True))
            )
        self.cases_written = written

    @property
    def _has_disposition(self) -> bool:
        return any(f.attname == "disposition" for f in Opinion._meta.concrete_fields)

    def _id_source(self, model: type) -> Iterator[int]:
        # Ids are handed out in blocks; the block size only bounds how often the table's maximum is read.
        while True:
            yield from self.w.next_ids(model, 100_000)

    # -------------------------------------------------------------------------------------------
    # Other modules: screening reports, meetings, receptions

    def build_screening(self) -> None:
        from xinfang.screening import periods
        from xinfang.screening.selectors import cadence_rules

        rules = cadence_rules()
        rng = self.rng
        first = datetime.date(self.today.year - 2, 1, 1)
        rows = []
        spans: dict[str, list[tuple[datetime.date, datetime.date, datetime.date]]] = {}
        for key, kr in rules.items():  # the periods and their due dates, computed once per rule
            spans[key] = [
                (s, e, periods.due_on(kr, s, e)) for s, e in periods.starts_within(kr.period, first, self.today)
            ]
        for u in self.units:
            key = periods.rule_key_for_level(u.level) or ""
            rule = rules.get(key)
            if rule is None:
                continue
            for start, end, due in spans[key]:
                if due > self.today:
                    continue
                r = rng.random()
                if r < 0.02:
                    continue  # missing
                submitted = (
                    due + datetime.timedelta(days=rng.randrange(1, 6))
                    if r < 0.05
                    else due - datetime.timedelta(days=rng.randrange(0, 2))
                )
                submitted = min(submitted, self.today)
                rows.append(
                    {
                        "unit_id": u.id,
                        "period": rule.period,
                        "period_start": start,
                        "period_end": end,
                        "due_on": due,
                        "is_zero": True,
                        "summary": "本周期排查未发现新的矛盾纠纷。",
                        "submitted_by_id": u.officer,
                        "submitted_at": timezone.make_aware(datetime.datetime.combine(submitted, datetime.time(10))),
                        "submitted_on": submitted,
                        "is_late": submitted > due,
                        "rollup": {},
                    }
                )
                if len(rows) >= BATCH:
                    self._write_with_ids(ScreeningReport, rows)
                    rows = []
        self._write_with_ids(ScreeningReport, rows)

    def build_leadership(self) -> None:
        rng = self.rng
        first = datetime.date(self.today.year - 2, 1, 1)
        meetings, days, receptions = [], [], []
        for u in self.units:
            if u.level == "brigade":
                continue
            q = first
            while q <= self.today:
                held = q + datetime.timedelta(days=rng.randrange(5, 60))
                if held <= self.today:
                    meetings.append(
                        {
                            "unit_id": u.id,
                            "held_on": held,
                            "topics": "研究部署信访工作",
                            "decisions": "压实信访工作责任，推进积案化解。",
                            "attendees": "党委班子成员",
                            "recorded_by_id": u.officer,
                        }
                    )
                q = _add_months(q, 3)
            m = first
            while m <= self.today:
                planned = self.cal.next_workday(m + datetime.timedelta(days=rng.randrange(0, 20)))
                if planned <= self.today and planned.month == m.month:
                    days.append(
                        {
                            "unit_id": u.id,
                            "leader_id": u.chief,
                            "role": "chief",
                            "planned_on": planned,
                            "time_text": "上午9:00—12:00",
                            "place": "信访接待室",
                            "published": True,
                            "status": "held",
                            "held_note": "接待来访群众。",
                            "created_by_id": u.officer,
                        }
                    )
                m = _add_months(m, 1)
        self._write_with_ids(Meeting, meetings)
        ids = self._write_with_ids(ReceptionDay, days)
        for day_id, d in zip(ids, days, strict=True):
            receptions.append(
                {
                    "unit_id": d["unit_id"],
                    "leader_id": d["leader_id"],
                    "role": "chief",
                    "reception_day_id": day_id,
                    "received_on": d["planned_on"],
                    "matter": "反映消防安全隐患问题",
                    "outcome": "当场答复，交有关部门办理。",
                    "headcount": rng.randrange(1, 4),
                    "recorded_by_id": d["created_by_id"],
                }
            )
        self._write_with_ids(Reception, receptions)

    def _write_with_ids(self, model: type, rows: list[dict[str, Any]]) -> range:
        ids = self.w.next_ids(model, len(rows))
        with transaction.atomic():
            self.w.write(model, ({"id": i, **r} for i, r in zip(ids, rows, strict=True)))
        return ids

    # -------------------------------------------------------------------------------------------

    def run(self) -> Result:
        started = time.monotonic()
        self.log(f"生成 {self.name}：{self.n_cases:,} 件信访事项（{connection.vendor}）")
        with transaction.atomic():
            self.build_units()
            self.build_people()
        self.log(f"  单位 {len(self.units):,} 个，用户 {self.w.counts.get('orgs_user', 0):,} 人")
        self.build_pool()
        self.log(f"  信访人 {len(self.pool):,} 人（加密一次，复用）")
        replica = _skip_row_triggers()
        bulk = [Case, Petitioner, CaseEvent, Opinion, Evaluation, Extension, Transfer, GeneratedDocument,
                ScreeningReport, Reception]  # fmt: skip
        try:
            with _indexes_deferred(bulk, self.log):
                self.build_cases()
                t = time.monotonic()
                self.build_screening()
                self.log(f"  排查报告：{time.monotonic() - t:,.0f} 秒")
                t = time.monotonic()
                self.build_leadership()
                self.log(f"  领导接访：{time.monotonic() - t:,.0f} 秒")
        finally:
            if replica:
                with connection.cursor() as cursor:
                    cursor.execute("SET session_replication_role = DEFAULT")
            # The load bypassed the summary tables' triggers (replica role, COPY): empty them, they refill on read.
            from xinfang.accountability import tally

            tally.reset()
        from xinfang.screening.models import ScreeningReport as SR

        self.w.reset_sequences(
            [Unit, User, Post, Case, Petitioner, CaseEvent, Opinion, Evaluation, Extension, Transfer, CaseCounter,
             GeneratedDocument, SR, Meeting, ReceptionDay, Reception]
        )  # fmt: skip
        if connection.vendor == "postgresql":
            # VACUUM too, not only ANALYZE: it sets the visibility map, without which PostgreSQL cannot use the
            # index-only scans a list's count and scope rely on (what autovacuum would do on a live system).
            # (Inside a transaction — a test — VACUUM cannot run: ANALYZE only.)
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            self.log(f"  {verb} …")
            t = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute(verb)
            self.log(f"  {verb}：{time.monotonic() - t:,.0f} 秒")
        seconds = time.monotonic() - started
        assert self.top is not None
        return Result(self.name, self.cases_written, seconds, dict(self.w.counts), self.top.id)


def _picker(rng: random.Random, units: list[_U], cum: list[float], total: float) -> Callable[[], _U]:
    def pick() -> _U:
        return units[bisect.bisect_right(cum, rng.random() * total)]

    return pick


def _skip_row_triggers() -> bool:
    """On PostgreSQL as a superuser: skip the per-row foreign-key triggers while loading (the generator only writes
    ids it has just written or read). COPY is then bound by the disk, not by one index probe per reference."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not row or not row[0]:
            return False
        cursor.execute("SET session_replication_role = replica")
    return True


@contextlib.contextmanager
def _indexes_deferred(models_: list[Any], log: Callable[[str], None]) -> Iterator[None]:
    """On PostgreSQL: drop the secondary indexes of the bulk tables while loading and build each once afterwards
    (one sorted build instead of a million random inserts per index). Indexes that back a constraint (primary keys,
    unique constraints) stay. The indexes are rebuilt even when the load fails, so the schema is never left short."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [tables],
        )
        deferred = cursor.fetchall()
        for name, _ in deferred:
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute("SET synchronous_commit = off")
    log(f"  暂缓 {len(deferred)} 个二级索引，装载后重建")
    try:
        yield
    finally:
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _, ddl in deferred:
                cursor.execute(ddl)
            cursor.execute("RESET maintenance_work_mem")
            cursor.execute("RESET synchronous_commit")
        log(f"  重建 {len(deferred)} 个二级索引：{time.monotonic() - started:,.0f} 秒")


def _spread(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` split into `parts` positive integers, each within ±30 % of the mean."""
    mean = total / parts
    raw = [mean * rng.uniform(0.7, 1.3) for _ in range(parts)]
    scale = total / sum(raw)
    out = [max(1, int(r * scale)) for r in raw]
    i = 0
    while sum(out) < total:
        out[i % parts] += 1
        i += 1
    while sum(out) > total:
        if out[i % parts] > 1:
            out[i % parts] -= 1
        i += 1
    return out


def _add_months(d: datetime.date, n: int) -> datetime.date:
    m = d.month - 1 + n
    return datetime.date(d.year + m // 12, m % 12 + 1, 1)


def has_cases() -> bool:
    return Case.objects.exists()


def generate(
    preset: str,
    *,
    cases: int | None = None,
    seed: int = 1,
    force: bool = False,
    today: datetime.date | None = None,
    log: Callable[[str], None] = print,
) -> Result:
    if has_cases() and not force:
        raise GenerateError("数据库中已有信访事项；负载数据只应生成到空库（确需追加请加 --force）")
    return Generator(preset, cases, seed, today, log).run()


def digest() -> str:
    """A digest of the generated data's content (decrypted personal data, no ciphertext, no timestamps of the
    load itself) — equal for two loads with the same preset, size, seed and date."""
    h = hashlib.sha256()
    row: Any
    for row in Unit.objects.order_by("code").values_list("code", "name", "level", "depth"):
        h.update(repr(row).encode())
    for row in Post.objects.order_by("user__username").values_list("user__username", "unit__code", "role"):
        h.update(repr(row).encode())
    case_fields = (
        "number", "kind", "parent_case__number", "original_case__number", "unit__code", "channel", "category",
        "topic__code", "title", "status", "received_on", "ack_due", "accepted_on", "due", "extension_days",
        "decided_on", "concluded_on", "art31_item", "headcount", "is_anonymous",
    )  # fmt: skip
    for row in Case.objects.order_by("number").values_list(*case_fields).iterator(chunk_size=5000):
        h.update(repr(row).encode())
    for p in Petitioner.objects.order_by("case__number", "order").select_related("case").iterator(chunk_size=5000):
        h.update(repr((p.case.number, p.name, p.id_number, p.phone, p.id_hash)).encode())
    for row in CaseEvent.objects.order_by("case__number", "id").values_list("case__number", "action", "on"):
        h.update(repr(row).encode())
    for row in Opinion.objects.order_by("case__number").values_list(
        "case__number", "result", "issued_on", "delivered_on"
    ):
        h.update(repr(row).encode())
    for row in ScreeningReport.objects.order_by("unit__code", "period_start").values_list(
        "unit__code", "period_start", "submitted_on", "is_late"
    ):
        h.update(repr(row).encode())
    return h.hexdigest()
