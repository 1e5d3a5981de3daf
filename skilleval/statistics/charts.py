"""Server-drawn charts for the staff dashboard: plain inline SVG, no script and no chart library.

Every chart names itself in a <title> (read out by screen readers through aria-labelledby) and every bar or
column carries its label and value in its own <title>, which browsers show on hover. The numbers are always
also in a table next to the chart; the chart is for the eye, the table is the record.

Pure Python: the callers pass already-translated labels and values formatted as they want them read.
"""

from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

Number = int | float | Decimal

BAR = "#0b57a4"  # the site's link blue: calm, and distinct from the red reserved for warnings
AXIS = "#d9dee4"
INK = "#1d2733"
MUTED = "#5b6775"
FONT = 'font-family="PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif"'


def _fmt(value: Number) -> str:
    if isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value)


def _scale(values: Sequence[Number], maximum: Number | None) -> float:
    top = float(maximum) if maximum is not None else max((float(v) for v in values), default=0.0)
    return top if top > 0 else 1.0


def _clip(text: str, limit: int) -> str:
    """Shorten a label to about `limit` Latin characters; a Chinese character is as wide as two."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0x2E80 else 1
        if used > limit:
            return text[: max(index - 1, 1)] + "…"
    return text


def bar_chart(
    rows: Sequence[tuple[str, Number]],
    *,
    title: str,
    chart_id: str,
    unit: str = "",
    maximum: Number | None = None,
    width: int = 640,
    label_width: int = 220,
) -> str:
    """Horizontal bars, one per (label, value): for categories with long names (institutions, statuses)."""
    bar_height, gap, top = 22, 10, 8
    height = top * 2 + max(len(rows), 1) * (bar_height + gap)
    room = width - label_width - 70  # what is left for the bar and its value
    scale = _scale([v for _label, v in rows], maximum)
    parts = [_open(width, height, title, chart_id)]
    for index, (label, value) in enumerate(rows):
        y = top + index * (bar_height + gap)
        length = max(float(value) / scale * room, 0.0)
        shown = f"{_fmt(value)}{unit}"
        parts.append(
            f"<g><title>{escape(f'{label}: {shown}')}</title>"
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" font-size="13" '
            f'fill="{INK}">{escape(_clip(label, 30))}</text>'
            f'<rect class="bar" x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'rx="2" fill="{BAR}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + bar_height * 0.7:.1f}" font-size="13" '
            f'fill="{MUTED}">{escape(shown)}</text></g>'
        )
    parts.append(f'<line x1="{label_width}" y1="0" x2="{label_width}" y2="{height}" stroke="{AXIS}"/>')
    parts.append("</svg>")
    return "".join(parts)


def column_chart(
    points: Sequence[tuple[str, Number]],
    *,
    title: str,
    chart_id: str,
    unit: str = "",
    width: int = 640,
    height: int = 240,
) -> str:
    """Vertical columns in order (months of a year): the shape of a series over time."""
    bottom, top, side = 28, 20, 8
    plot = height - bottom - top
    slot = (width - 2 * side) / max(len(points), 1)
    column = min(slot * 0.6, 48)
    scale = _scale([v for _label, v in points], None)
    parts = [_open(width, height, title, chart_id)]
    base = height - bottom
    parts.append(f'<line x1="{side}" y1="{base}" x2="{width - side}" y2="{base}" stroke="{AXIS}"/>')
    for index, (label, value) in enumerate(points):
        x = side + index * slot + (slot - column) / 2
        length = max(float(value) / scale * plot, 0.0)
        y = height - bottom - length
        middle = x + column / 2
        shown = f"{_fmt(value)}{unit}"
        parts.append(
            f"<g><title>{escape(f'{label}: {shown}')}</title>"
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{column:.1f}" height="{length:.1f}" rx="2" '
            f'fill="{BAR}"/>'
            f'<text x="{middle:.1f}" y="{y - 5:.1f}" text-anchor="middle" font-size="12" fill="{MUTED}">'
            f"{escape(shown)}</text>"
            f'<text x="{middle:.1f}" y="{height - 9}" text-anchor="middle" font-size="12" fill="{INK}">'
            f"{escape(label)}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, title: str, chart_id: str) -> str:
    title_id = f"{chart_id}-title"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby={quoteattr(title_id)} {FONT}>'
        f"<title id={quoteattr(title_id)}>{escape(title)}</title>"
    )
