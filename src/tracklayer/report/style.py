"""Figure style and encoding shared by the report's figures: colours, a Figure on
an explicit Agg canvas inside the report's rc settings, and compact PNG output.

Nothing here touches pyplot's global state or the session's matplotlib backend.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from tracklayer import palette

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DPI", "PHASE_COLORS", "IR_COLOR", "RADAR_COLOR", "CUSTODY_COLORS", "TRACK_COLORS", "figure", "png_bytes"]

DPI = 110
PHASE_COLORS = palette.PHASES
"""Colour of each flight phase, shared by every figure (and the viewer: `tracklayer.palette`)."""
IR_COLOR = palette.IR
RADAR_COLOR = palette.RADAR
CUSTODY_COLORS = palette.CUSTODY
TRACK_COLORS = palette.TRACKS
_RC: dict[Any, Any] = {  # matplotlib types the keys as a Literal of every rc name
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": DPI,
}


@contextmanager
def figure(width_in: float, height_in: float) -> Iterator[Figure]:
    """A Figure of ``width_in`` x ``height_in`` inches with its own Agg canvas,
    created and drawn inside the report's rc settings (restored on exit)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width_in, height_in), dpi=DPI)
        FigureCanvasAgg(fig)
        yield fig


COMPRESS_LEVEL = 9
"""zlib level of the PNGs."""
SAMPLE_EVERY = 3
"""The adaptive palette is cut from every SAMPLE_EVERY-th pixel of every SAMPLE_EVERY-th row:
most of a figure is flat colour, and the cut of a ninth of the pixels is ten times faster."""


def png_bytes(fig: Figure) -> bytes:
    """Encode a figure as a palette PNG without 'Software' metadata.

    The palette holds the report's named colours (`tracklayer.palette`) exactly plus a
    median-cut palette of the rest, and every pixel takes its nearest palette colour:
    the mean channel error is a fraction of one level, and the file is about a third
    of an RGB PNG's size.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)  # as `figure` made it
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    colours = _palette(rgba)
    code = _rgb_code(rgba)
    distinct, inverse = np.unique(code.reshape(-1), return_inverse=True)
    image = Image.frombytes("P", (code.shape[1], code.shape[0]), _nearest(distinct, colours)[inverse].tobytes())
    image.putpalette(colours.astype(np.uint8).reshape(-1).tolist())
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=COMPRESS_LEVEL)
    return buf.getvalue()


def _named_rgb() -> np.ndarray:
    """(K, 3) int32: the palette's named colours, black and white, without repeats."""
    from matplotlib.colors import to_rgb

    named = [*palette.named(), "#000000", "#ffffff"]
    return np.unique((np.array([to_rgb(c) for c in named]) * 255).round().astype(np.int32), axis=0)


def _palette(rgba: np.ndarray) -> np.ndarray:
    """(256, 3) int32 palette of an (H, W, 4) uint8 image: a median cut of its
    (sampled) pixels, then the named colours."""
    from PIL import Image

    keys = _named_rgb()
    n_free = 256 - keys.shape[0]
    sample = np.ascontiguousarray(rgba[::SAMPLE_EVERY, ::SAMPLE_EVERY, :3])
    adaptive = Image.fromarray(sample).quantize(colors=n_free, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    adaptive_palette = adaptive.getpalette()
    assert adaptive_palette is not None  # a quantized image has one
    free = np.array(adaptive_palette[: 3 * n_free], dtype=np.int32).reshape(-1, 3)
    free = np.vstack([free, np.zeros((n_free - free.shape[0], 3), dtype=np.int32)])  # a cut of few colours has fewer entries
    return np.vstack([free, keys])


def _rgb_code(rgba: np.ndarray) -> np.ndarray:
    """(H, W) int32 codes ``r << 16 | g << 8 | b`` of an (H, W, 4) uint8 image."""
    rgb = rgba[..., :3].astype(np.int32)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def _nearest(codes: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """Index (uint8) of the nearest entry of ``colours`` (P, 3) to each colour code of
    ``codes`` (K,): Euclidean in RGB, the first of equals.

    The squared distances are |c|^2 - 2 c.p + |p|^2 in float32, exact: every term is an
    integer below 2**24. The dot products are three broadcast products, not a matrix
    product: BLAS threads would spin on every figure for a (K, 3) x (3, 256) product."""
    c = np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], axis=1).astype(np.float32)
    p = colours.astype(np.float32)
    out = np.empty(codes.shape[0], dtype=np.uint8)
    for lo in range(0, codes.shape[0], 8192):  # (8192, 256) distance blocks
        block = c[lo : lo + 8192]
        dot = block[:, 0:1] * p[None, :, 0] + block[:, 1:2] * p[None, :, 1] + block[:, 2:3] * p[None, :, 2]
        d = (block * block).sum(axis=1)[:, None] - 2.0 * dot + (p * p).sum(axis=1)[None, :]
        out[lo : lo + 8192] = d.argmin(axis=1)
    return out
