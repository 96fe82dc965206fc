"""What an uploaded file holds, checked before it is stored (cases/documents/uploads.py).

The magic bytes only say what a file claims to be. Here the file is opened as what it claims:

- a PDF is parsed with pypdf and refused when it is malformed (HTML behind ``%PDF-``),
  encrypted with a password, or carries active content: JavaScript (``/JS``,
  ``/JavaScript``), launch and other dangerous actions (``/Launch``, ``/ImportData``, an
  ``/OpenAction`` that runs one), automatic actions (``/AA``) or embedded files
  (``/EmbeddedFiles``, ``/EF``). The names are read as pypdf decodes them, so
  ``/J#61vaScript`` is ``/JavaScript`` too, and objects inside object streams are seen;
- the work is bounded: at most ``MAX_PDF_OBJECTS`` objects are visited, every compressed
  stream is inflated incrementally and the total may not exceed
  ``IIZ_UPLOAD_MAX_INFLATED_BYTES`` (a decompression bomb stops at the limit, not in memory),
  and an image inside the PDF may not have more than ``IIZ_UPLOAD_MAX_PIXELS`` pixels;
- an image is opened with Pillow, its dimensions read from the header and refused above
  ``IIZ_UPLOAD_MAX_PIXELS`` before anything is decoded (a 30,000 × 30,000 PNG of a few
  kilobytes), then verified;
- where a virus scanner is configured (``IIZ_CLAMD_SOCKET``: a Unix socket path or
  ``host:port`` of clamd), the file is streamed to it (clamd's ``INSTREAM`` command) and
  refused when it finds something, or when it cannot be asked (the upload is refused, not
  stored unscanned).

Every refusal is a translated ValidationError with a code.
"""

from __future__ import annotations

import socket
import struct
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

DEFAULT_MAX_INFLATED_BYTES = 150 * 1024 * 1024
DEFAULT_MAX_PIXELS = 60_000_000  # an A4 page scanned at 600 dpi has 35 million
MAX_PDF_OBJECTS = 50_000
CHUNK = 64 * 1024

# Keys of a PDF dictionary that carry active content or files.
ACTIVE_KEYS = {"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EF", "/Launch", "/XFA", "/RichMedia"}
# Action types (``/S``) that run something or reach outside the document.
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute", "/SubmitForm", "/GoToE"}


def max_inflated_bytes() -> int:
    return int(getattr(settings, "IIZ_UPLOAD_MAX_INFLATED_BYTES", DEFAULT_MAX_INFLATED_BYTES))


def max_pixels() -> int:
    return int(getattr(settings, "IIZ_UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def too_many_pixels() -> ValidationError:
    return ValidationError(
        _("The image has too many pixels: at most %(limit)s million pixels are accepted."),
        code="too_many_pixels",
        params={"limit": max(1, max_pixels() // 1_000_000)},
    )


def malformed_pdf() -> ValidationError:
    return ValidationError(
        _("This PDF cannot be read (it is damaged or not a PDF). Please scan or save it again as PDF."),
        code="malformed",
    )


class _PdfInspection:
    def __init__(self):
        self.budget = max_inflated_bytes()
        self.seen: set[tuple[int, int]] = set()
        self.visited = 0

    def inflated_length(self, stream: StreamObject) -> int:
        """The stream's decoded length as far as the budget goes: a Flate stream is inflated
        chunk by chunk, any other counts with its stored length."""
        filters = stream.get("/Filter")
        first = filters[0] if isinstance(filters, ArrayObject) and filters else filters
        raw = stream._data or b""
        if first not in ("/FlateDecode", "/Fl"):
            return len(raw)
        inflater = zlib.decompressobj()
        total = 0
        data = raw
        while data:
            try:
                out = inflater.decompress(data, CHUNK)
            except zlib.error:
                raise malformed_pdf() from None
            total += len(out)
            if total > self.budget:
                break
            data = inflater.unconsumed_tail
            if not out and not data:
                break
        return total

    def visit(self, root) -> None:
        pending = [root]
        while pending:
            node = pending.pop()
            if isinstance(node, IndirectObject):
                key = (node.idnum, node.generation)
                if key in self.seen:
                    continue
                self.seen.add(key)
                self.visited += 1
                if self.visited > MAX_PDF_OBJECTS:
                    raise ValidationError(_("This PDF is too complex to be checked."), code="too_complex")
                node = node.get_object()
            if isinstance(node, DictionaryObject):
                self.check_dictionary(node)
                pending.extend(value for name, value in node.items() if name not in ("/Parent", "/P"))
            elif isinstance(node, ArrayObject):
                pending.extend(node)

    def check_dictionary(self, node: DictionaryObject) -> None:
        keys = {str(name) for name in node}
        action = node.get("/S")
        if keys & ACTIVE_KEYS or (isinstance(action, NameObject) and str(action) in ACTIVE_ACTIONS):
            raise ValidationError(
                _(
                    "This PDF contains active content (JavaScript, actions or embedded files) and is refused. "
                    "Please print it to PDF or scan it again."
                ),
                code="active_content",
            )
        if node.get("/Type") == "/EmbeddedFile":
            raise ValidationError(_("This PDF contains embedded files and is refused."), code="active_content")
        if isinstance(node, StreamObject):
            if node.get("/Subtype") == "/Image":
                width, height = int(node.get("/Width", 0) or 0), int(node.get("/Height", 0) or 0)
                if width * height > max_pixels():
                    raise too_many_pixels()
            self.budget -= self.inflated_length(node)
            if self.budget < 0:
                raise ValidationError(
                    _("This PDF expands to too much data when opened and is refused."), code="too_large_inflated"
                )


def check_pdf(file) -> None:
    """Refuse a PDF that is malformed, locked, carries active content or is a bomb."""
    file.seek(0)
    try:
        reader = PdfReader(file, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                _("This PDF is protected by a password and cannot be checked. Please upload it without protection."),
                code="encrypted",
            )
        if len(reader.pages) < 1:
            raise malformed_pdf()
        root = reader.trailer.get("/Root")
        if root is None:
            raise malformed_pdf()
        _PdfInspection().visit(root)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError, zlib.error):
        raise malformed_pdf() from None
    finally:
        file.seek(0)


def check_image(file) -> None:
    """Refuse an image whose header announces more than the pixel limit (before decoding
    anything), or that Pillow cannot read."""
    file.seek(0)
    try:
        with Image.open(file) as image:
            width, height = image.size
            if width * height > max_pixels():
                raise too_many_pixels()
            image.verify()
    except ValidationError:
        raise
    except Image.DecompressionBombError:  # Pillow's own limit, far above ours, read from the header
        raise too_many_pixels() from None
    except (OSError, ValueError, SyntaxError, struct.error):
        raise ValidationError(_("This image cannot be read (it is damaged or not an image)."), code="malformed") from None
    finally:
        file.seek(0)


def clamd_address() -> str:
    return str(getattr(settings, "IIZ_CLAMD_SOCKET", "") or "")


def _connect(address: str) -> socket.socket:
    timeout = float(getattr(settings, "IIZ_CLAMD_TIMEOUT", 30))
    if address.startswith("/"):
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(timeout)
        conn.connect(address)
        return conn
    host, _sep, port = address.rpartition(":")
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)


def scan_for_viruses(file) -> None:
    """Stream ``file`` to clamd (``INSTREAM``) where ``IIZ_CLAMD_SOCKET`` is set; refuse it
    when clamd reports a finding, an error, or cannot be reached. Without the setting: nothing."""
    address = clamd_address()
    if not address:
        return
    file.seek(0)
    try:
        with _connect(address) as conn:
            conn.sendall(b"zINSTREAM\0")
            while chunk := file.read(CHUNK):
                conn.sendall(struct.pack("!L", len(chunk)) + chunk)
            conn.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0") and (part := conn.recv(4096)):
                reply += part
    except (OSError, ValueError):
        raise ValidationError(
            _("The virus scan is not available at the moment; the file was not stored. Please try again later."),
            code="scan_unavailable",
        ) from None
    finally:
        file.seek(0)
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if answer.endswith("FOUND"):
        raise ValidationError(_("The virus scan found malware in this file; it is refused."), code="infected")
    if not answer.endswith("OK"):
        raise ValidationError(
            _("The virus scan is not available at the moment; the file was not stored. Please try again later."),
            code="scan_unavailable",
        )
