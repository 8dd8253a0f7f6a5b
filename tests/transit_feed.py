"""The fictional GTFS feed of fixtures/gtfs-exemple (also make run's example network),
zipped, optionally changed."""

import zipfile
from pathlib import Path

FEED_DIR = Path(__file__).parent.parent / "fixtures" / "gtfs-exemple"


def feed_zip(path, *, replace=None, leave_out=()):
    """Zip the example feed to ``path``; ``replace`` maps a member to new text."""
    replace = replace or {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(FEED_DIR.glob("*.txt")):
            if member.name in leave_out:
                continue
            text = replace.get(member.name, member.read_text(encoding="utf-8"))
            archive.writestr(member.name, text)
    return path
