"""Zip packages that are byte-identical for identical content: fixed order, fixed timestamps,
fixed permissions, no extra fields."""

from __future__ import annotations

import io
import zipfile

#: The earliest date a zip can hold; any constant would do, this one says "no date".
EPOCH = (1980, 1, 1, 0, 0, 0)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A deflated zip of ``files`` (path -> content), in the given order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever system writes it
            archive.writestr(info, data)
    return buffer.getvalue()
