"""The candidate photo check (issue 4 "Candidates"; SECURITY.md "Photos: decoded and re-encoded (drops EXIF),
pixel limit").

No real face can be shipped or downloaded, so the photos are drawn here: a flat cartoon portrait (hair,
oval face, brows, eyes with whites and pupils, a shaded nose, a mouth, shoulders). OpenCV's frontal-face
Haar cascade finds it because it keys on the same light/dark bands as a real face: dark eyes and brows
over bright cheeks, a bright nose bridge between the eyes. `test_the_drawn_portrait_is_found_at_every_size`
keeps that premise honest.
"""

import hashlib
import io
import resource
import struct
import sys
import threading
import time
import zlib
from dataclasses import FrozenInstanceError, replace

import pytest
from PIL import ExifTags, Image, ImageCms, ImageDraw, ImageFilter

from skilleval.core.errors import DomainError
from skilleval.core.photos import (
    CheckedPhoto,
    PhotoRejected,
    PhotoSpec,
    _detector,
    _working_copy,
    background_colour,
    check_photo,
    find_faces,
    warning_message,
)

SPEC = PhotoSpec.two_inch()
NO_FACE_RULE = replace(SPEC, one_face=False)  # for the size rules alone, on plain images

WHITE = (255, 255, 255)
ID_BLUE = (67, 142, 219)
RED = (220, 30, 30)
SKIN = (224, 188, 160)
HAIR = (35, 30, 28)
SHIRT = (45, 60, 110)


# --- the drawn photos ------------------------------------------------------------------------------------


def draw_face(draw: ImageDraw.ImageDraw, cx: float, cy: float, width: float) -> None:
    """A head `width` wide centred on (cx, cy), with neck and shoulders below it."""
    w, h = width, width * 1.3
    draw.ellipse([cx - w * 0.55, cy - h * 0.62, cx + w * 0.55, cy + h * 0.2], fill=HAIR)
    draw.rectangle([cx - w * 0.18, cy + h * 0.3, cx + w * 0.18, cy + h * 0.7], fill=(190, 160, 136))
    draw.ellipse([cx - w, cy + h * 0.55, cx + w, cy + h * 1.6], fill=SHIRT)
    draw.ellipse([cx - w / 2, cy - h * 0.45, cx + w / 2, cy + h / 2], fill=SKIN)
    eye_y = cy - h * 0.08
    for side in (-1, 1):
        eye_x = cx + side * w * 0.2
        draw.rectangle([eye_x - w * 0.12, eye_y - h * 0.1, eye_x + w * 0.12, eye_y - h * 0.07], fill=HAIR)
        draw.ellipse([eye_x - w * 0.1, eye_y - h * 0.035, eye_x + w * 0.1, eye_y + h * 0.035], fill=WHITE)
        draw.ellipse(
            [eye_x - w * 0.045, eye_y - h * 0.035, eye_x + w * 0.045, eye_y + h * 0.035], fill=(30, 20, 20)
        )
    nose = [(cx, eye_y + h * 0.02), (cx - w * 0.07, cy + h * 0.17), (cx + w * 0.07, cy + h * 0.17)]
    draw.polygon(nose, fill=(179, 150, 128))
    draw.ellipse([cx - w * 0.16, cy + h * 0.25, cx + w * 0.16, cy + h * 0.31], fill=(150, 60, 60))


def portrait(size=(600, 840), *, background=WHITE, people=1) -> Image.Image:
    """A passport-style photo of `people` drawn people side by side (0 draws an empty background)."""
    width, height = size
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    if people == 1:
        draw_face(draw, width / 2, height * 0.42, width * 0.5)
    for index in range(people if people > 1 else 0):
        draw_face(draw, width * (index + 0.5) / people, height * 0.42, width * 0.55 / people)
    return image.filter(ImageFilter.GaussianBlur(max(1, width / 600)))


def encode(image: Image.Image, fmt: str = "JPEG", **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def jpeg_markers(data: bytes) -> list[int]:
    """The marker bytes of the segments before the scan data (SOI ... SOS)."""
    assert data[:2] == b"\xff\xd8"
    markers, pos = [], 2
    while True:
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return markers
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` × `height` but which carries ten bytes of pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00" * 10))
        + chunk(b"IEND", b"")
    )


def refused(data: bytes, spec: PhotoSpec = SPEC) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as caught:
        check_photo(data, spec=spec)
    return caught.value


GOOD = encode(portrait(), quality=92)


# --- the premise of the fixtures -------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(295, 413), (413, 579), (600, 840), (1200, 1680), (2480, 3472)])
@pytest.mark.parametrize("background", [WHITE, ID_BLUE, RED])
def test_the_drawn_portrait_is_found_at_every_size(size, background):
    image = Image.open(io.BytesIO(encode(portrait(size, background=background), quality=85)))
    assert len(find_faces(_working_copy(image.convert("RGB")))) == 1


# --- a good photo ----------------------------------------------------------------------------------------


def test_a_good_photo_passes_and_is_stored_as_a_fresh_baseline_jpeg():
    checked = check_photo(GOOD, spec=SPEC)

    assert isinstance(checked, CheckedPhoto)
    assert (checked.width, checked.height) == (600, 840)
    assert checked.warnings == ()
    assert checked.jpeg != GOOD  # the stored bytes are the re-encoding, never the upload
    stored = Image.open(io.BytesIO(checked.jpeg))
    assert (stored.format, stored.mode, stored.size) == ("JPEG", "RGB", (600, 840))
    markers = jpeg_markers(checked.jpeg)
    assert 0xC0 in markers  # SOF0: baseline
    assert not {0xC1, 0xC2, 0xC3} & set(markers)  # not extended, progressive or lossless
    assert checked.sha256 == hashlib.sha256(checked.jpeg).hexdigest()


def test_the_same_upload_gives_the_same_stored_bytes():
    assert check_photo(GOOD, spec=SPEC).sha256 == check_photo(GOOD, spec=SPEC).sha256


def test_exif_with_gps_icc_xmp_and_comments_are_gone_from_the_stored_photo():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.BodySerialNumber] = "SN-4711"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (31.0, 13.0, 30.0), 3: "E", 4: (121.0, 28.0, 12.0)}
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    upload = encode(
        portrait(),
        quality=92,
        exif=exif.tobytes(),
        icc_profile=srgb,
        xmp=b"<x:xmpmeta><dc:creator>Zhang San</dc:creator></x:xmpmeta>",
        comment=b"Zhang San 310101199001011234",
    )
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(ExifTags.IFD.GPSInfo)[2] == (31.0, 13.0, 30.0)

    stored = check_photo(upload, spec=SPEC).jpeg

    assert set(jpeg_markers(stored)) <= {0xD8, 0xE0, 0xDB, 0xC0, 0xC4, 0xDA}  # JFIF and image data only
    reopened = Image.open(io.BytesIO(stored))
    assert not reopened.getexif()
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(reopened.info)
    for secret in (b"GPS", b"PhoneMaker", b"SN-4711", b"Zhang San", b"310101", b"Exif\x00\x00"):
        assert secret not in stored


def test_a_png_is_accepted_and_stored_as_jpeg_without_its_text_chunks():
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Zhang San")
    checked = check_photo(encode(portrait(), "PNG", pnginfo=text), spec=SPEC)

    assert Image.open(io.BytesIO(checked.jpeg)).format == "JPEG"
    assert b"Zhang San" not in checked.jpeg


def test_a_transparent_png_is_flattened_onto_white():
    image = portrait().convert("RGBA")
    pixels = image.load()
    for x in range(image.width):  # clear the white corners around the figure
        for y in range(image.height):
            if pixels[x, y][:3] == WHITE:
                pixels[x, y] = (0, 0, 0, 0)

    checked = check_photo(encode(image, "PNG"), spec=SPEC)

    assert checked.warnings == ()  # the cleared background is white, not black
    assert Image.open(io.BytesIO(checked.jpeg)).getpixel((5, 5)) >= (250, 250, 250)


def test_a_cmyk_jpeg_is_converted_to_rgb():
    checked = check_photo(encode(portrait().convert("CMYK"), quality=92), spec=SPEC)

    assert Image.open(io.BytesIO(checked.jpeg)).mode == "RGB"


def test_a_16_bit_grey_png_is_scaled_not_clipped():
    grey = portrait().convert("L").point(lambda value: value * 257, mode="I").convert("I;16")
    checked = check_photo(encode(grey, "PNG"), spec=SPEC)

    assert Image.open(io.BytesIO(checked.jpeg)).convert("L").getpixel((5, 5)) >= 250


# --- EXIF orientation ------------------------------------------------------------------------------------


def rotated_upload(orientation: int | None) -> bytes:
    """The good portrait stored sideways (840 × 600), as a phone does, with its orientation tag."""
    sideways = portrait().transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    return encode(sideways, quality=92, exif=exif.tobytes())


def test_an_exif_rotated_photo_is_measured_and_stored_upright():
    checked = check_photo(rotated_upload(6), spec=SPEC)  # 6: turn 90° clockwise to show

    assert (checked.width, checked.height) == (600, 840)
    stored = Image.open(io.BytesIO(checked.jpeg))
    assert stored.size == (600, 840)
    assert not stored.getexif()  # the pixels are upright; no tag is left to turn them again


def test_without_the_tag_the_same_pixels_are_the_wrong_shape():
    assert refused(rotated_upload(None)).code == "aspect"


def test_faces_are_looked_for_after_rotation():
    assert refused(rotated_upload(8)).code == "no_face"  # 8 turns it the other way: the face is upside down


# --- refusals --------------------------------------------------------------------------------------------


def test_wrong_aspect_is_refused():
    error = refused(encode(portrait((600, 600)), quality=90))
    assert error.code == "aspect"
    assert "35:49" in error.message_zh
    assert "35:49" in error.message_en


@pytest.mark.parametrize(
    ("size", "accepted"),
    [((630, 840), True), ((631, 840), False), ((570, 840), True), ((569, 840), False)],
)
def test_the_aspect_tolerance_is_five_percent(size, accepted):
    data = encode(Image.new("RGB", size, WHITE), quality=90)
    if accepted:
        assert check_photo(data, spec=NO_FACE_RULE).width == size[0]
    else:
        assert refused(data, NO_FACE_RULE).code == "aspect"


def test_too_small_is_refused_and_the_minimum_passes():
    assert check_photo(encode(Image.new("RGB", (295, 413), WHITE)), spec=NO_FACE_RULE).height == 413
    error = refused(encode(portrait((290, 406)), quality=90))
    assert error.code == "too_small"
    assert "295 × 413" in error.message_zh


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (30000, 30000),  # past twice Pillow's own limit: its DecompressionBombError
        (10000, 10000),  # between Pillow's limit and twice it: its warning (an error under pytest)
        (6000, 8400),  # under Pillow's limit, over the spec's 40 megapixels: this module's check
    ],
)
def test_a_decompression_bomb_is_refused_from_its_header(width, height):
    data = png_header_only(width, height)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()

    error = refused(data)

    assert error.code == "too_large"  # had it been decoded, ten bytes of pixels would answer "corrupt"
    assert time.perf_counter() - started < 0.5
    kib = 1 if sys.platform.startswith("linux") else 1024
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) * kib < 50 * 1024
    assert Image.MAX_IMAGE_PIXELS == 89_478_485  # the process-wide guard is left as it was


def test_a_jpeg_that_lies_about_its_size_is_refused():
    data = bytearray(encode(Image.new("RGB", (64, 64), WHITE)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 60000, 60000)

    assert refused(bytes(data)).code == "too_large"


def test_the_file_size_limit():
    assert refused(GOOD, replace(SPEC, max_bytes=len(GOOD) - 1)).code == "too_large"
    assert check_photo(GOOD, spec=replace(SPEC, max_bytes=len(GOOD))).width == 600


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<html><body>not a photo</body></html>",
        b"%PDF-1.7\n1 0 obj << >> endobj\n",
        b"\xff\xd8\xff\xe0 looks like a JPEG for four bytes",
        b"\x89PNG\r\n\x1a\n" + bytes(30),
    ],
    ids=["empty", "html", "pdf", "jpeg-magic-only", "png-magic-only"],
)
def test_a_non_image_named_jpg_is_refused(data):
    assert refused(data).code == "format"


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "BMP", "TIFF"])
def test_other_image_formats_are_refused(fmt):
    error = refused(encode(portrait(), fmt))
    assert error.code == "format"
    assert "JPEG" in error.message_zh


def test_a_png_is_refused_where_the_spec_takes_only_jpeg():
    assert refused(encode(portrait(), "PNG"), replace(SPEC, formats=frozenset({"JPEG"}))).code == "format"


def test_an_animated_png_is_refused():
    frames = [portrait(), portrait(background=ID_BLUE)]
    data = encode(frames[0], "PNG", save_all=True, append_images=frames[1:])

    assert refused(data).code == "format"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_file_is_refused(fmt):
    data = encode(portrait(), fmt)
    assert refused(data[: len(data) * 6 // 10]).code == "corrupt"


def test_no_face_is_refused():
    error = refused(encode(portrait(people=0), quality=90))
    assert error.code == "no_face"
    assert error.message_en.startswith("No face found")


def test_two_faces_are_refused():
    error = refused(encode(portrait(people=2), quality=90))
    assert error.code == "many_faces"
    assert error.message_en.startswith("More than one face")


def test_a_group_of_three_is_refused():
    assert refused(encode(portrait(people=3), quality=90)).code == "many_faces"


def test_refusals_are_domain_errors_in_both_languages():
    error = refused(encode(portrait(people=2), quality=90))
    assert isinstance(error, DomainError)
    assert error.message == error.message_zh == error.message_for("zh-hans")
    assert error.message_for("en") == error.message_en


# --- background ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("background", "warnings"), [(WHITE, ()), (ID_BLUE, ()), (RED, ("background",))])
def test_a_background_other_than_white_or_blue_warns_but_passes(background, warnings):
    checked = check_photo(encode(portrait(background=background), quality=90), spec=SPEC)

    assert checked.warnings == warnings


@pytest.mark.parametrize(
    ("colour", "name"),
    [
        ((255, 255, 255), "white"),
        ((232, 232, 228), "white"),  # a studio white that came out light grey
        ((67, 142, 219), "blue"),  # the usual ID-photo blue
        ((0, 191, 243), "blue"),
        ((40, 80, 160), "blue"),
        ((220, 30, 30), "other"),  # red is an ID-photo background too, but not one DOMAIN.md §4 takes
        ((128, 128, 128), "other"),
        ((20, 20, 20), "other"),
    ],
)
def test_background_colours(colour, name):
    assert background_colour(_working_copy(portrait(background=colour))) == name


def test_the_background_warning_has_a_message_in_both_languages():
    assert "背景" in warning_message("background")
    assert "background" in warning_message("background", "en")


def test_a_spec_without_backgrounds_does_not_warn():
    data = encode(portrait(background=RED), quality=90)
    assert check_photo(data, spec=replace(SPEC, backgrounds=frozenset())).warnings == ()


# --- the spec --------------------------------------------------------------------------------------------


def test_the_two_sizes():
    two, one = PhotoSpec.two_inch(), PhotoSpec.one_inch()
    assert (two.aspect, two.min_width, two.min_height, two.aspect_tolerance) == ((35, 49), 295, 413, 0.05)
    assert (one.aspect, one.min_width, one.min_height) == ((25, 35), 295, 413)
    assert two.formats == one.formats == frozenset({"JPEG", "PNG"})
    assert check_photo(GOOD, spec=one).width == 600  # 25:35 = 35:49 = 5:7


def test_the_spec_is_frozen_and_refuses_formats_this_module_does_not_check():
    with pytest.raises(FrozenInstanceError):
        SPEC.max_pixels = 10**9  # type: ignore[misc]
    with pytest.raises(ValueError, match="formats"):
        replace(SPEC, formats=frozenset({"JPEG", "GIF"}))
    with pytest.raises(ValueError, match="positive"):
        replace(SPEC, max_pixels=0)


# --- threads ---------------------------------------------------------------------------------------------


def test_each_thread_has_its_own_classifier_and_the_results_agree():
    results, classifiers = [], []
    barrier = threading.Barrier(3)

    def work():
        barrier.wait()
        results.append(check_photo(GOOD, spec=SPEC).sha256)
        classifiers.append(id(_detector.get()[0]))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(results)) == 1
    assert len(results) == 3
    assert len(set(classifiers)) == 3
