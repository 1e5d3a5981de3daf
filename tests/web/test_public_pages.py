"""The public site (issue 2 item 10; DOMAIN.md §1 "public", §2, §5, §6): what a visitor reads, in Simplified
Chinese at the unprefixed address and in English under /en/."""

import calendar
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from skilleval.organization.models import EvaluationCycle, Organization
from skilleval.organization.services import generate_cycles

pytestmark = pytest.mark.django_db

HOST = {"HTTP_HOST": "127.0.0.1"}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")

# DOMAIN.md §2: the notice's fee table, per item and level: theory / practical / total (CNY).
FEES_2026 = [
    ("4-04-05-05", "人工智能训练师", "Artificial intelligence trainer", 4, "100", "300", "400"),
    ("4-04-05-05", "人工智能训练师", "Artificial intelligence trainer", 3, "100", "400", "500"),
    (
        "4-04-04-02",
        "网络与信息安全管理员（信息安全管理员）",
        "Network and information security administrator (Information security administrator)",
        4,
        "100",
        "400",
        "500",
    ),
    (
        "4-04-04-02",
        "网络与信息安全管理员（信息安全管理员）",
        "Network and information security administrator (Information security administrator)",
        3,
        "100",
        "450",
        "550",
    ),
    (
        "4-04-04-02",
        "网络与信息安全管理员（网络安全管理员）",
        "Network and information security administrator (Network security administrator)",
        4,
        "100",
        "400",
        "500",
    ),
    (
        "4-04-04-02",
        "网络与信息安全管理员（网络安全管理员）",
        "Network and information security administrator (Network security administrator)",
        3,
        "100",
        "450",
        "550",
    ),
    ("4-04-05-01", "计算机程序设计员", "Computer programmer", 4, "100", "250", "350"),
    ("4-04-05-01", "计算机程序设计员", "Computer programmer", 3, "100", "300", "400"),
]
LEVELS = {
    "zh": {4: "四级/中级工", 3: "三级/高级工"},
    "en": {4: "Level 4 / Intermediate worker", 3: "Level 3 / Senior worker"},
}


class Page(HTMLParser):
    """The parts of a rendered page a visitor (or a screen reader) meets: text, tables, labels, forms."""

    SKIPPED = {"script", "style"}
    LABELS = ("data-label", "aria-label", "title", "alt", "placeholder")

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.labels: list[str] = []
        self.tables: list[dict] = []
        self.forms: list[dict] = []
        self.html_lang = ""
        self.h1 = ""
        self._open: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_h1 = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.labels += [attributes[name] for name in self.LABELS if attributes.get(name)]
        if tag == "html":
            self.html_lang = attributes.get("lang", "")
        elif tag == "table":
            self.tables.append({"class": attributes.get("class", ""), "head": [], "rows": []})
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "h1":
            self._in_h1 = True
        elif tag == "form":
            self.forms.append(
                {"action": attributes.get("action"), "method": attributes.get("method"), "fields": {}}
            )
        elif tag == "input" and self.forms:
            self.forms[-1]["fields"][attributes.get("name")] = attributes.get("value", "")
        elif tag == "button" and self.forms and attributes.get("name"):
            self.forms[-1]["fields"][attributes["name"]] = attributes.get("value", "")
        if tag not in ("input", "meta", "link", "br"):
            self._open.append(tag)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            section = "head" if "thead" in self._open else "rows"
            self.tables[-1][section].append(self._row)
            self._row = None
        elif tag == "h1":
            self._in_h1 = False
        while self._open and self._open.pop() != tag:
            pass

    def handle_data(self, data):
        if self._open and self._open[-1] in self.SKIPPED:
            return
        self.texts.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._in_h1:
            self.h1 += data.strip()

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())

    def table(self, css_class: str = "") -> dict:
        return next(t for t in self.tables if css_class in t["class"].split() or not css_class)


def visit(client, url: str) -> Page:
    response = client.get(url, **HOST)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return Page(response.content.decode())


def fee_rows(page: Page) -> list[tuple]:
    return sorted(tuple(row) for row in page.table("fees")["rows"])


def expected_fee_rows(language: str) -> list[tuple]:
    return sorted(
        (code, zh if language == "zh" else en, LEVELS[language][level], theory, practical, "/", total)
        for code, zh, en, level, theory, practical, total in FEES_2026
    )


def expected_cycles(language: str) -> list[list[str]]:
    """DOMAIN.md §5: applications of month M are evaluated by the end of M+1; December by 31 December."""
    rows = []
    for month in range(1, 13):
        deadline_month = min(month + 1, 12)
        deadline = date(2026, deadline_month, calendar.monthrange(2026, deadline_month)[1]).isoformat()
        if month == 12:
            deadline += (
                " 或根据次年公告排考" if language == "zh" else " or as scheduled by next year's notice"
            )
        rows.append([f"{month}月" if language == "zh" else date(2026, month, 1).strftime("%B"), deadline])
    return rows


def organization_data_in_chinese(organization: Organization) -> list[str]:
    """Facts that stay as the organization wrote them on the English pages (no English version is kept)."""
    fields = ("name", "account_name", "phone", "supervision_phones", "website_lookup")
    return [getattr(organization, name) for name in fields]


def chinese_chrome(page: Page, organization: Organization) -> list[str]:
    text = " ".join([page.text, *page.labels])
    for data in [*organization_data_in_chinese(organization), "简体中文"]:  # the switch names its language
        text = text.replace(data, " ")
    return sorted({m.group(0) for m in re.finditer(rf"\S*{CJK.pattern}\S*", text)})


# --- Simplified Chinese, the default ---------------------------------------------------------------------


def test_the_catalog_page_lists_the_eight_items_with_subject_fees_and_totals_in_chinese(client, notice_2026):
    page = visit(client, "/catalog/")
    assert page.html_lang == "zh-CN"
    assert page.h1 == "职业技能评价项目及收费标准"
    assert page.table("fees")["head"] == [
        ["职业编码", "职业（工种）", "等级", "理论知识", "操作技能", "综合评审", "合计"]
    ]
    assert fee_rows(page) == expected_fee_rows("zh")
    assert (
        "4-04-04-02",
        "网络与信息安全管理员（网络安全管理员）",
        "三级/高级工",
        "100",
        "450",
        "/",
        "550",
    ) in fee_rows(page)


def test_the_home_page_gives_the_notices_essentials_in_chinese(client, notice_2026):
    page = visit(client, "/")
    organization = Organization.objects.get()
    assert page.h1 == "上海市计算技术研究所有限公司"
    assert fee_rows(page) == expected_fee_rows("zh")
    for step in ("对照申报条件", "提交申报", "缴纳费用", "参加考核", "查询成绩与证书"):
        assert step in page.text
    # DOMAIN.md §6: where the fee is paid.
    assert "31001508300056003187" in page.text
    assert organization.bank_name in page.text and "建设银行上海静安支行" in page.text
    assert "9131010642502952X1" in page.text
    assert "机构备案号 S000031400054" in page.text


def test_the_home_page_names_this_months_evaluation_deadline(client, notice_2026):
    today = timezone.localdate()  # the view's "this month" is Shanghai's
    generate_cycles(today.year, by=None)  # in a later year, that year's cycles from the rule in force
    cycle = EvaluationCycle.objects.get(year=today.year, month=today.month)
    page = visit(client, "/")
    assert f"本月（{cycle.month}月）申报的，于 {cycle.evaluate_by:%Y-%m-%d} 前完成评价" in page.text


def test_the_schedule_page_shows_the_monthly_cycle_in_chinese(client, notice_2026):
    page = visit(client, "/cycles/?year=2026")
    assert page.h1 == "2026年申报及评价时间安排"
    table = page.table()
    assert table["head"] == [["申报时间", "评价日期"]]
    assert table["rows"] == expected_cycles("zh")
    assert table["rows"][0] == ["1月", "2026-02-28"]
    assert table["rows"][11] == ["12月", "2026-12-31 或根据次年公告排考"]
    assert "报名人数不足 30 人的，顺延至下月一起评价认定" in page.text


def test_the_contact_page_shows_the_counter_hours_and_lines_in_chinese(client, notice_2026):
    page = visit(client, "/contact/")
    assert page.h1 == "业务受理与联系方式"
    text = page.text
    assert "上海市静安区愚园路 546 号 8 号楼 2 楼 207 室" in text
    assert "业务受理时间 周一至周五（法定工作日）9:30–11:00，13:30–16:30" in text
    assert "021-62520070 转 207" in text
    assert "jinengrd@sh-sict.com" in text
    assert "021-62129221，400-820-9278" in text


# --- English, under /en/ ---------------------------------------------------------------------------------


def test_the_english_catalog_shows_english_names_and_levels(client, notice_2026):
    page = visit(client, "/en/catalog/")
    assert page.html_lang == "en"
    assert page.h1 == "Evaluation items and fees"
    assert page.table("fees")["head"] == [
        [
            "Occupation code",
            "Occupation (work type)",
            "Level",
            "Theory knowledge",
            "Practical skills",
            "Comprehensive review",
            "Total",
        ]
    ]
    assert fee_rows(page) == expected_fee_rows("en")
    assert (
        "4-04-05-05",
        "Artificial intelligence trainer",
        "Level 3 / Senior worker",
        "100",
        "400",
        "/",
        "500",
    ) in (fee_rows(page))


def test_the_english_home_page_gives_the_essentials_in_english(client, notice_2026):
    page = visit(client, "/en/")
    assert page.h1 == "Shanghai Institute of Computing Technology Co., Ltd."
    assert fee_rows(page) == expected_fee_rows("en")
    assert "How to apply" in page.text
    assert "Account number 31001508300056003187" in page.text
    assert "China Construction Bank, Shanghai Jing'an Sub-branch" in page.text


def test_the_english_schedule_page_shows_the_monthly_cycle(client, notice_2026):
    page = visit(client, "/en/cycles/?year=2026")
    assert page.h1 == "Application and evaluation schedule 2026"
    assert page.table()["rows"] == expected_cycles("en")


def test_the_english_contact_page_shows_the_counter_and_office_hours_in_english(client, notice_2026):
    text = visit(client, "/en/contact/").text
    assert "Room 207, 2/F, Building 8, 546 Yuyuan Road, Jing'an District, Shanghai" in text
    assert "Office hours Monday to Friday (official working days) 9:30–11:00 and 13:30–16:30" in text


@pytest.mark.parametrize("path", ["/en/", "/en/catalog/", "/en/cycles/?year=2026", "/en/contact/"])
def test_english_pages_carry_no_chinese_except_the_organizations_own_data(client, notice_2026, path):
    page = visit(client, path)
    assert chinese_chrome(page, Organization.objects.get()) == []


@pytest.mark.parametrize("path", ["/", "/catalog/", "/cycles/?year=2026", "/contact/"])
def test_chinese_pages_label_everything_in_chinese(client, notice_2026, path):
    page = visit(client, path)
    english_labels = [label for label in page.labels if not CJK.search(label)]
    assert english_labels == [], "untranslated labels (shown on phones as the fee table's captions)"
    assert "Home" not in page.text and "Items and fees" not in page.text


# --- The language switch ---------------------------------------------------------------------------------


def switch_language(client, page: Page):
    form = next(f for f in page.forms if f["action"] == "/i18n/setlang/")
    assert form["method"] == "post"
    return client.post(form["action"], form["fields"], **HOST)


@pytest.mark.parametrize(
    ("path", "other", "language", "h1"),
    [
        pytest.param("/catalog/", "/en/catalog/", "en", "Evaluation items and fees", id="catalog-to-en"),
        pytest.param(
            "/en/catalog/", "/catalog/", "zh-hans", "职业技能评价项目及收费标准", id="catalog-to-zh"
        ),
        pytest.param(
            "/", "/en/", "en", "Shanghai Institute of Computing Technology Co., Ltd.", id="home-to-en"
        ),
        pytest.param("/en/", "/", "zh-hans", "上海市计算技术研究所有限公司", id="home-to-zh"),
        pytest.param(
            "/cycles/?year=2026",
            "/en/cycles/?year=2026",
            "en",
            "Application and evaluation schedule 2026",
            id="schedule-to-en-keeps-the-year",
        ),
        pytest.param("/en/contact/", "/contact/", "zh-hans", "业务受理与联系方式", id="contact-to-zh"),
    ],
)
def test_the_language_switch_opens_the_same_page_in_the_other_language(
    client, notice_2026, path, other, language, h1
):
    response = switch_language(client, visit(client, path))
    assert response.status_code == 302
    assert response["Location"] == other
    assert client.cookies["django_language"].value == language
    assert visit(client, other).h1 == h1
