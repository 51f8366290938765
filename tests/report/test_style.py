"""The report's PNG encoding: the palette keeps the named colours exact, every pixel
takes its nearest palette colour, and the image stays close to the drawn one."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from tracklayer import palette
from tracklayer.report import style


def _drawn():
    """A figure with lines in named colours, translucent fills and a colour map."""
    cm = style.figure(6.0, 4.0)
    fig = cm.__enter__()
    axes = fig.subplots(1, 2)
    rng = np.random.default_rng(7)
    for ax in axes:
        for color in palette.TRACKS[:5]:
            ax.plot(np.cumsum(rng.normal(size=400)), color=color, lw=1.5)
        ax.fill_between(range(400), -3, 3, color=palette.JOINT, alpha=0.2)
    axes[1].imshow(rng.random((30, 30)), extent=(0, 400, -20, -10), aspect="auto")
    fig.canvas.draw()
    return cm, fig


def test_png_is_the_nearest_palette_colour_of_every_pixel():
    cm, fig = _drawn()
    try:
        png = style.png_bytes(fig)
        rgba = np.asarray(fig.canvas.buffer_rgba())
    finally:
        cm.__exit__(None, None, None)
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P"
    pal = np.array(image.getpalette()[: 3 * 256], dtype=np.int64).reshape(-1, 3)
    index = np.asarray(image)
    rgb = rgba[..., :3].astype(np.int64)
    named = (np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in palette.named()]))
    assert all((pal == c).all(axis=1).any() for c in named)  # every named colour is in the palette, exactly
    colours, first = np.unique(rgb.reshape(-1, 3), axis=0, return_index=True)
    d = ((colours[:, None, :] - pal[None, :, :]) ** 2).sum(axis=2)
    chosen = index.reshape(-1)[first]
    assert np.array_equal(d[np.arange(colours.shape[0]), chosen], d.min(axis=1))  # nearest, for every distinct colour
    for c in named:  # a pixel drawn in a named colour keeps it
        on = (rgb == c).all(axis=2)
        assert (pal[index[on]] == c).all()
    assert np.abs(pal[index] - rgb).mean() < 1.0  # a fraction of one level


def test_nearest_is_the_integer_argmin_ties_included():
    rng = np.random.default_rng(3)
    colours = np.vstack([[[0, 0, 0], [255, 255, 255], [10, 0, 0], [0, 10, 0]], rng.integers(0, 256, (252, 3))]).astype(np.int32)
    codes = np.r_[[0x000000, 0xFFFFFF, 0x050000, 0x050500], rng.integers(0, 1 << 24, 20_000)].astype(np.int32)
    c = np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], axis=1).astype(np.int64)
    expected = ((c[:, None, :] - colours[None, :, :].astype(np.int64)) ** 2).sum(axis=2).argmin(axis=1)
    got = style._nearest(codes, colours)
    assert got[:4].tolist() == [0, 1, 0, 0]  # (5, 0, 0) and (5, 5, 0) are as near black as (10, 0, 0): the first wins
    assert np.array_equal(got, expected)
