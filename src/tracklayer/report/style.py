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


def png_bytes(fig: Figure) -> bytes:
    """Encode a figure as a palette PNG without 'Software' metadata.

    The palette holds the report's named colours exactly plus a median-cut
    palette of the rest, and every pixel takes its nearest palette colour: the
    mean channel error is a fraction of one level, and the file is about a third of
    an RGB PNG's size.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import to_rgb
    from PIL import Image

    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)  # as `figure` made it
    canvas.draw()
    rgb = np.ascontiguousarray(np.asarray(canvas.buffer_rgba())[..., :3])
    named = [*palette.named(), "#000000", "#ffffff"]
    keys = np.unique((np.array([to_rgb(c) for c in named]) * 255).round().astype(np.int32), axis=0)
    n_free = 256 - keys.shape[0]
    adaptive = Image.fromarray(rgb).quantize(colors=n_free, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    adaptive_palette = adaptive.getpalette()
    assert adaptive_palette is not None  # a quantized image has one
    colours = np.vstack([np.array(adaptive_palette[: 3 * n_free], dtype=np.int32).reshape(-1, 3), keys])
    code = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    colors, inverse = np.unique(code.reshape(-1), return_inverse=True)
    c = np.stack([colors >> 16, (colors >> 8) & 255, colors & 255], axis=1)
    nearest = np.empty(colors.shape[0], dtype=np.uint8)
    for lo in range(0, colors.shape[0], 4096):  # (4096, 256) distance blocks
        d = ((c[lo : lo + 4096, None, :] - colours[None, :, :]) ** 2).sum(axis=2)
        nearest[lo : lo + 4096] = d.argmin(axis=1)
    image = Image.frombytes("P", (code.shape[1], code.shape[0]), nearest[inverse].tobytes())
    image.putpalette(colours.astype(np.uint8).reshape(-1).tolist())
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
