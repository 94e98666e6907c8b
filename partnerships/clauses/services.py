"""Rendering clause templates safely, and keeping the library."""

import json
import os
import resource
import signal
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path
from select import select as wait_readable
from typing import Any

from flask_babel import gettext as _
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import func, select

from partnerships.clauses.library import DEFAULTS
from partnerships.clauses.models import Clause
from partnerships.extensions import db

MAX_TEXT = 100_000  # characters a single operation in a clause may produce
MAX_BITS = 4_096  # the largest number it may compute
# The render budget of one clause: what it may write (an article's own limit) and how many
# loop steps and calls it may take. A real clause takes a few dozen of each.
MAX_OUTPUT = 20_000
MAX_STEPS = 10_000
# Characters the filters may read in one render: a costly filter over a long value in a loop
# ('ab ' * 33000 | title, a hundred times) is refused here, whatever the machine's speed.
MAX_WORK = 2_000_000
_steps: ContextVar[list[int]] = ContextVar("clause_steps")
# What rendering may take beyond the budget above, enforced by the operating system.
RENDER_SECONDS = 2
RENDER_MEMORY = 256 * 1024 * 1024  # bytes


def _too_big(operator: str, left: Any, right: Any) -> bool:
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
    if operator == "**" and numbers:
        return abs(right) > 100 or (
            isinstance(left, int) and left.bit_length() * abs(right) > MAX_BITS
        )
    if operator == "*" and numbers:
        return (
            isinstance(left, int)
            and isinstance(right, int)
            and (left.bit_length() + right.bit_length() > MAX_BITS)
        )
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(times, int):
                return len(seq) * times > MAX_TEXT
    # printf-style formatting can pad to any width ("%999999999d"): clauses have no use for it.
    return operator == "%" and isinstance(left, str)


def _step() -> None:
    counter = _steps.get(None)
    if counter is not None:
        counter[0] += 1
        if counter[0] > MAX_STEPS:
            raise SecurityError("the clause takes too many steps")


def _work(value: Any) -> None:
    counter = _steps.get(None)
    if counter is not None and isinstance(value, str | list | tuple):
        counter[1] += len(value)
        if counter[1] > MAX_WORK:
            raise SecurityError("the clause's filters read too much text")


def _too_long(value: Any) -> bool:
    return (isinstance(value, str | list | tuple) and len(value) > MAX_TEXT) or (
        isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_TEXT
    )


def _bounded_filter(function):
    """A built-in filter that refuses widths, counts and results past MAX_TEXT, so neither
    `center(10**9)` nor `replace` applied over and over can exhaust the server."""

    def bounded(*args, **kwargs):
        _step()
        for value in args[:2]:  # the value filtered (after the context Jinja may pass)
            _work(value)
        if any(_too_long(v) for v in (*args[1:], *kwargs.values())):
            raise SecurityError("a filter argument is too large")
        result = function(*args, **kwargs)
        if isinstance(result, str | list | tuple) and len(result) > MAX_TEXT:
            raise SecurityError("the result would be too large")
        return result

    for marker in ("jinja_pass_arg",):  # keep how Jinja passes the context or environment
        if hasattr(function, marker):
            setattr(bounded, marker, getattr(function, marker))
    return bounded


class ClauseEnvironment(SandboxedEnvironment):
    """The sandbox, also refusing arithmetic that would exhaust the server: `9**99999999` (which
    Jinja would otherwise fold while compiling), `'x' * 10**9`, or squaring a number in a loop."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}
        # Only what a clause could want: no namespace() to grow a value across loop steps,
        # no lorem ipsum generator, cycler or joiner.
        self.globals = {"range": self.globals["range"], "dict": self.globals["dict"]}

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if _too_big(operator, left, right):
            raise SecurityError("the result would be too large")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:
        """Every call (a macro, a string method) is a step; none takes or returns too much."""
        _step()
        if any(_too_long(v) for v in (*args, *kwargs.values())):
            raise SecurityError("an argument is too large")
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, str | list | tuple) and len(result) > MAX_TEXT:
            raise SecurityError("the result would be too large")
        return result

    def budget_iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            _step()
            yield item

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Every loop counts its steps against the budget; recursive loops are refused (they
        would bypass it)."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            if loop.recursive:
                raise TemplateSyntaxError("recursive loops are not allowed", loop.lineno)
            loop.iter = nodes.Call(
                nodes.EnvironmentAttribute("budget_iter"), [loop.iter], [], None, None,
                lineno=loop.lineno,
            )  # fmt: skip
        return tree


# Sandboxed: an admin's template can read the values it is given and nothing else.
_env = ClauseEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)

SAMPLE_CONTEXT = {
    "jenis": "pks",
    "para_pihak": "BPJS Ketenagakerjaan Kantor Cabang Bali Denpasar dan Pemerintah Kota Denpasar",
    "pihak_kesatu": "BPJS Ketenagakerjaan Kantor Cabang Bali Denpasar",
    "pihak_kedua": "Pemerintah Kota Denpasar",
    "kantor": "Kantor Cabang Bali Denpasar",
    "tentang": "Pelaksanaan Program Jaminan Sosial Ketenagakerjaan",
    "program": "Jaminan Kecelakaan Kerja (JKK) dan Jaminan Kematian (JKM)",
    "pendanaan": "Anggaran Pendapatan dan Belanja Daerah (APBD)",
    "jangka_waktu": "12 (dua belas) bulan",
    "tanggal_mulai": "1 Januari 2027",
    "tanggal_berakhir": "31 Desember 2027",
    "masa_berlaku": "selama 12 (dua belas) bulan terhitung sejak tanggal 1 Januari 2027 sampai "
    "dengan tanggal 31 Desember 2027",
    "tempat": "Denpasar",
    "wilayah": "Kota Denpasar",
    "induk": "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar",
    "induk_nomor": "Nomor: B/12/032016 dan Nomor: 100.3.7/012/HK/2016",
    "induk_tanggal": "22 Maret 2016",
    "induk_tentang": "Pelaksanaan Program BPJS Ketenagakerjaan di Kota Denpasar",
    "induk_rujukan": "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar "
    "Nomor: B/12/032016 dan Nomor: 100.3.7/012/HK/2016 tanggal 22 Maret 2016 tentang "
    "Pelaksanaan Program BPJS Ketenagakerjaan di Kota Denpasar",
    "rangkap": "2 (dua)",
}
# A clause is tried against every shape a real draft can take, so a branch the sample would
# not reach (`{% if jenis == 'mou' %}`) cannot hide a mistake until somebody drafts.
SAMPLE_CONTEXTS = [
    SAMPLE_CONTEXT,
    {**SAMPLE_CONTEXT, "jenis": "mou", "induk": ""},
    {
        **SAMPLE_CONTEXT,
        "induk": "",
        "pihak_kedua": "",
        "jangka_waktu": "jangka waktu yang disepakati",
        "tanggal_mulai": "...",
        "tanggal_berakhir": "...",
        "masa_berlaku": "terhitung sejak tanggal ditandatangani oleh PARA PIHAK",
        "induk_nomor": "",
        "induk_tanggal": "",
        "induk_tentang": "",
        "induk_rujukan": "",
    },
]


class ClauseError(ValueError):
    pass


def _refused(error: Exception | str) -> ClauseError:
    detail = error if isinstance(error, str) else (str(error) or type(error).__name__)
    return ClauseError(_("The clause cannot be filled in: %(error)s", error=detail))


def _render_here(body: str, context: dict[str, Any]) -> str:
    token = _steps.set([0, 0])  # steps taken, characters read by filters
    try:
        written, out = 0, []
        for chunk in _env.from_string(body).generate(**context):
            written += len(chunk)
            if written > MAX_OUTPUT:
                raise SecurityError(f"the clause writes more than {MAX_OUTPUT} characters")
            out.append(chunk)
        return "".join(out).strip()
    finally:
        _steps.reset(token)


def _limit_this_process() -> None:
    """In the child: at most RENDER_MEMORY more than it started with, RENDER_SECONDS of CPU,
    and the same again of wall-clock time (the signals' default action ends it)."""
    pages = int(Path("/proc/self/statm").read_text().split()[0])
    ceiling = pages * resource.getpagesize() + RENDER_MEMORY
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    resource.setrlimit(resource.RLIMIT_CPU, (RENDER_SECONDS, RENDER_SECONDS + 1))
    signal.alarm(RENDER_SECONDS)


def _render_isolated(items: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Render in a forked child under hard limits, so that no template (an expensive filter in
    a loop, a value doubled until it fills memory) can hang or exhaust the worker itself."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child renders, reports and leaves without any clean-up of the parent's
        try:
            os.close(reader)
            _limit_this_process()
            try:
                result: dict[str, Any] = {"ok": [_render_here(b, c) for b, c in items]}
            except BaseException as error:
                result = {"error": str(error) or type(error).__name__}
            os.write(writer, json.dumps(result).encode())  # up to a few MB: pipes take it
        finally:
            os._exit(0)
    os.close(writer)
    received, deadline = bytearray(), time.monotonic() + RENDER_SECONDS + 2
    try:
        while (left := deadline - time.monotonic()) > 0:
            if not wait_readable([reader], [], [], left)[0]:
                break
            chunk = os.read(reader, 1 << 16)
            if not chunk:
                break
            received += chunk
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        os.close(reader)
        os.waitpid(pid, 0)
    try:
        return json.loads(received)
    except ValueError:  # killed by a limit before it could answer
        return {"error": "the clause takes too long or too much memory"}


def render_all(items: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Each clause filled in with its context, within its budget: at most MAX_OUTPUT characters
    written and MAX_STEPS loop steps and calls, in a child process with bounded time and memory;
    any failure refuses them all like any other broken clause."""
    result = _render_isolated(items)
    if "error" in result:
        raise _refused(result["error"])
    return result["ok"]


def render(body: str, context: dict[str, Any]) -> str:
    return render_all([(body, context)])[0]


def check(body: str) -> None:
    """Refuse a clause that names anything but the placeholders, or fails on any sample."""
    try:
        names = meta.find_undeclared_variables(_env.parse(body))
    except (TemplateError, RecursionError) as error:  # nesting deeper than the parser goes
        raise _refused(error) from error
    if unknown := sorted(names - SAMPLE_CONTEXT.keys()):
        raise _refused(", ".join(f"'{name}' is undefined" for name in unknown))
    render_all([(body, context) for context in SAMPLE_CONTEXTS])


def library(doc_kind: str) -> list[Clause]:
    return list(
        db.session.scalars(
            select(Clause)
            .where(Clause.doc_kind == doc_kind, Clause.is_deleted.is_(False))
            .order_by(Clause.position, Clause.id)
        )
    )


def prefill(doc_kind: str, context: dict[str, Any]) -> list[dict[str, str]]:
    """The library's articles for this kind, filled in with the agreement's data."""
    clauses = library(doc_kind)
    bodies = render_all([(c.body, context) for c in clauses])
    return [{"heading": c.heading, "body": body} for c, body in zip(clauses, bodies, strict=True)]


def save_clause(clause: Clause | None, data: dict) -> Clause:
    check(data["body"])  # refuse a template that would fail on a real draft
    if clause is None:
        clause = Clause()
        db.session.add(clause)
    clause.doc_kind, clause.position = data["doc_kind"], data["position"]
    clause.heading, clause.body = data["heading"].strip(), data["body"].strip()
    db.session.flush()
    return clause


def load_defaults() -> int:
    """Load the standard set (MoU, PKS, addendum, renewal) for each kind whose library is
    empty (no clause in use: removed clauses do not count); returns how many were added."""
    added = 0
    for kind, clauses in DEFAULTS.items():
        present = db.session.scalar(
            select(func.count())
            .select_from(Clause)
            .where(Clause.doc_kind == kind, Clause.is_deleted.is_(False))
        )
        if present:
            continue
        for position, (heading, body) in enumerate(clauses, start=1):
            save_clause(
                None,
                {"doc_kind": kind, "position": position * 10, "heading": heading, "body": body},
            )
            added += 1
    return added
