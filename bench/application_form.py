"""How many application forms (报名表, issue 4) one core renders per second, against the page's own floor.

Run from the project root: ``.venv/bin/python bench/application_form.py [--forms N] [--rounds R]``.
Each form is a separate PDF (what a candidate or the counter downloads): A4, Chinese text in STSong-Light,
a 295 × 413 px JPEG photo and a QR code of the application number drawn as one vector path. The floor is
the same page in the same run with no photo and no QR code. ``--truetype FONT.ttf`` adds a run with that
TrueType font embedded as a subset instead of the built-in CID font.
"""

import argparse
import dataclasses
import io
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--truetype", help="a TrueType CJK font to embed, for comparison")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from skilleval.core.pdf import application_form
    from skilleval.core.pdf.toolkit import register_fonts, register_truetype_font

    register_fonts()
    photo = make_photo()
    forms = [sample(i, photo) for i in range(args.forms)]
    bare = [dataclasses.replace(f, photo_jpeg=None) for f in forms]

    def run(batch, font=None):
        return lambda: sum(len(application_form.render_application_form(f, font=font)) for f in batch)

    def without_qr(inner):
        def call():
            drawn = application_form.draw_qr
            application_form.draw_qr = lambda *a, **k: None
            try:
                return inner()
            finally:
                application_form.draw_qr = drawn

        return call

    cases = {
        "photo + QR (the form)": run(forms),
        "photo, no QR": without_qr(run(forms)),
        "QR, no photo": run(bare),
        "floor: no photo, no QR": without_qr(run(bare)),
    }
    if args.truetype:
        name = register_truetype_font(args.truetype, name="bench-ttf")
        cases["photo + QR, TrueType subset embedded"] = run(forms, name)

    print(f"{args.forms} forms per round, one PDF each; rates per CPU second, median of {args.rounds} rounds")
    rates = {}
    for label, call in cases.items():
        size = call()  # warm up (font tables, width caches) and measure the output size
        rates[label] = median_rate(call, args.forms, args.rounds)
        print(f"{label:40s} {rates[label]:7.0f} forms/s   {size / args.forms / 1024:6.1f} KiB/form")
    floor = rates["floor: no photo, no QR"]
    print(f"the form against the floor: {rates['photo + QR (the form)'] / floor:.2f}")
    if args.truetype:
        print(f"TrueType embedded against the CID form: {rates[label] / rates['photo + QR (the form)']:.2f}")


def median_rate(run, count: int, rounds: int) -> float:
    rates = []
    for _ in range(rounds):
        started = time.process_time()
        run()
        rates.append(count / (time.process_time() - started))
    return statistics.median(rates)


def make_photo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (295, 413), (70, 130, 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 70, 205, 200), fill=(240, 210, 180))
    draw.rectangle((50, 230, 245, 413), fill=(40, 40, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def sample(i: int, photo: bytes):
    from skilleval.core.pdf.application_form import (
        ApplicationFormData,
        CertificateRow,
        EducationRow,
        SubjectFee,
        TitleRow,
        WorkRow,
    )

    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    number = "".join(alphabet[(i * 7 + k * 13) % len(alphabet)] for k in range(10))
    return ApplicationFormData(
        application_number=number,
        organization_name="上海市计算技术研究所有限公司",
        filing_number="S000031400054",
        channel="团体申报",
        institution_name="上海信息技术学校",
        full_name=["张晓明", "李娜", "王建国", "阿依古丽·买买提"][i % 4],
        sex="男" if i % 2 else "女",
        id_type="居民身份证",
        id_number_display=f"310101********{i % 10000:04d}",
        birth_date=date(1990 + i % 15, 1 + i % 12, 1 + i % 28),
        phone_display=f"138****{i % 10000:04d}",
        email=f"candidate{i}@example.com",
        occupation_code="4-04-05-05",
        occupation_name="人工智能训练师",
        work_type="数据标注员",
        level_label="四级/中级工",
        subjects=(SubjectFee("理论知识考试", "180.00"), SubjectFee("操作技能考核", "270.00")),
        fee_total="450.00",
        generated_at=datetime(2026, 3, 15, 10, 22),
        photo_jpeg=photo,
        education=(EducationRow("上海信息技术学校", "中等职业学校", "计算机应用", date(2014, 7, 1)),),
        work=(
            WorkRow(
                "上海某某数据科技有限公司", "数据标注员", "4-04-05-05", date(2019, 3, 1), date(2022, 6, 30)
            ),
            WorkRow("上海智算信息服务有限公司", "数据处理工程师", "4-04-05-05", date(2022, 7, 1)),
        ),
        certificates=(
            CertificateRow("计算机程序设计员", "五级/初级工", "S000031400054235000123", date(2023, 6, 20)),
        ),
        titles=(TitleRow("助理工程师", "初级", date(2021, 12, 1)),),
        condition_claimed="L4-1",
        eligibility_summary="符合 L4-1：累计从事本职业或相关职业工作满 4 年。",
        at_counter=i % 3 == 0,
    )


if __name__ == "__main__":
    main()
