"""TFRecord files and the protobuf messages AndroidControl keeps in them, read without TensorFlow.

A TFRecord file is a run of records, each (TensorFlow's "TFRecord and tf.train.Example" guide,
"TFRecords format details")::

    uint64 length                      little-endian
    uint32 masked CRC-32C of length
    byte   data[length]
    uint32 masked CRC-32C of data

with ``masked = ((crc >> 15) | (crc << 17)) + 0xa282ead8`` (modulo 2**32). AndroidControl's files
are GZIP-compressed as a whole (google-research ``android_control/README.md``). Each record is a
``tf.train.Example`` (``tensorflow/core/example/example.proto`` and ``feature.proto``):
``Example{features=1: Features{feature=1: map<string, Feature>}}``, ``Feature{bytes_list=1,
float_list=2, int64_list=3}``, each list's values in field 1. The protobuf wire format is read
here directly (varints, fixed-width and length-delimited fields), which is all these messages use.

Checksums are verified with ``google_crc32c`` when it is installed (the ``androidcontrol`` extra),
else by a table in Python: correct, but a few megabytes a second, hours for the whole release.
"""

from __future__ import annotations

import gzip
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from screenpilot.errors import ConfigError

_MASK_DELTA = 0xA282EAD8
_POLY = 0x82F63B78  # CRC-32C (Castagnoli), reflected
MAX_RECORD_BYTES = 2**31
"""No AndroidControl episode comes near this; a larger length is damage, not data."""


def _table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ _POLY if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _table()


def _crc32c_python(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def crc32c(data: bytes) -> int:
    """CRC-32C of ``data`` (the C implementation when ``google_crc32c`` is installed)."""
    try:
        import google_crc32c  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return _crc32c_python(data)
    return int(google_crc32c.value(data))


def masked_crc(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


class RecordError(ConfigError):
    """A TFRecord file that cannot be read; the message names the file and the byte."""


def _open(path: Path) -> IO[bytes]:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def read_records(path: Path) -> Iterator[bytes]:
    """The records of a TFRecord file (GZIP-compressed or not), each checked against its CRCs."""
    offset = 0
    try:
        with _open(path) as stream:
            while True:
                header = stream.read(12)
                if not header:
                    return
                if len(header) < 12:
                    raise RecordError(f"{path}: cut off in the record header at byte {offset:,}")
                length, length_crc = struct.unpack("<QI", header)
                if masked_crc(header[:8]) != length_crc:
                    raise RecordError(f"{path}: the record length at byte {offset:,} fails its CRC")
                if length > MAX_RECORD_BYTES:
                    raise RecordError(f"{path}: a record of {length:,} bytes at byte {offset:,}")
                data = stream.read(length)
                footer = stream.read(4)
                if len(data) < length or len(footer) < 4:
                    raise RecordError(f"{path}: the record at byte {offset:,} is cut off")
                if masked_crc(data) != struct.unpack("<I", footer)[0]:
                    raise RecordError(f"{path}: the record at byte {offset:,} fails its CRC")
                yield data
                offset += 16 + length
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise RecordError(f"{path}: cannot be read at byte {offset:,}: {exc}") from exc


def frame_record(data: bytes) -> bytes:
    """``data`` as one TFRecord record (for writing files in the format)."""
    length = struct.pack("<Q", len(data))
    return (
        length + struct.pack("<I", masked_crc(length)) + data + struct.pack("<I", masked_crc(data))
    )


# --- protobuf wire format ---------------------------------------------------------------------


class WireError(ValueError):
    """Bytes that are not the protobuf message expected."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise WireError("a varint runs past the end of the message")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise WireError("a varint longer than 10 bytes")


def fields(data: bytes) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) of each field: an int for varints and fixed-width fields
    (their raw bits), bytes for length-delimited ones."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1:
            if pos + 8 > len(data):
                raise WireError("a 64-bit field runs past the end of the message")
            value, pos = struct.unpack_from("<Q", data, pos)[0], pos + 8
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise WireError(f"field {number} runs past the end of the message")
            value, pos = data[pos : pos + size], pos + size
        elif wire == 5:
            if pos + 4 > len(data):
                raise WireError("a 32-bit field runs past the end of the message")
            value, pos = struct.unpack_from("<I", data, pos)[0], pos + 4
        else:
            raise WireError(f"field {number} has wire type {wire}, which is not read here")
        yield number, wire, value


def signed(value: int, bits: int = 64) -> int:
    """A varint's bits as the two's-complement integer (int32 / int64 fields)."""
    value &= (1 << 64) - 1
    if bits == 32:
        value &= 0xFFFFFFFF
    return value - (1 << bits) if value >> (bits - 1) else value


def _packed_varints(value: Any) -> list[int]:
    if isinstance(value, int):
        return [signed(value)]
    out, pos = [], 0
    while pos < len(value):
        number, pos = _varint(value, pos)
        out.append(signed(number))
    return out


@dataclass
class Example:
    """A ``tf.train.Example``: each feature's values (bytes, ints or floats)."""

    features: dict[str, list[Any]] = field(default_factory=dict)

    def bytes_list(self, name: str) -> list[bytes]:
        return [v for v in self.features.get(name, []) if isinstance(v, bytes)]

    def int64_list(self, name: str) -> list[int]:
        return [v for v in self.features.get(name, []) if isinstance(v, int)]


def _feature(data: bytes) -> list[Any]:
    values: list[Any] = []
    for number, _, value in fields(data):
        for inner, wire, item in fields(value):
            if inner != 1:
                continue
            if number == 1:
                values.append(bytes(item))
            elif number == 2:
                if wire == 5:
                    values.append(struct.unpack("<f", struct.pack("<I", item))[0])
                else:
                    values.extend(v[0] for v in struct.iter_unpack("<f", item))
            elif number == 3:
                values.extend(_packed_varints(item))
    return values


def parse_example(data: bytes) -> Example:
    """Read a serialized ``tf.train.Example`` (``WireError`` when it is not one)."""
    example = Example()
    for number, wire, features in fields(data):
        if number != 1 or wire != 2:
            continue
        for entry_number, entry_wire, entry in fields(features):
            if entry_number != 1 or entry_wire != 2:
                continue
            key, value = "", b""
            for part, part_wire, item in fields(entry):
                if part == 1 and part_wire == 2:
                    key = bytes(item).decode("utf-8")
                elif part == 2 and part_wire == 2:
                    value = item
            example.features[key] = _feature(value)
    return example


def _field(name: int, wire: int, payload: bytes) -> bytes:
    return _encode_varint(name << 3 | wire) + payload


def _encode_varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def length_delimited(number: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field (for writing messages)."""
    return _field(number, 2, _encode_varint(len(payload)) + payload)


def varint_field(number: int, value: int) -> bytes:
    """One varint protobuf field (for writing messages)."""
    return _field(number, 0, _encode_varint(value))


def serialize_example(features: dict[str, list[bytes] | list[int]]) -> bytes:
    """A ``tf.train.Example`` of bytes and int64 features, as TensorFlow writes it."""
    entries = b""
    for key, values in features.items():
        if all(isinstance(v, bytes) for v in values):
            inner = b"".join(length_delimited(1, v) for v in values if isinstance(v, bytes))
            feature = length_delimited(1, inner)
        else:
            packed = b"".join(_encode_varint(v) for v in values if isinstance(v, int))
            feature = length_delimited(3, length_delimited(1, packed))
        entry = length_delimited(1, key.encode()) + length_delimited(2, feature)
        entries += length_delimited(1, entry)
    return length_delimited(1, entries)
