"""Small real files for upload tests, clean or carrying the EICAR test
string (harmless; every antivirus reports it, and tests/clamav's signature
finds it wherever it sits in a file):

    pdf()                 a one-page PDF with a correct cross-reference table
    pdf(EICAR)            the same, EICAR as a comment line in the page's content
    png(), png(EICAR)     a 1 x 1 PNG, EICAR in a tEXt chunk
    jpeg(), jpeg(EICAR)   a 2 x 2 JPEG, EICAR in a comment segment

Each opens in a viewer (the tests check with pypdf and Pillow). PDF and
EXECUTABLE are only the first bytes of such files (what the upload checks
look at); files(...) gives (name, content) pairs as the test client uploads
them."""
import io
import struct
import zlib

from PIL import Image

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00"
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def pdf(hidden=b""):
    content = b"BT /F1 18 Tf 72 720 Td (Statement) Tj ET\n"
    if hidden:
        # A comment in a content stream: valid, and drawn as nothing.
        content += b"%" + hidden + b"\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png(hidden=b""):
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    text = _chunk(b"tEXt", b"Comment\0" + hidden) if hidden else b""
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + text
            + _chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + _chunk(b"IEND", b""))


def jpeg(hidden=b""):
    out = io.BytesIO()
    Image.new("RGB", (2, 2), "navy").save(out, "JPEG")
    data = out.getvalue()
    if hidden:
        # A COM segment right after the start-of-image marker.
        data = data[:2] + b"\xff\xfe" + struct.pack(">H", len(hidden) + 2) + hidden + data[2:]
    return data


def files(*pairs):
    """(name, content) pairs as the test client uploads them."""
    return [(io.BytesIO(content), name) for name, content in pairs]
