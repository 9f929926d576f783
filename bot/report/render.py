"""The monthly report as a page people open: a PNG chart (matplotlib, Agg) embedded in an HTML page
(jinja2, autoescape on: product names are text reps typed). Pure: returns bytes and text, writes no file.
"""
from __future__ import annotations

import base64
import io
from datetime import timedelta
from importlib import resources

import jinja2
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot import __version__
from bot.report.numbers import WINDOW_MONTHS, MonthlyReport, add_months

HTML_TEMPLATE = "monthly_report.html.j2"
# One fixed colour per defect type (colour-blind-friendly Okabe-Ito), so months compare at a glance.
COLOURS = ("#0072B2", "#E69F00", "#D55E00", "#009E73", "#CC79A7", "#999999")


BAR_GAP_DAYS = 1.4    # between two weeks' bars (a full week's bar is 5.6 days wide)


def bar_spans(r: MonthlyReport) -> tuple[list, list[float]]:
    """Where each week's bar starts and how many days wide it is. A week is counted only over the days
    inside the window (report.weekly_counts), so its bar covers only those days: the last week of the
    report month ends inside the shaded month, and the window's first week starts at the window."""
    starts, widths = [], []
    for w in r.weeks:
        start, end = max(w.start, r.window_start), min(w.end, r.window_end) + timedelta(days=1)
        days = (end - start).days
        starts.append(start)
        widths.append(max(days - BAR_GAP_DAYS * days / 7, 0.5))
    return starts, widths


def chart_png(r: MonthlyReport) -> bytes:
    """Weekly cases per defect type over the report's 6-month window, stacked bars, the report month shaded."""
    fig = Figure(figsize=(11, 4.6), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    x, widths = bar_spans(r)
    bottom = [0] * len(r.weeks)
    for i, defect in enumerate(r.defect_types):
        heights = [w.counts[i] for w in r.weeks]
        ax.bar(x, heights, width=widths, bottom=bottom, align="edge", label=defect,
               color=COLOURS[i % len(COLOURS)], edgecolor="white", linewidth=0.5)
        bottom = [b + h for b, h in zip(bottom, heights)]
    ax.axvspan(r.month, r.last_day + timedelta(days=1), color="#fff3bf", zorder=0,
               label=f"{r.title} (this report)")
    ax.set_xlim(r.weeks[0].start if r.weeks else r.window_start,
                (r.weeks[-1].end if r.weeks else r.window_end) + timedelta(days=1))
    ticks = [add_months(r.window_start, k) for k in range(WINDOW_MONTHS)]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:%b %Y}" for t in ticks])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(max(bottom, default=0), 1) * 1.15)
    ax.set_ylabel("cases logged per week")
    ax.set_title(f"Weekly defective-product cases by defect type, {r.window_start:%B %Y} – {r.title}",
                 loc="left", fontsize=12)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: resources.files("templates").joinpath(name)
                                     .read_text(encoding="utf-8")),
        autoescape=True, undefined=jinja2.StrictUndefined)


def render_html(r: MonthlyReport, png: bytes | None = None) -> str:
    png = chart_png(r) if png is None else png
    chart = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return _environment().get_template(HTML_TEMPLATE).render(r=r, chart=chart, version=__version__)
