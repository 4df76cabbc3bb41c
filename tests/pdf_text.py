"""The text of a PDF WeasyPrint wrote, for tests (pypdf and pdftotext are not installed).

Just enough of PDF for WeasyPrint's output: objects (also inside object streams), Flate
streams, each font's ToUnicode CMap, and the text operators of the page content, where a font
is chosen with `/name size Tf` and strings are hex glyph codes (`<0012> Tj`, `[<00>2<13>] TJ`).
"""

import re
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
_STREAM = re.compile(rb"^(.*?)stream\r?\n(.*)\r?\nendstream", re.S)
_TEXT = re.compile(rb"/([\w.+-]+) [\d.]+ Tf|\[(.*?)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj", re.S)


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Object number -> (dictionary text, decompressed stream or None)."""
    found: dict[int, tuple[bytes, bytes | None]] = {}
    for number, body in _OBJECT.findall(pdf):
        match = _STREAM.match(body)
        if match is None:
            found[int(number)] = (body, None)
            continue
        head, data = match.groups()
        if b"/FlateDecode" in head:
            data = zlib.decompress(data)
        found[int(number)] = (head, data)
    for head, data in list(found.values()):
        if data is not None and b"/ObjStm" in head:
            first = int(re.search(rb"/First (\d+)", head).group(1))
            numbers = [int(n) for n in data[:first].split()]
            pairs = list(zip(numbers[::2], numbers[1::2], strict=True))
            for position, (number, offset) in enumerate(pairs):
                end = pairs[position + 1][1] if position + 1 < len(pairs) else len(data) - first
                found[number] = (data[first + offset : first + end], None)
    return found


def _cmap(data: bytes) -> dict[bytes, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            mapping[bytes.fromhex(code.decode())] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, start in re.findall(
            rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
        ):
            width, base = len(low) // 2, int(start, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code.to_bytes(width, "big")] = chr(base + offset)
    return mapping


def pdf_text(pdf: bytes) -> str:
    objects = _objects(pdf)
    cmaps = {}
    for number, (head, _) in objects.items():
        reference = re.search(rb"/ToUnicode (\d+) 0 R", head)
        if reference:
            cmaps[number] = _cmap(objects[int(reference.group(1))][1] or b"")
    fonts = {}  # resource name -> its CMap
    for head, _ in objects.values():
        for name, number in re.findall(rb"/([\w.+-]+) (\d+) 0 R", head):
            if int(number) in cmaps:
                fonts[name] = cmaps[int(number)]
    words, cmap = [], {}
    for head, data in objects.values():
        if data is None or b"/Length1" in head or b"/ObjStm" in head or b"/XRef" in head:
            continue
        for font, array, single in _TEXT.findall(data):
            if font:
                cmap = fonts.get(font, {})
                continue
            pieces = re.findall(rb"<([0-9a-fA-F]*)>", array) if array else [single]
            codes = bytes.fromhex(b"".join(pieces).decode())
            words.append("".join(cmap.get(codes[i : i + 2], "") for i in range(0, len(codes), 2)))
        words.append("\n")
    return " ".join(words)
