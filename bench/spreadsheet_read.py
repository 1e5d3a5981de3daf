"""How fast the safe reader reads a group application upload, against bare python-calamine (the floor).

Run from the project root: ``.venv/bin/python bench/spreadsheet_read.py [--rows 10000 100000] [--rounds 3]``.
For each size it writes an 8-column .xlsx the way an institution fills the template (ID numbers and
phones as text, names, dates as date cells, shared across the usual Chinese values), then times, on the
same bytes:

- floor: ``CalamineWorkbook.from_filelike`` + ``iter_rows()`` over every row, nothing else;
- ours: ``read_table`` (zip checks, the streaming pre-scan of every part, calamine, header mapping,
  every cell made text).

Rates are rows per second of wall time, median of the rounds; the target is ours ≤ 1.5 × the floor's time.
Peak memory is measured in a fresh child process per reader (ru_maxrss grows only), for the largest file.
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


def make_xlsx(rows: int, seed: int) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    rng = random.Random(seed)
    surnames, given = (
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗",
        "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英",
    )
    employers = [
        f"{city}市第{n}职业技术学校" for city in ("杭州", "宁波", "温州", "绍兴") for n in range(1, 6)
    ]
    occupations = ["网络与信息安全管理员", "人工智能训练师", "计算机程序设计员", "信息通信网络运行管理员"]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("报名信息")
    sheet.append(HEADER)
    start = date(1970, 1, 1)
    for _ in range(rows):
        born = start + timedelta(days=rng.randrange(14_000))
        region, serial = rng.randrange(110000, 659999), rng.randrange(1000)
        id_number = f"{region}{born:%Y%m%d}{serial:03d}{rng.choice('0123456789X')}"
        birth = WriteOnlyCell(sheet, born)
        birth.number_format = "yyyy-mm-dd"
        sheet.append(
            [
                rng.choice(surnames) + "".join(rng.choices(given, k=rng.choice((1, 2)))),
                id_number,
                f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                rng.choice("男女"),
                birth,
                rng.choice(employers),
                rng.choice(occupations),
                rng.choice(["五级/初级工", "四级/中级工", "三级/高级工"]),
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
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


def median_seconds(run, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        gc.collect()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


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
    result = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)  # noqa: S603
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20260315)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return

    print(f"8 columns; wall time, median of {args.rounds} rounds; target: ours ≤ {TARGET_RATIO} × floor")
    largest = None
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            started = time.perf_counter()
            data = make_xlsx(rows, args.seed)
            made = time.perf_counter() - started
            path = Path(folder) / f"{rows}.xlsx"
            path.write_bytes(data)
            largest = (path, rows)
            assert floor(data) == ours(data, rows) == rows
            floor_s = median_seconds(lambda data=data: floor(data), args.rounds)
            ours_s = median_seconds(lambda data=data, rows=rows: ours(data, rows), args.rounds)
            scan_s = median_seconds(lambda data=data, rows=rows: prescan(data, rows), args.rounds)
            print(f"\n{rows:,} rows, {len(data) / 2**20:.1f} MB (written in {made:.1f} s)")
            print(f"  floor, bare python-calamine: {rows / floor_s:>9,.0f} rows/s  ({floor_s:.3f} s)")
            print(f"  ours, read_table:            {rows / ours_s:>9,.0f} rows/s  ({ours_s:.3f} s)")
            print(f"    of which the zip pre-scan: {scan_s:.3f} s")
            print(f"  ratio ours / floor (time):   {ours_s / floor_s:.2f}  (target ≤ {TARGET_RATIO})")
        if largest:
            path, rows = largest
            print(f"\npeak memory reading the {rows:,}-row file, each in a fresh process:")
            for reader in ("floor", "ours"):
                m = memory(path, reader, rows)
                print(
                    f"  {reader:5s}: RSS peak {m['rss_mb']:.0f} MB (+{m['rss_growth_mb']:.0f} MB during the "
                    f"read), Python heap peak {m['python_heap_mb']:.0f} MB"
                )


if __name__ == "__main__":
    main()
