"""tracklayer: simulate and evaluate an allied space-based missile tracking architecture.

Importing this package is cheap on purpose; the public surface is `tracklayer.api`.
"""

__version__ = "0.1.0"
