"""How fast the safe reader reads a group application upload, against bare python-calamine (the floor).

Run from the project root: ``.venv/bin/python bench/spreadsheet_read.py [--rows 10000 100000] [--rounds 3]``.
For each size it writes an 8-column .xlsx the way an institution fills the template (ID numbers and
phones as text, Chinese names and employers, birth dates as date cells), then times, on the same bytes:

- floor: ``CalamineWorkbook.from_filelike`` + ``iter_rows()`` over every row, nothing else;
- ours: ``read_table`` (zip checks, the streaming pre-scan of every part, calamine, header mapping,
  every cell made text).

Rates are rows per CPU second, median of interleaved rounds (the machine is shared: wall time is noisy);
the target is ours ≤ 1.5 × the floor's time. Each size is written in two layouts: as Excel and WPS write it
(shared strings, the realistic upload) and as openpyxl writes it (every string inline, so ~3 × more XML for
the pre-scan to read). Peak memory is measured in a fresh child process per reader, for the largest file.
"""

import argparse
import gc
import io
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["姓名", "身份证号", "手机号", "性别", "出生日期", "工作单位", "申报职业", "申报等级"]
TARGET_RATIO = 1.5


def columns():
    from skilleval.core.spreadsheets import ColumnSpec

    keys = ["name", "id_number", "mobile", "sex", "birth_date", "employer", "occupation", "level"]
    return [
        ColumnSpec(key, (header,), text=key in ("id_number", "mobile"))
        for key, header in zip(keys, HEADER, strict=True)
    ]


def make_rows(rows: int, seed: int) -> list[list]:
    rng = random.Random(seed)
    surnames, given = (
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗",
        "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英",
    )
    employers = [
        f"{city}市第{n}职业技术学校" for city in ("杭州", "宁波", "温州", "绍兴") for n in range(1, 6)
    ]
    occupations = ["网络与信息安全管理员", "人工智能训练师", "计算机程序设计员", "信息通信网络运行管理员"]
    levels = ["五级/初级工", "四级/中级工", "三级/高级工"]
    start = date(1970, 1, 1)
    out = []
    for _ in range(rows):
        born = start + timedelta(days=rng.randrange(14_000))
        region, serial = rng.randrange(110000, 659999), rng.randrange(1000)
        out.append(
            [
                rng.choice(surnames) + "".join(rng.choices(given, k=rng.choice((1, 2)))),
                f"{region}{born:%Y%m%d}{serial:03d}{rng.choice('0123456789X')}",
                f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                rng.choice("男女"),
                born,
                rng.choice(employers),
                rng.choice(occupations),
                rng.choice(levels),
            ]
        )
    return out


def openpyxl_xlsx(rows: list[list]) -> bytes:
    """As openpyxl (and many web systems) write it: every string inline in the sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("报名信息")
    sheet.append(HEADER)
    for row in rows:
        birth = WriteOnlyCell(sheet, row[4])
        birth.number_format = "yyyy-mm-dd"
        sheet.append([*row[:4], birth, *row[5:]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def excel_xlsx(rows: list[list]) -> bytes:
    """As Excel and WPS write it: strings in the shared-string table, dates as serials in a date style."""
    strings: dict[str, int] = {}

    def cell(ref: str, value) -> str:
        if isinstance(value, date):
            return f'<c r="{ref}" s="1"><v>{(value - date(1899, 12, 30)).days}</v></c>'
        index = strings.setdefault(value, len(strings))
        return f'<c r="{ref}" t="s"><v>{index}</v></c>'

    body = []
    for number, row in enumerate([HEADER, *rows], start=1):
        cells = "".join(
            cell(f"{letter}{number}", value) for letter, value in zip("ABCDEFGH", row, strict=True)
        )
        body.append(f'<row r="{number}" spans="1:8">{cells}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    shared = "".join(f"<si><t>{text}</t></si>" for text in strings)
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{relationships}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{relationships}"><sheets>'
        '<sheet name="报名信息" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{relationships}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{relationships}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId3" Type="{relationships}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": f'<styleSheet xmlns="{main}"><cellXfs count="2"><xf numFmtId="0"/>'
        '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>',
        "xl/sharedStrings.xml": f'<sst xmlns="{main}" count="{len(rows) * 7 + 8}" uniqueCount="{len(strings)}">'
        f"{shared}</sst>",
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData>{"".join(body)}</sheetData></worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def floor(data: bytes) -> int:
    import python_calamine

    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    return sum(1 for _ in sheet.iter_rows()) - 1


def ours(data: bytes, max_rows: int) -> int:
    from skilleval.core.spreadsheets import read_table

    table = read_table(
        data, filename="报名表.xlsx", columns=columns(), max_rows=max_rows, max_bytes=64 * 2**20
    )
    return sum(1 for _ in table)


def prescan(data: bytes, max_rows: int) -> int:
    from skilleval.core.spreadsheets.limits import Limits
    from skilleval.core.spreadsheets.xlsx import scan_xlsx

    scan_xlsx(data, Limits(max_bytes=64 * 2**20, max_rows=max_rows))
    return max_rows


def cpu_seconds(runs: dict, rounds: int) -> dict[str, float]:
    """Median CPU seconds of each run, the runs interleaved round by round so that load from other
    processes on the machine falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            gc.collect()
            started = time.process_time()
            run()
            times[name].append(time.process_time() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM restarts at exec; ru_maxrss would carry the
    parent's peak (the openpyxl writer) into the child."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: str, reader: str, max_rows: int) -> None:
    """Runs in a fresh process: the peak RSS of one read, and the Python-heap peak (tracemalloc)."""
    import python_calamine  # noqa: F401  (imported before the baseline, as a server would have it)

    import skilleval.core.spreadsheets  # noqa: F401

    data = Path(path).read_bytes()
    baseline = peak_rss_mb()
    tracemalloc.start()
    count = ours(data, max_rows) if reader == "ours" else floor(data)
    python_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    peak = peak_rss_mb()
    print(
        json.dumps(
            {"rows": count, "rss_mb": peak, "rss_growth_mb": peak - baseline, "python_heap_mb": python_peak}
        )
    )


def memory(path: Path, reader: str, max_rows: int) -> dict:
    command = [sys.executable, __file__, "--child", str(path), reader, str(max_rows)]
    result = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20260315)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return

    print(f"8 columns; CPU seconds of this process, median of {args.rounds} interleaved rounds")
    print(f"target: ours ≤ {TARGET_RATIO} × the floor's time")
    with tempfile.TemporaryDirectory() as folder:
        largest: list[tuple[str, Path, int]] = []
        for count in args.rows:
            rows = make_rows(count, args.seed)
            for layout, write in (
                ("Excel/WPS layout, shared strings", excel_xlsx),
                ("openpyxl layout, inline strings", openpyxl_xlsx),
            ):
                data = write(rows)
                path = Path(folder) / f"{count}-{write.__name__}.xlsx"
                path.write_bytes(data)
                if count == max(args.rows):
                    largest.append((layout, path, count))
                assert floor(data) == ours(data, count) == count
                runs = {
                    "floor": lambda data=data: floor(data),
                    "ours": lambda data=data, count=count: ours(data, count),
                    "prescan": lambda data=data, count=count: prescan(data, count),
                }
                seconds = cpu_seconds(runs, args.rounds)
                ratio = seconds["ours"] / seconds["floor"]
                print(f"\n{count:,} rows, {layout}: {len(data) / 2**20:.1f} MB")
                print(
                    f"  floor, bare python-calamine: {count / seconds['floor']:>9,.0f} rows/s  ({seconds['floor']:.3f} s)"
                )
                print(
                    f"  ours, read_table:            {count / seconds['ours']:>9,.0f} rows/s  ({seconds['ours']:.3f} s)"
                )
                print(f"    of which the zip pre-scan: {seconds['prescan']:.3f} s")
                print(f"  ratio ours / floor (time):   {ratio:.2f}")
        for layout, path, count in largest:
            print(f"\npeak memory, {count:,} rows, {layout}, each reader in a fresh process:")
            for reader in ("floor", "ours"):
                m = memory(path, reader, count)
                print(
                    f"  {reader:5s}: RSS peak {m['rss_mb']:.0f} MB (+{m['rss_growth_mb']:.0f} MB during the "
                    f"read), Python heap peak {m['python_heap_mb']:.0f} MB"
                )


if __name__ == "__main__":
    main()
