"""The candidate photo check: decode, measure, find exactly one face, re-encode (issue 4, SECURITY.md).

Pure Python (no Django). `check_photo` takes the uploaded bytes and a `PhotoSpec` (the rules, which are
policy data the caller passes) and returns a `CheckedPhoto` whose `jpeg` is what gets stored: always a
fresh baseline JPEG encoded here from the decoded pixels, never the upload, so no EXIF (GPS, camera serial,
time), ICC, XMP or comment survives, and nothing a crafted file carried beyond its pixels reaches storage.

Safety order: size in bytes; the format is sniffed from the content by Pillow restricted to the accepted
decoders (the file name and the declared content type are never consulted); the pixel count is read from
the header and refused before anything is decoded. Pillow's own `Image.MAX_IMAGE_PIXELS` guard is left as
it is (a process-wide setting: changing it here would race with other threads) and stays a second net;
when it fires first, it is answered as `too_large` as well.

Faces are found by OpenCV's bundled Haar cascade (`haarcascade_frontalface_default.xml`, shipped in
opencv-python 4.x; nothing is downloaded). A cascade classifier must not be shared between threads, so
each thread loads its own on first use and keeps it (`_detector`).
"""

import hashlib
import io
import os
import threading
from dataclasses import dataclass, field
from fractions import Fraction

import cv2
import numpy as np
from PIL import Image, ImageCms

from skilleval.core.validators import InvalidValue

SUPPORTED_FORMATS = frozenset({"JPEG", "PNG"})  # the decoders this module is reviewed for

# Face detection, tuned on drawn passport-style portraits (1,600 photos: one, two, three or four people, or
# none; five skin tones; white, blue, red and grey backgrounds; 295-1400 px wide; blur, noise, JPEG quality
# 60-95, tilt up to 6°). With these values 97.6 % of single portraits gave exactly one face (every miss was
# the darkest skin tone), 96.7 % of group photos gave more than one, and no single portrait gave two. The
# textbook values (no contrast step, minNeighbors 5) found exactly one face in only four single portraits
# out of five; a global histogram equalisation turned JPEG noise on white backgrounds into faces.
WORK_SHORT_SIDE = 240  # px; detection runs on a copy this size, so its cost does not grow with the upload
CLAHE_CLIP_LIMIT = 2.0  # local contrast: lifts dark faces without blowing up noise on flat backgrounds
CLAHE_TILES = (4, 4)
SCALE_FACTOR = 1.1  # 10 % steps between window sizes; 1.05 costs twice the time for no gain
MIN_NEIGHBORS = 3  # overlapping hits needed to count a face; 4 and 5 miss more dark faces and group members
MIN_FACE_FRACTION = 0.12  # of the short side (29 px at 240): smaller "faces" are texture, not a person
SECOND_FACE_FRACTION = 0.5  # another face counts when at least half as wide as the largest one

# Background: the strips sampled along the top and down both sides of the upper half (below that are the
# shoulders), and the share of their pixels that must agree for the background to have one colour.
BORDER_FRACTION = 0.06
BACKGROUND_AGREEMENT = 0.7
BACKGROUNDS = frozenset({"white", "blue"})

WARNING_MESSAGES = {
    "background": (
        "照片背景似乎不是白色或蓝色，请确认符合 2 寸证件照要求",
        "The background does not look white or blue; please check that the photo meets the rules.",
    ),
}

_TRANSPOSE_FOR_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_ORIENTATION = 0x0112
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class PhotoRejected(InvalidValue):
    """The upload cannot be the candidate's photo. `code`: format, too_large, too_small, aspect, corrupt,
    no_face, many_faces."""


@dataclass(frozen=True, slots=True)
class PhotoSpec:
    """What a photo must be. Every value is policy: the caller passes it (the defaults of the two sizes
    are in `two_inch` and `one_inch`)."""

    formats: frozenset[str]
    aspect: tuple[int, int]  # width : height
    aspect_tolerance: float  # relative: 0.05 accepts a width/height ratio within 5 % of `aspect`
    min_width: int
    min_height: int
    max_pixels: int  # refused from the header, before decoding (decompression bombs)
    max_bytes: int
    one_face: bool = True  # exactly one face; False skips detection
    backgrounds: frozenset[str] = field(default=BACKGROUNDS)  # others warn; empty turns the check off
    jpeg_quality: int = 90

    def __post_init__(self) -> None:
        if not self.formats or not self.formats <= SUPPORTED_FORMATS:
            raise ValueError(f"formats must be a non-empty subset of {sorted(SUPPORTED_FORMATS)}")
        if not self.backgrounds <= BACKGROUNDS:
            raise ValueError(f"backgrounds must be a subset of {sorted(BACKGROUNDS)}")
        if min(*self.aspect, self.min_width, self.min_height, self.max_pixels, self.max_bytes) < 1:
            raise ValueError("sizes and limits must be positive")
        if not 0 <= self.aspect_tolerance < 1 or not 1 <= self.jpeg_quality <= 95:
            raise ValueError("aspect_tolerance is a fraction below 1; jpeg_quality is 1-95")

    @classmethod
    def two_inch(cls) -> "PhotoSpec":
        """The application photo (2 寸, 35 × 49 mm), issue 4: at least 295 × 413 px, 35:49 within 5 %."""
        return cls(
            formats=frozenset({"JPEG", "PNG"}),
            aspect=(35, 49),
            aspect_tolerance=0.05,
            min_width=295,
            min_height=413,
            max_pixels=40_000_000,
            max_bytes=10 * 1024 * 1024,
        )

    @classmethod
    def one_inch(cls) -> "PhotoSpec":
        """The certificate photo (1 寸, 25 × 35 mm): 295 × 413 px is its size at 300 dpi. 25:35 and 35:49
        are both 5:7, so a photo that passes `two_inch` also serves the certificate."""
        return cls(
            formats=frozenset({"JPEG", "PNG"}),
            aspect=(25, 35),
            aspect_tolerance=0.05,
            min_width=295,
            min_height=413,
            max_pixels=40_000_000,
            max_bytes=10 * 1024 * 1024,
        )


@dataclass(frozen=True, slots=True)
class CheckedPhoto:
    jpeg: bytes  # what to store: baseline JPEG, sRGB, no metadata
    width: int
    height: int
    warnings: tuple[str, ...]  # codes of WARNING_MESSAGES
    sha256: str  # of `jpeg`, hex


def warning_message(code: str, lang: str = "zh-hans") -> str:
    zh, en = WARNING_MESSAGES[code]
    return en if lang.lower().startswith("en") else zh


def check_photo(data: bytes, *, spec: PhotoSpec) -> CheckedPhoto:
    """Check an uploaded photo against `spec` and re-encode it; raise `PhotoRejected` when it fails."""
    if len(data) > spec.max_bytes:
        mb = spec.max_bytes / (1024 * 1024)
        raise PhotoRejected(
            "too_large", f"照片文件不能超过 {mb:g} MB", f"The photo file must not exceed {mb:g} MB."
        )
    image = _decode(data, spec)
    width, height = image.size
    _check_size(width, height, spec)
    work = _working_copy(image)
    if spec.one_face:
        _check_one_face(work)
    warnings: list[str] = []
    if spec.backgrounds and background_colour(work) not in spec.backgrounds:
        warnings.append("background")
    jpeg = _encode(image, spec.jpeg_quality)
    return CheckedPhoto(
        jpeg=jpeg,
        width=width,
        height=height,
        warnings=tuple(warnings),
        sha256=hashlib.sha256(jpeg).hexdigest(),
    )


def _decode(data: bytes, spec: PhotoSpec) -> Image.Image:
    """Sniff, bound, decode; return upright sRGB pixels with no metadata attached."""
    try:
        image = Image.open(io.BytesIO(data), formats=sorted(spec.formats))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # The warning is an exception only where warnings are errors (the test suite); it means the same.
        raise _too_many_pixels(spec) from None
    except MemoryError:
        raise
    except Exception:  # UnidentifiedImageError mostly; a mangled header can raise other errors on the way
        raise _wrong_format(spec) from None
    with image:
        # An MPO is a JPEG carrying extra frames (phones add a preview or a depth map): its first frame is
        # the photo. Any other multi-frame image is an animation.
        if image.format == "MPO":
            image.seek(0)
        elif getattr(image, "n_frames", 1) > 1:
            raise PhotoRejected(
                "format",
                "不接受动图，请上传单张照片",
                "Animated images are not accepted; upload a still photo.",
            )
        if image.width * image.height > spec.max_pixels:
            raise _too_many_pixels(spec)
        try:
            image.load()
            orientation = _orientation(image)
            rgb = _to_srgb(image)
        except MemoryError:
            raise
        except Exception:  # Pillow's decoders report bad data as OSError, SyntaxError, ValueError, ...
            raise PhotoRejected(
                "corrupt",
                "照片文件已损坏或不完整，无法读取，请重新导出后上传",
                "The photo file is damaged or incomplete and cannot be read; export it again and upload it.",
            ) from None
    if orientation in _TRANSPOSE_FOR_ORIENTATION:
        rgb = rgb.transpose(_TRANSPOSE_FOR_ORIENTATION[orientation])
    rgb.info.clear()
    return rgb


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation tag (1 = upright). A photo is measured as it is shown, i.e. after it."""
    try:
        value = image.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # a broken EXIF block is dropped with the rest of the metadata; the pixels are fine
        return 1
    return value if isinstance(value, int) else 1


def _to_srgb(image: Image.Image) -> Image.Image:
    """8-bit sRGB without alpha: transparency flattened onto white, an embedded colour profile (Display P3,
    Adobe RGB, a printer's CMYK) converted rather than dropped, 16-bit grey scaled rather than clipped."""
    icc = image.info.get("icc_profile")
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        grey = np.clip(np.asarray(image, dtype=np.float32) / 257.0, 0, 255).astype(np.uint8)
        image, icc = Image.fromarray(grey, mode="L"), None
    elif image.mode in ("RGBA", "LA", "PA", "P") and (image.mode != "P" or "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    if icc and image.mode in ("RGB", "CMYK", "L"):
        try:
            return ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _SRGB, outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # an unreadable or mismatched profile: take the numbers as sRGB, as most viewers do
    return image.convert("RGB")


def _check_size(width: int, height: int, spec: PhotoSpec) -> None:
    if width < spec.min_width or height < spec.min_height:
        raise PhotoRejected(
            "too_small",
            f"照片至少需要 {spec.min_width} × {spec.min_height} 像素（宽 × 高），上传的是 {width} × {height}",
            f"The photo must be at least {spec.min_width} × {spec.min_height} px (width × height); "
            f"this one is {width} × {height}.",
        )
    aspect_w, aspect_h = spec.aspect
    # Exact arithmetic, so a photo right on the tolerance (630 × 840 for 35:49 ± 5 %) is not refused by a
    # float rounding; the tolerance is read as the decimal it was written as.
    deviation = Fraction(width * aspect_h, height * aspect_w) - 1
    if abs(deviation) > Fraction(str(spec.aspect_tolerance)):
        tolerance = f"{spec.aspect_tolerance:.0%}"
        raise PhotoRejected(
            "aspect",
            f"照片宽高比应为 {aspect_w}:{aspect_h}（误差不超过 {tolerance}），上传的是 {width} × {height}，"
            "请按证件照比例裁剪",
            f"The photo must be {aspect_w}:{aspect_h} (width:height, within {tolerance}); this one is "
            f"{width} × {height}. Please crop it to the passport-photo proportions.",
        )


def _working_copy(image: Image.Image) -> Image.Image:
    """A small copy (short side WORK_SHORT_SIDE) for the face and background checks."""
    scale = WORK_SHORT_SIDE / min(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.BOX)


class _Detector(threading.local):
    """One cascade classifier (and CLAHE) per thread, loaded on the thread's first photo."""

    cascade: "cv2.CascadeClassifier | None" = None
    clahe: "cv2.CLAHE | None" = None

    def get(self) -> "tuple[cv2.CascadeClassifier, cv2.CLAHE]":
        if self.cascade is None or self.clahe is None:
            path = os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml")
            cascade = cv2.CascadeClassifier(path)
            if cascade.empty():
                raise RuntimeError(f"OpenCV's frontal face cascade did not load from {path}")
            self.cascade = cascade
            self.clahe = cv2.createCLAHE(clipLimit=CLAHE_CLIP_LIMIT, tileGridSize=CLAHE_TILES)
        return self.cascade, self.clahe


_detector = _Detector()


def find_faces(work: Image.Image) -> list[tuple[int, int, int, int]]:
    """Faces as (x, y, w, h) in `work`'s pixels, largest first: a hit whose centre lies in a larger face is
    the same face, and one under SECOND_FACE_FRACTION of the largest is not counted."""
    cascade, clahe = _detector.get()
    grey = clahe.apply(np.asarray(work.convert("L")))
    side = max(24, round(min(work.size) * MIN_FACE_FRACTION))  # 24: the cascade's own window
    hits = cascade.detectMultiScale(
        grey, scaleFactor=SCALE_FACTOR, minNeighbors=MIN_NEIGHBORS, minSize=(side, side)
    )
    faces: list[tuple[int, int, int, int]] = []
    for x, y, w, h in sorted((tuple(int(v) for v in hit) for hit in hits), key=lambda b: -b[2]):
        centre_x, centre_y = x + w / 2, y + h / 2
        if any(fx <= centre_x <= fx + fw and fy <= centre_y <= fy + fh for fx, fy, fw, fh in faces):
            continue
        if faces and w < SECOND_FACE_FRACTION * faces[0][2]:
            continue
        faces.append((x, y, w, h))
    return faces


def _check_one_face(work: Image.Image) -> None:
    faces = find_faces(work)
    if not faces:
        raise PhotoRejected(
            "no_face",
            "照片中未找到人脸，请上传本人正面、免冠、五官清晰的照片",
            "No face found: upload a front-facing photo of yourself, without a hat, with your face clearly "
            "visible.",
        )
    if len(faces) > 1:
        raise PhotoRejected(
            "many_faces",
            "照片中找到不止一张人脸，请上传只有本人的单人照",
            "More than one face found: upload a photo of yourself alone.",
        )


def background_colour(work: Image.Image) -> str:
    """'white', 'blue' or 'other', from the strips along the top and the upper half of both sides."""
    pixels = np.asarray(work, dtype=np.int16)
    height, width = pixels.shape[:2]
    border = max(2, round(min(width, height) * BORDER_FRACTION))
    strips = np.concatenate(
        [
            pixels[:border].reshape(-1, 3),
            pixels[: height // 2, :border].reshape(-1, 3),
            pixels[: height // 2, -border:].reshape(-1, 3),
        ]
    )
    red, green, blue = strips[:, 0], strips[:, 1], strips[:, 2]
    high, low = strips.max(axis=1), strips.min(axis=1)
    # White: bright and nearly grey (studio white is often a light grey). Blue: blue clearly the strongest
    # channel, from the pale sky blue to the deep blue of ID photos.
    is_white = (low >= 175) & (high - low <= 35)
    is_blue = (blue >= 100) & (blue - red >= 60) & (blue >= green + 15)
    for name, share in (("white", is_white.mean()), ("blue", is_blue.mean())):
        if share >= BACKGROUND_AGREEMENT:
            return name
    return "other"


def _encode(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif/icc_profile/xmp/comment arguments, and `image.info` was cleared: Pillow writes only JFIF.
    image.save(out, "JPEG", quality=quality, progressive=False, optimize=False, subsampling="4:2:0")
    return out.getvalue()


def _too_many_pixels(spec: PhotoSpec) -> PhotoRejected:
    return PhotoRejected(
        "too_large",
        f"照片像素过多（上限 {spec.max_pixels / 10_000:g} 万像素），请缩小后上传",
        f"The photo has too many pixels (limit {spec.max_pixels / 1_000_000:g} megapixels); "
        "please reduce it and upload again.",
    )


def _wrong_format(spec: PhotoSpec) -> PhotoRejected:
    names = " 或 ".join(sorted(spec.formats))
    names_en = " or ".join(sorted(spec.formats))
    return PhotoRejected(
        "format",
        f"照片须为 {names} 格式的图片（按文件内容判断，与文件名无关）",
        f"The photo must be a {names_en} image (judged by its content, not its name).",
    )
