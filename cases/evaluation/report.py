"""The evaluation report: results.json rendered as one self-contained HTML page (inline CSS,
inline SVG charts, no external assets), and the chart geometry the analytics page shares.

Charts are plain data (rectangles, lines, labels with coordinates already computed), drawn by
the ``chart`` partial of ``templates/evaluation/report.html``; every label goes through the
template's autoescaping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string

CHART_WIDTH = 640
LABEL_WIDTH = 200
ROW_HEIGHT = 22
BAR_HEIGHT = 14
TOP = 24
COLOURS = {"correct": "good", "wrong": "bad", "none": "none"}


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str = ""


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str = "axis"


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"
    css: str = ""


@dataclass
class Chart:
    """An SVG drawing: a title for screen readers, a size, and shapes to draw."""

    title: str
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)


@dataclass(frozen=True)
class BarItem:
    """One bar: a label, a value and optionally its 95% interval."""

    label: str
    value: float
    low: float | None = None
    high: float | None = None
    css: str = "bar"
    note: str = ""


def _short(text: str, limit: int = 28) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, so a label fits left of the axis
    (the full text stays in the shape's tooltip)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt(value: float, scale: str) -> str:
    if scale == "rate":
        return f"{value:.1%}" if value >= 0.001 or value == 0 else f"{value:.2%}"
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


def bars(title: str, items: Sequence[BarItem], *, scale: str = "rate") -> Chart:
    """Horizontal bars, one per item, with whiskers for the intervals. ``scale`` "rate" draws
    0-100%; "absolute" draws 0 to the largest value."""
    plot = CHART_WIDTH - LABEL_WIDTH - 70
    top = max([1.0] if scale == "rate" else [i.high or i.value for i in items] or [1.0])
    top = top or 1.0
    chart = Chart(title, CHART_WIDTH, TOP + ROW_HEIGHT * len(items) + 24)

    def x(v: float) -> float:
        return LABEL_WIDTH + plot * max(0.0, min(v, top)) / top

    for row, item in enumerate(items):
        y = TOP + row * ROW_HEIGHT
        chart.labels.append(Label(LABEL_WIDTH - 6, y + BAR_HEIGHT - 3, _short(item.label), "end"))
        note = f"{item.label}: {item.note}" if item.note else item.label
        chart.rects.append(
            Rect(LABEL_WIDTH, y, x(item.value) - LABEL_WIDTH, BAR_HEIGHT, item.css, note)
        )
        if item.low is not None and item.high is not None:
            mid = y + BAR_HEIGHT / 2
            chart.lines.append(Line(x(item.low), mid, x(item.high), mid, "whisker"))
            for end in (item.low, item.high):
                chart.lines.append(Line(x(end), mid - 4, x(end), mid + 4, "whisker"))
        end = x(item.high if item.high is not None else item.value)
        chart.labels.append(Label(end + 4, y + BAR_HEIGHT - 3, _fmt(item.value, scale)))
    _axis(chart, LABEL_WIDTH, plot, len(items), top, scale)
    return chart


def _axis(chart: Chart, left: float, plot: float, rows: int, top: float, scale: str) -> None:
    bottom = TOP + rows * ROW_HEIGHT
    chart.lines.append(Line(left, TOP - 4, left, bottom, "axis"))
    for step in range(5):
        v = top * step / 4
        xv = left + plot * step / 4
        chart.lines.append(Line(xv, bottom, xv, bottom + 4, "axis"))
        chart.labels.append(Label(xv, bottom + 16, _fmt(v, scale), "middle", "tick"))


def stacked(title: str, rows: Sequence[tuple[str, dict[str, float]]]) -> Chart:
    """100% stacked horizontal bars of the correct / wrong / none shares, one per row."""
    plot = CHART_WIDTH - LABEL_WIDTH - 20
    chart = Chart(title, CHART_WIDTH, TOP + ROW_HEIGHT * len(rows) + 24)
    x = float(LABEL_WIDTH)
    for css, name in (("good", "correct"), ("bad", "wrong"), ("none", "no consensus")):
        chart.rects.append(Rect(x, 4, 10, 10, css))
        chart.labels.append(Label(x + 14, 13, name))
        x += 24 + 7 * len(name)
    for row, (label, shares) in enumerate(rows):
        y = TOP + row * ROW_HEIGHT
        chart.labels.append(Label(LABEL_WIDTH - 6, y + BAR_HEIGHT - 3, _short(label), "end"))
        left = float(LABEL_WIDTH)
        for outcome in ("correct", "wrong", "none"):
            width = plot * shares.get(outcome, 0.0)
            if width > 0:
                note = f"{label}: {outcome} {shares[outcome]:.1%}"
                chart.rects.append(Rect(left, y, width, BAR_HEIGHT, COLOURS[outcome], note))
            left += width
    _axis(chart, LABEL_WIDTH, plot, len(rows), 1.0, "rate")
    return chart


def log_groups(
    title: str,
    groups: Sequence[tuple[str, Sequence[tuple[str, float, str]]]],
) -> Chart:
    """Grouped bars on a log scale, so 0.000004 and 0.005 can be compared: ``groups`` is
    [(group label, [(series label, value, css), ...]), ...]. The scale starts at the decade of
    the smallest positive value (clamped to 1e-9..1e-2); smaller values and zeros draw empty."""
    positive = [v for _, items in groups for _, v, _ in items if v > 0]
    lowest = min(positive, default=0.01)
    floor = 10.0 ** max(-9, min(-2, math.floor(math.log10(lowest))))
    plot = CHART_WIDTH - LABEL_WIDTH - 70
    decades = -math.log10(floor)
    series = max((len(s) for _, s in groups), default=0)
    group_height = series * (BAR_HEIGHT + 2) + 10
    chart = Chart(title, CHART_WIDTH, TOP + group_height * len(groups) + 24)

    def x(v: float) -> float:
        return LABEL_WIDTH + plot * (math.log10(max(v, floor)) + decades) / decades

    ticks = int(round(decades))
    y = float(TOP)
    for group, items in groups:
        chart.labels.append(Label(8, y + BAR_HEIGHT - 3, group, "start", "group"))
        for name, value, css in items:
            chart.labels.append(Label(LABEL_WIDTH - 6, y + BAR_HEIGHT - 3, name, "end"))
            chart.rects.append(Rect(LABEL_WIDTH, y, x(value) - LABEL_WIDTH, BAR_HEIGHT, css))
            chart.labels.append(Label(x(value) + 4, y + BAR_HEIGHT - 3, f"{value:.3g}"))
            y += BAR_HEIGHT + 2
        y += 10
    bottom = y - 10
    chart.lines.append(Line(LABEL_WIDTH, TOP - 4, LABEL_WIDTH, bottom, "axis"))
    for step in range(ticks + 1):
        xv = LABEL_WIDTH + plot * step / decades
        chart.lines.append(Line(xv, bottom, xv, bottom + 4, "axis"))
        power = ticks - step
        chart.labels.append(
            Label(xv, bottom + 16, f"1e-{power}" if power else "1", "middle", "tick")
        )
    chart.height = int(bottom + 24)
    return chart


def heatmap(title: str, labels: Sequence[str], matrix: Sequence[Sequence[float | None]]) -> Chart:
    """A square matrix of correlations in [-1, 1]: warm for positive, cool for negative,
    grey where undefined."""
    cell = 56
    left = LABEL_WIDTH
    size = len(labels)
    chart = Chart(title, left + cell * size + 20, TOP + 60 + cell * size)
    top = TOP + 50
    for j, name in enumerate(labels):
        chart.labels.append(
            Label(left + j * cell + cell / 2, top - 8, _short(name, 9), "middle", "tick")
        )
    for i, name in enumerate(labels):
        chart.labels.append(Label(left - 6, top + i * cell + cell / 2 + 4, _short(name), "end"))
        for j, value in enumerate(matrix[i]):
            css = "cell-na" if value is None else f"heat-{_heat_bin(value)}"
            text = "—" if value is None else f"{value:.2f}"
            note = f"{name} vs {labels[j]}: {text}"
            chart.rects.append(Rect(left + j * cell, top + i * cell, cell - 2, cell - 2, css, note))
            chart.labels.append(
                Label(
                    left + j * cell + cell / 2,
                    top + i * cell + cell / 2 + 4,
                    text,
                    "middle",
                    "cell",
                )
            )
    return chart


def _heat_bin(value: float) -> str:
    """One of nine colour bins: n4..n1 negative, 0 near zero, p1..p4 positive."""
    step = min(4, int(abs(value) * 4 + 0.5))
    if step == 0:
        return "0"
    return f"{'p' if value > 0 else 'n'}{step}"


# --- the report -----------------------------------------------------------------------------


def risk_chart(title: str, points: Sequence[dict[str, Any]]) -> Chart:
    """Wrong share among decided cases (y) against decided share (x), one point per
    threshold of the risk-coverage curve, joined from strict to lenient, with the upper bound
    dashed beside it. The y axis reaches the largest wrong share or bound shown (at most 1)."""
    left, plot_w, plot_h = 60.0, CHART_WIDTH - 100.0, 220.0
    bottom = TOP + plot_h
    shown = [p for p in points if p["decided"]]
    top: float = max(
        [p["wrong_share"] for p in shown] + [min(1.0, p["bound"]) for p in shown] + [0.01]
    )
    chart = Chart(title, CHART_WIDTH, int(bottom + 44))

    def x(v: float) -> float:
        return left + plot_w * v

    def y(v: float) -> float:
        return float(bottom - plot_h * min(v, top) / top)

    ordered = sorted(shown, key=lambda p: p["coverage"])
    for series, css in (("wrong_share", "risk"), ("bound", "risk-bound")):
        for a, b in zip(ordered, ordered[1:], strict=False):
            chart.lines.append(
                Line(x(a["coverage"]), y(a[series]), x(b["coverage"]), y(b[series]), css)
            )
    for p in ordered:
        note = (
            f"min_confidence {p['threshold']}: decides {p['decided']} of {p['cases']}, "
            f"{p['wrong']} wrong, bound {p['bound']:.3f}"
        )
        chart.rects.append(Rect(x(p["coverage"]) - 3, y(p["wrong_share"]) - 3, 6, 6, "bad", note))
    chart.lines.append(Line(left, TOP, left, bottom, "axis"))
    chart.lines.append(Line(left, bottom, left + plot_w, bottom, "axis"))
    for step in range(5):
        chart.labels.append(Label(x(step / 4), bottom + 16, f"{step / 4:.0%}", "middle", "tick"))
        chart.labels.append(
            Label(left - 6, y(top * step / 4) + 4, _fmt(top * step / 4, "rate"), "end", "tick")
        )
    chart.labels.append(
        Label(left + plot_w / 2, bottom + 34, "decided share (coverage)", "middle", "tick")
    )
    chart.labels.append(
        Label(
            left, TOP - 8, "wrong share of decided (solid), upper bound (dashed)", "start", "tick"
        )
    )
    return chart


def _item(label: str, interval: dict[str, Any], css: str = "bar") -> BarItem:
    note = f"{interval['count']} of {interval['of']}"
    return BarItem(label, interval["rate"], interval["low"], interval["high"], css, note)


def charts(results: dict[str, Any]) -> dict[str, Chart]:
    """Every chart of the report, by name, from the content of results.json."""
    panel = results["panel"]
    intervals = panel["intervals"]
    found = {
        "members": bars(
            "Top-1 accuracy of each member alone (Round 1), with 95% Wilson intervals",
            [_item(m["alias"], m["accuracy_ci"]) for m in results["members"]],
        ),
        "panel": bars(
            "Panel outcomes with 95% Wilson intervals",
            [
                _item("correct consensus", intervals["correct"], "good"),
                _item("wrong consensus", intervals["wrong"], "bad"),
                _item("no consensus", intervals["none"], "none"),
            ],
        ),
        "severity": stacked(
            "Outcomes by severity of the true condition (1 = most severe)",
            [(f"severity {r['group']} ({r['cases']})", _shares(r)) for r in results["by_severity"]],
        ),
        "pathology": stacked(
            "Outcomes by true condition",
            [(f"{r['group']} ({r['cases']})", _shares(r)) for r in results["by_pathology"]],
        ),
        "cost": _cost_chart(results),
        "time": bars(
            "Wall time per deliberation in seconds (cases run concurrently: includes waiting)",
            [
                BarItem("mean", panel["wall_time_per_case_s"]),
                BarItem("95th percentile", panel["wall_time_p95_s"]),
            ],
            scale="absolute",
        ),
        "correlation": heatmap(
            "Correlation (phi) of members' errors",
            results["error_correlation"]["aliases"],
            results["error_correlation"]["matrix"],
        ),
    }
    points = results.get("risk_coverage", {}).get("points", [])
    if any(p["decided"] for p in points):
        found["risk"] = risk_chart(
            "Risk against coverage as min_confidence varies (re-decided from stored answers)",
            points,
        )
    if results["reliability"]["exact"]:
        found["reliability"] = _reliability_chart(results["reliability"])
    return found


def _cost_chart(results: dict[str, Any]) -> Chart:
    panel = results["panel"]
    items = [
        BarItem("mean", panel["tokens_per_case"]),
        BarItem("median", panel["tokens_median"]),
        BarItem("95th percentile", panel["tokens_p95"]),
    ]
    without = results["early_stop"]["estimated_tokens_per_case_without_early_stop"]
    if without:
        items.append(BarItem("no early stop (estimate)", without, css="none"))
    return bars("Tokens per case", items, scale="absolute")


def _reliability_chart(reliability: dict[str, Any]) -> Chart:
    exact = {row["k"]: row for row in reliability["exact"]}
    groups = []
    for outcome, label in (("wrong", "wrong consensus"), ("none", "no consensus")):
        items = [(f"exact, k={k}", float(row[outcome]), "none") for k, row in exact.items()]
        items.append(
            (
                "observed, Round 1 as votes",
                reliability["observed_round1_as_votes"][outcome],
                "bar",
            )
        )
        items.append(("observed, panel", reliability["observed_panel"][outcome], "bad"))
        groups.append((label, items))
    return log_groups(
        "Exact table for the measured error rate beside the observed rates (log scale)", groups
    )


def _shares(row: dict[str, Any]) -> dict[str, float]:
    return {outcome: row[outcome]["rate"] for outcome in ("correct", "wrong", "none")}


def reliability_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The exact table beside the observed rates as rows of text; significant digits rather
    than fixed decimals, because the exact rates can be as small as 1e-8."""
    reliability = results["reliability"]
    rows = [(f"exact, k = {row['k']}", row) for row in reliability["exact"]]
    rows.append(("observed, Round 1 answers as votes", reliability["observed_round1_as_votes"]))
    rows.append(("observed, the panel (with Round 2)", reliability["observed_panel"]))
    return [
        (label, f"{rates['correct']:.4g}", f"{rates['wrong']:.4g}", f"{rates['none']:.4g}")
        for label, rates in rows
    ]


def render(results: dict[str, Any]) -> str:
    """The self-contained HTML report for ``results`` (the content of results.json)."""
    scope = results.get("scope", {})
    context: dict[str, Any] = {
        "r": results,
        "charts": charts(results),
        "reliability": reliability_rows(results),
        "scopes": [
            (label, scope[key])
            for key, label in (("in_scope", "in scope"), ("out_of_scope", "out of scope"))
            if scope.get(key, {}).get("cases")
        ],
        "confidence": f"{1 - results.get('risk_coverage', {}).get('delta', 0.05):.0%}",
    }
    context["standalone"] = True  # a file on its own: its charts carry their own styles
    return render_to_string("evaluation/report.html", context)
