"""The dashboard's charts are valid SVG drawn by us (issue 11): one bar per value, every value named in a
<title>, the chart itself titled for screen readers, and any text escaped."""

import xml.etree.ElementTree as ET
from decimal import Decimal

from skilleval.statistics.charts import bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def bars(root):
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]


def titles(root):
    return [t.text for t in root.iter(f"{SVG}title")]


def test_a_bar_chart_has_one_bar_per_value_and_names_each_value():
    rows = [("静安区职业技术学校", 12), ("个人申报", 3), ("浦东培训中心", 0)]
    root = parse(bar_chart(rows, title="按机构统计申报", chart_id="inst"))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "inst-title"
    assert titles(root) == ["按机构统计申报", "静安区职业技术学校: 12", "个人申报: 3", "浦东培训中心: 0"]
    widths = [float(b.get("width")) for b in bars(root)]
    assert len(widths) == 3 and widths[0] > widths[1] > widths[2] == 0


def test_bars_are_proportional_to_the_maximum_given():
    root = parse(
        bar_chart(
            [("A", Decimal("50.0")), ("B", Decimal("100.0"))], title="t", chart_id="p", unit="%", maximum=100
        )
    )
    first, second = (float(b.get("width")) for b in bars(root))
    assert second == 2 * first
    assert titles(root)[1:] == ["A: 50%", "B: 100%"]  # a whole number is read without ".0"


def test_a_column_chart_has_one_column_per_month_in_order():
    points = [
        (f"{m:02d}", n) for m, n in zip(range(1, 13), [0, 4, 9, 0, 0, 1, 0, 0, 0, 2, 7, 0], strict=True)
    ]
    root = parse(column_chart(points, title="Applications by month", chart_id="months"))
    assert len(bars(root)) == 12
    assert titles(root)[1:] == [f"{label}: {n}" for label, n in points]
    heights = [float(b.get("height")) for b in bars(root)]
    assert heights[2] == max(heights) and heights[0] == 0


def test_labels_are_escaped_and_an_empty_chart_is_still_valid():
    root = parse(bar_chart([('<script>"&', 1)], title="a < b & c", chart_id="x"))
    assert titles(root) == ["a < b & c", '<script>"&: 1']
    assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))
    empty = parse(column_chart([], title="nothing", chart_id="e"))
    assert bars(empty) == [] and titles(empty) == ["nothing"]


def test_a_long_label_is_shortened_in_the_chart_but_whole_in_its_title():
    name = "浦东新区青年职业技能培训中心（第二分中心）"
    root = parse(bar_chart([(name, 5)], title="t", chart_id="long"))
    shown = next(t.text for t in root.iter(f"{SVG}text"))
    assert shown.endswith("…") and len(shown) < len(name)
    assert titles(root)[1] == f"{name}: 5"
