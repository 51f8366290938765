"""``python -m tracklayer``: the ``tracklayer`` command."""

from tracklayer.cli import main

if __name__ == "__main__":
    main()
