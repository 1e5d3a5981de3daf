"""How many candidate photos per second `check_photo` handles, on one core and on both (issue 4).

Run from the project root: ``.venv/bin/python bench/photo_check.py [--photos N] [--size WxH] [--rounds R]``.
The photos are the drawn portraits of ``tests/core/test_photos.py`` (the ones the tests prove are found),
at 600 × 840 by default, as JPEGs with varied backgrounds and quality; they are made first (not timed).
Each is checked in full: decode, orientation, size rules, face detection, background, re-encoding.

Three figures, wall clock, median of the rounds:
- one core: this process, OpenCV held to one thread;
- both cores: a pool of two processes, OpenCV held to one thread in each (the photos travel to the workers
  and the checked JPEGs back, as they would in a job queue);
- for reference, one process with OpenCV's own thread pool (what a single web worker gets by default).
"""

import argparse
import importlib.util
import io
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from skilleval.core.photos import PhotoSpec, check_photo  # noqa: E402

SPEC = PhotoSpec.two_inch()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--size", default="600x840", help="width x height of each photo")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    photos = make_photos(args.photos, (width, height))
    megabytes = sum(map(len, photos)) / 1e6
    print(f"photos: {len(photos)} at {width} × {height} ({megabytes:.1f} MB of JPEG), cpus: {os.cpu_count()}")

    default_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    one = median_rate(lambda: check_serially(photos), len(photos), args.rounds)
    with ProcessPoolExecutor(max_workers=2, initializer=_worker_init) as pool:
        list(pool.map(_check, photos[:4]))  # start both workers and load their classifiers, untimed
        chunk = max(1, len(photos) // 16)
        two = median_rate(lambda: list(pool.map(_check, photos, chunksize=chunk)), len(photos), args.rounds)
    cv2.setNumThreads(default_threads)
    threaded = median_rate(lambda: check_serially(photos), len(photos), args.rounds)

    print(f"one core (1 process, OpenCV 1 thread):    {one:7.1f} photos/s  ({1000 / one:.1f} ms each)")
    print(f"both cores (2 processes, 1 thread each):  {two:7.1f} photos/s")
    print(f"speed-up on two cores: {two / one:.2f}×")
    print(f"reference: 1 process, OpenCV {default_threads} threads: {threaded:7.1f} photos/s")


def make_photos(count: int, size: tuple[int, int]) -> list[bytes]:
    drawing = _load_drawing()
    backgrounds = [(255, 255, 255), (67, 142, 219), (245, 245, 242), (60, 130, 210)]
    photos = []
    for index in range(count):
        image = drawing.portrait(size, background=backgrounds[index % len(backgrounds)])
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85 + index % 11)
        photos.append(out.getvalue())
    accepted = sum(1 for sha in map(_check, photos[:8]) if sha)
    if accepted != min(8, count):
        raise SystemExit("the drawn photos no longer pass the check; see tests/core/test_photos.py")
    return photos


def _load_drawing():
    """The portrait drawing of the photo tests, so the benchmark times photos the tests prove pass."""
    path = ROOT / "tests" / "core" / "test_photos.py"
    spec = importlib.util.spec_from_file_location("photo_drawing", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _worker_init() -> None:
    cv2.setNumThreads(1)


def _check(data: bytes) -> str:
    return check_photo(data, spec=SPEC).sha256


def check_serially(photos: list[bytes]) -> None:
    for data in photos:
        _check(data)


def median_rate(run, count: int, rounds: int) -> float:
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        rates.append(count / (time.perf_counter() - started))
    return statistics.median(rates)


if __name__ == "__main__":
    main()
