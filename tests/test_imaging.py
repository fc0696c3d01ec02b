"""Loading every kind of photo a user might drop, and a clear error for bad files."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from fmf_desktop.imaging import ImageLoadError, load_image


def _pattern(w: int = 120, h: int = 80) -> np.ndarray:
    """Red left half, blue right half, green top-left quarter: orientation is checkable."""
    img = np.zeros((h, w, 3), np.uint8)
    img[:, : w // 2] = (220, 30, 30)
    img[:, w // 2 :] = (30, 30, 220)
    img[: h // 2, : w // 4] = (30, 200, 30)
    return img


def _save(tmp_path: Path, name: str, im: Image.Image, **kw) -> Path:
    path = tmp_path / name
    im.save(path, **kw)
    return path


@pytest.mark.parametrize("fmt,ext", [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp"),
                                     ("BMP", "bmp"), ("TIFF", "tif")])
def test_common_formats_load_as_rgb(tmp_path, fmt, ext):
    path = _save(tmp_path, f"photo.{ext}", Image.fromarray(_pattern()), format=fmt)
    img = load_image(path)
    assert img.rgb.shape == (80, 120, 3)
    assert img.rgb.dtype == np.uint8 and img.rgb.flags["C_CONTIGUOUS"]
    assert (img.original_width, img.original_height) == (120, 80)
    # Left is red, right is blue, whatever the codec did to the edges.
    assert img.rgb[60, 20, 0] > 150 and img.rgb[60, 100, 2] > 150
    assert img.source == str(path)


def test_exif_orientation_is_applied(tmp_path):
    im = Image.fromarray(_pattern(120, 80))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape; the camera was held upright: rotate 90 clockwise
    path = _save(tmp_path, "rotated.jpg", im, format="JPEG", exif=exif)
    img = load_image(path)
    assert img.rgb.shape == (120, 80, 3)
    assert (img.original_width, img.original_height) == (80, 120)
    # After a 90-degree clockwise turn the red left half is on top.
    assert img.rgb[45, 20, 0] > 150 and img.rgb[100, 40, 2] > 150
    assert img.rgb[10, 60, 1] > 150  # the green corner moved to the top right


def test_cmyk_jpeg(tmp_path):
    path = _save(tmp_path, "cmyk.jpg", Image.fromarray(_pattern()).convert("CMYK"), format="JPEG")
    img = load_image(path)
    assert img.rgb.shape == (80, 120, 3)
    assert img.rgb[60, 20, 0] > 150 and img.rgb[60, 20, 2] < 100


def test_16bit_greyscale_png_uses_the_full_range(tmp_path):
    ramp = (np.linspace(0, 65535, 100)[None, :].repeat(20, 0)).astype(np.uint16)
    path = tmp_path / "grey16.png"
    assert cv2.imwrite(str(path), ramp)  # OpenCV writes a true 16-bit greyscale PNG
    assert Image.open(path).mode.startswith("I")
    img = load_image(path)
    assert img.rgb.shape == (20, 100, 3)
    assert img.rgb[:, 0].max() < 5 and img.rgb[:, -1].min() > 250


@pytest.mark.parametrize("ext", ["png", "tif"])
def test_16bit_rgb(tmp_path, ext):
    rgb16 = _pattern().astype(np.uint16) * 257
    path = tmp_path / f"rgb16.{ext}"
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb16, cv2.COLOR_RGB2BGR))
    img = load_image(path)
    assert img.rgb.shape == (80, 120, 3)
    assert abs(int(img.rgb[60, 20, 0]) - 220) <= 2 and abs(int(img.rgb[60, 100, 2]) - 220) <= 2


def test_palette_image(tmp_path):
    im = Image.fromarray(_pattern()).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    img = load_image(_save(tmp_path, "palette.png", im))
    assert img.rgb[60, 20, 0] > 150 and img.rgb[60, 100, 2] > 150


def test_transparency_is_composited_on_white(tmp_path):
    rgba = np.zeros((50, 50, 4), np.uint8)
    rgba[:, :25] = (200, 0, 0, 255)  # opaque red left, fully transparent right
    img = load_image(_save(tmp_path, "alpha.png", Image.fromarray(rgba, "RGBA")))
    assert tuple(img.rgb[10, 10]) == (200, 0, 0)
    assert tuple(img.rgb[10, 40]) == (255, 255, 255)


def test_palette_with_transparency(tmp_path):
    im = Image.new("P", (40, 40), 0)
    im.putpalette([0, 0, 0, 0, 200, 0] + [0] * 762)
    im.paste(1, (0, 0, 20, 40))
    im.info["transparency"] = 0
    img = load_image(_save(tmp_path, "ptrans.png", im, transparency=0))
    assert tuple(img.rgb[5, 5]) == (0, 200, 0)
    assert tuple(img.rgb[5, 35]) == (255, 255, 255)


@pytest.mark.parametrize("ext", ["gif", "webp"])
def test_animated_image_uses_first_frame(tmp_path, ext):
    red = Image.new("RGB", (60, 40), (220, 20, 20))
    blue = Image.new("RGB", (60, 40), (20, 20, 220))
    path = tmp_path / f"anim.{ext}"
    red.save(path, save_all=True, append_images=[blue, blue], duration=100, loop=0)
    img = load_image(path)
    assert img.rgb.shape == (40, 60, 3)
    assert img.rgb[20, 30, 0] > 150 and img.rgb[20, 30, 2] < 100


def test_large_jpeg_is_bounded_and_keeps_original_size(tmp_path):
    big = cv2.resize(_pattern(), (6000, 4000), interpolation=cv2.INTER_NEAREST)
    path = _save(tmp_path, "big.jpg", Image.fromarray(big), format="JPEG", quality=80)
    img = load_image(path, max_side=1024)
    # Decoded at a reduced JPEG scale: bounded, and not much below the bound.
    assert 1024 * 2 / 3 <= max(img.rgb.shape[:2]) <= 1024
    assert (img.original_width, img.original_height) == (6000, 4000)
    assert img.scale == pytest.approx(6000 / img.rgb.shape[1], rel=0.01)
    assert img.rgb[int(img.rgb.shape[0] * 0.8), 50, 0] > 150  # still red at the left


@pytest.mark.parametrize("mode", ["RGBA", "P"])
def test_large_png_is_reduced_to_the_bound(tmp_path, mode):
    im = Image.new("RGBA", (4000, 3000), (0, 120, 0, 255))
    im.paste((200, 0, 0, 0), (2000, 0, 4000, 3000))  # right half fully transparent
    if mode == "P":
        im = im.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    path = _save(tmp_path, "large.png", im)
    img = load_image(path, max_side=1000)
    assert max(img.rgb.shape[:2]) <= 1000 and img.rgb.shape[1] >= 660
    assert (img.original_width, img.original_height) == (4000, 3000)
    assert img.rgb[100, 50, 1] > 100
    if mode == "RGBA":
        assert tuple(img.rgb[100, -50]) == (255, 255, 255)


def test_huge_png_over_pillow_bomb_limit_is_refused_clearly(tmp_path):
    # A 20000x10000 (200 MP) header with tiny compressed data: it must not be decoded.
    im = Image.new("L", (20000, 10000), 0)
    path = _save(tmp_path, "bomb.png", im, optimize=False)
    with pytest.raises(ImageLoadError, match=r"bomb\.png.*too large") as info:
        load_image(path)
    # One plain sentence with one limit: not Pillow's pixel counts and "DOS attack".
    message = str(info.value)
    assert "(200 megapixels)" in message and "the limit is 178 megapixels." in message
    assert "DOS" not in message and "150" not in message and "exceeds" not in message


def test_pasted_bytes(tmp_path):
    buf = io.BytesIO()
    Image.fromarray(_pattern()).save(buf, format="PNG")
    img = load_image(buf.getvalue())
    assert img.rgb.shape == (80, 120, 3)
    assert img.source == "pasted image"
    assert load_image(buf.getvalue(), name="clipboard").source == "clipboard"


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("missing.jpg", None, "not found"),
        ("empty.jpg", b"", "empty"),
        ("notes.jpg", b"these are shopping notes, not a picture\n" * 10, "not an image"),
        ("random.png", bytes(range(256)) * 40, "not an image"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImageLoadError) as info:
        load_image(path)
    assert name in str(info.value) and message in str(info.value)


@pytest.mark.parametrize("fmt,ext", [("JPEG", "jpg"), ("PNG", "png")])
def test_truncated_file(tmp_path, fmt, ext):
    noise = np.random.default_rng(0).integers(0, 255, (300, 300, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, format=fmt)
    path = tmp_path / f"cut.{ext}"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(ImageLoadError, match=rf"cut\.{ext}.*(damaged|truncated|decoded)"):
        load_image(path)


def test_folder_and_web_address(tmp_path):
    with pytest.raises(ImageLoadError, match="folder"):
        load_image(tmp_path)
    with pytest.raises(ImageLoadError, match="Save the image"):
        load_image("https://example.com/figure.jpg")


def test_empty_bytes():
    with pytest.raises(ImageLoadError, match="pasted image.*empty"):
        load_image(b"")


def test_an_empty_path_is_not_called_a_folder():
    with pytest.raises(ImageLoadError) as info:
        load_image("")
    assert "empty" in str(info.value) and "folder" not in str(info.value)
