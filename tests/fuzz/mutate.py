"""Seeds and mutants: pydicom's wheel files and dicomhelp's own objects, damaged at structural points.

Every mutant is derived from a seed by a seeded :class:`random.Random`, so a
``(seed, index)`` pair always gives the same bytes. Cut points come from the
structure scan of :mod:`dicomhelp.io.scan` (element, item, delimiter and
fragment headers, value starts).
"""

from __future__ import annotations

import io
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# PHI markers planted in every seed: an anonymize output must hold none of them.
MARKER_KEYWORDS = ("PatientName", "PatientID", "InstitutionName", "ReferringPhysicianName", "AccessionNumber",
                   "OperatorsName")
# Small files of the wheel covering the encodings: explicit/implicit/big endian, no meta, encapsulated
# (JPEG 2000, JPEG-LS, RLE), SR, RT, private and UN sequences, odd lengths.
WHEEL_SEEDS = (
    "CT_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_RLE.dcm", "JPEG2000.dcm",
    "MR_small_jpeg_ls_lossless.dcm", "SC_rgb_small_odd.dcm", "reportsi.dcm", "test-SR.dcm", "rtplan.dcm",
    "nested_priv_SQ.dcm", "UN_sequence.dcm", "no_meta.dcm", "ExplVR_BigEndNoMeta.dcm", "image_dfl.dcm",
)


@dataclass(frozen=True)
class Seed:
    name: str
    data: bytes
    boundaries: tuple[tuple[int, str], ...]
    markers: tuple[str, ...]


def boundaries_of(data: bytes) -> tuple[tuple[int, str], ...]:
    from dicomhelp.io import scan_structure

    found: list[tuple[int, str]] = []
    scan_structure(io.BytesIO(data), len(data), boundaries=found)
    return tuple(found)


def _with_markers(path: Path, tag: str, out: Path) -> tuple[bytes, tuple[str, ...]]:
    """Plant one distinct marker per identifying attribute (top level, and in a nested item)."""
    from pydicom import Dataset
    from pydicom.sequence import Sequence

    from dicomhelp.edit.files import read_for_edit, write_like_source

    ds = read_for_edit(path, strict=False)
    markers = []
    for n, keyword in enumerate(MARKER_KEYWORDS):
        value = f"FZQ{tag}{n}X"
        setattr(ds, keyword, value)
        markers.append(value)
    item = Dataset()
    item.PatientName = f"FZQ{tag}NX"
    markers.append(item.PatientName)
    ds.OtherPatientIDsSequence = Sequence([item])
    write_like_source(ds, out)  # in the seed's own encoding (no file meta stays without one)
    return out.read_bytes(), tuple(markers)


def make_seeds(work: Path) -> list[Seed]:
    """The wheel seeds and the project's own objects (a sample CT and a result set: SR, GSPS, SC, PDF)."""
    import warnings

    from dicomhelp.errors import DicomHelpError
    from dicomhelp.create.results import create_results, example_spec_path
    from dicomhelp.io import iter_files, sample_file
    from dicomhelp.samples import make_sample_study
    from dicomhelp.uids import UIDPolicy

    paths = [sample_file(n) for n in WHEEL_SEEDS]
    study = work / "study"
    if not study.exists():
        make_sample_study(study, slices=4, uid_policy=UIDPolicy(seed="fuzz"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            create_results(example_spec_path(), study, work / "results", uid_policy=UIDPolicy(seed="fuzz"),
                           with_source=False)
    paths += [p for p in iter_files([study, work / "results"]) if p.name != "DICOMDIR"][3:]
    seeds = []
    for i, path in enumerate(paths):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                data, markers = _with_markers(path, f"{i:02d}", work / "marked" / f"{i:02d}.dcm")
            except DicomHelpError:  # not a DICOM file to dicomhelp (no_meta.dcm holds no element it knows)
                continue
        seeds.append(Seed(path.name if i < len(WHEEL_SEEDS) else f"own-{path.parent.name}-{path.name}",
                          data, boundaries_of(data), markers))
    return seeds


# -- mutators: (data, boundaries, rng) -> bytes ----------------------------------------------------------

Mutator = Callable[[bytes, tuple[tuple[int, str], ...], random.Random], bytes]


def _pick(bounds: tuple[tuple[int, str], ...], rng: random.Random, *kinds: str) -> int | None:
    chosen = [o for o, k in bounds if not kinds or k in kinds]
    return rng.choice(chosen) if chosen else None


def _long_length_at(data: bytes, header: int) -> int | None:
    """Offset of the 4-byte length of the explicit VR element at ``header``, or None for a 2-byte one."""
    vr = data[header + 4:header + 6]
    if data[header:header + 2] == b"\xfe\xff" or not vr.isalpha():
        return header + 4  # item / delimiter, or implicit VR: 4-byte length after the tag
    if vr in (b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"UC", b"UN", b"UR", b"UT", b"SV", b"UV"):
        return header + 8
    return None


def truncate(data, bounds, rng):  # type: ignore[no-untyped-def]
    at = _pick(bounds, rng)
    cut = (at or len(data) // 2) + rng.choice((0, 0, 0, 1, 2, 4, 6, 7))
    return data[:max(cut, 1)]


def flip_header(data, bounds, rng):  # type: ignore[no-untyped-def]
    at = _pick(bounds, rng, "element", "sequence", "item", "item-end", "sequence-end", "fragment") or 0
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        i = min(at + rng.randrange(12), len(out) - 1)
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def _set_length(data: bytes, header: int, value: int) -> bytes:
    where = _long_length_at(data, header)
    out = bytearray(data)
    if where is None:
        out[header + 6:header + 8] = struct.pack("<H", value & 0xFFFF)
    elif where + 4 <= len(out):
        out[where:where + 4] = struct.pack("<L", value & 0xFFFFFFFF)
    return bytes(out)


def undefined_length(data, bounds, rng):  # type: ignore[no-untyped-def]
    at = _pick(bounds, rng, "element", "sequence", "item", "fragment")
    return data if at is None else _set_length(data, at, 0xFFFFFFFF)


def huge_length(data, bounds, rng):  # type: ignore[no-untyped-def]
    at = _pick(bounds, rng, "element", "sequence", "item", "fragment")
    value = rng.choice((0xFFFFFFFE, 0x7FFFFFFF, 0x80000000, len(data) * 1000, 0xFFFF, 0xFFFE))
    return data if at is None else _set_length(data, at, value)


def odd_length(data, bounds, rng):  # type: ignore[no-untyped-def]
    at = _pick(bounds, rng, "element", "item", "fragment")
    if at is None:
        return data
    where = _long_length_at(data, at)
    if where is None:
        (length,) = struct.unpack_from("<H", data, at + 6)
    elif where + 4 <= len(data):
        (length,) = struct.unpack_from("<L", data, where)
    else:
        return data
    return _set_length(data, at, (length | 1) + rng.choice((0, 2, -2)))


def replace_vr(data, bounds, rng):  # type: ignore[no-untyped-def]
    at = _pick(bounds, rng, "element", "sequence")
    if at is None:
        return data
    out = bytearray(data)
    out[at + 4:at + 6] = rng.choice((b"SQ", b"UN", b"OB", b"UT", b"US", b"FD", b"AT", b"PN", b"\0\0", b"ZZ", b"xx"))
    return bytes(out)


def remove_meta(data, bounds, rng):  # type: ignore[no-untyped-def]
    start = 132 if data[128:132] == b"DICM" else 0
    for offset, kind in bounds:
        if kind in ("element", "sequence") and offset >= start and data[offset:offset + 2] != b"\x02\x00":
            return data[offset:] if rng.random() < 0.7 else data[128:132] + data[offset:]
    return data[start:]


def _nested(depth: int, *, close: bool, little: bool = True) -> bytes:
    e = "<" if little else ">"
    open_seq = struct.pack(e + "HH", 0x0040, 0xA730) + b"SQ\0\0" + struct.pack(e + "L", 0xFFFFFFFF)
    open_item = struct.pack(e + "HHL", 0xFFFE, 0xE000, 0xFFFFFFFF)
    body = (open_seq + open_item) * depth
    if close:
        body += (struct.pack(e + "HHL", 0xFFFE, 0xE00D, 0) + struct.pack(e + "HHL", 0xFFFE, 0xE0DD, 0)) * depth
    return body


def deep_nesting(data, bounds, rng):  # type: ignore[no-untyped-def]
    """A Content Sequence nested tens to thousands of levels, inserted at a top-level boundary."""
    tops = [o for o, k in bounds if k in ("element", "sequence") and data[o:o + 2] not in (b"\x02\x00",)]
    at = rng.choice(tops) if tops else len(data)
    nest = _nested(rng.choice((20, 99, 101, 150, 1000, 5000)), close=rng.random() < 0.6)
    return data[:at] + nest + data[at:]


def duplicate_element(data, bounds, rng):  # type: ignore[no-untyped-def]
    starts = sorted({o for o, k in bounds if k in ("element", "sequence", "item")})
    if len(starts) < 2:
        return data
    i = rng.randrange(len(starts) - 1)
    chunk = data[starts[i]:starts[i + 1]]
    return data[:starts[i + 1]] + chunk * rng.choice((1, 1, 2, 50)) + data[starts[i + 1]:]


def flip_anywhere(data, bounds, rng):  # type: ignore[no-untyped-def]
    out = bytearray(data)
    limit = min(len(out), 4096)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(limit)] = rng.randrange(256)
    return bytes(out)


MUTATORS: dict[str, Mutator] = {
    "truncate": truncate, "flip-header": flip_header, "length-ffffffff": undefined_length,
    "length-huge": huge_length, "odd-length": odd_length, "vr-replaced": replace_vr, "meta-removed": remove_meta,
    "deep-nesting": deep_nesting, "duplicated-tag": duplicate_element, "byte-flips": flip_anywhere,
}


@dataclass(frozen=True)
class Mutant:
    index: int
    seed: Seed
    mutator: str
    data: bytes

    @property
    def label(self) -> str:
        return f"#{self.index} {self.mutator} of {self.seed.name}"


def mutants(seeds: list[Seed], count: int, seed: int) -> list[Mutant]:
    """``count`` mutants, deterministic for ``seed``: seeds and mutators in turn, one or two mutations each."""
    rng = random.Random(seed)
    names = list(MUTATORS)
    out = []
    for index in range(count):
        base = seeds[index % len(seeds)]
        mutator = names[(index // len(seeds) + index) % len(names)]
        data = MUTATORS[mutator](base.data, base.boundaries, rng)
        if rng.random() < 0.2:  # a second mutation on the damaged file
            extra = rng.choice(names)
            data = MUTATORS[extra](data, tuple(b for b in base.boundaries if b[0] < len(data) - 8) or base.boundaries,
                                   rng)
            mutator = f"{mutator}+{extra}"
        out.append(Mutant(index, base, mutator, data))
    return out
