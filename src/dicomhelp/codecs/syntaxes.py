"""The transfer syntaxes dicomhelp writes: their UIDs, names and aliases, and which are lossy."""

from __future__ import annotations

from dataclasses import dataclass

from dicomhelp.errors import UsageError


EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"
RLE_LOSSLESS = "1.2.840.10008.1.2.5"
JPEG_LS_LOSSLESS = "1.2.840.10008.1.2.4.80"
JPEG_LS_NEAR_LOSSLESS = "1.2.840.10008.1.2.4.81"
JPEG_2000_LOSSLESS = "1.2.840.10008.1.2.4.90"
JPEG_2000 = "1.2.840.10008.1.2.4.91"


# Source syntaxes whose pixels have already lost information (JPEG baseline/extended, JPEG-LS
# near-lossless, JPEG 2000 and HTJ2K that may be lossy).
LOSSY_SOURCE_SYNTAXES = {
    "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.81",
    "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.93", "1.2.840.10008.1.2.4.203",
}


@dataclass(frozen=True)
class Syntax:
    name: str
    uid: str
    lossy: bool
    method: str | None  # Lossy Image Compression Method (0028,2114) when lossy
    description: str


SYNTAXES: dict[str, Syntax] = {
    s.name: s
    for s in (
        Syntax("none", EXPLICIT_VR_LITTLE_ENDIAN, False, None, "uncompressed, explicit VR little endian"),
        Syntax("rle-lossless", RLE_LOSSLESS, False, None, "RLE lossless: fast, modest gain, any viewer"),
        Syntax("jpeg-ls-lossless", JPEG_LS_LOSSLESS, False, None, "JPEG-LS lossless: best speed/size balance"),
        Syntax("jpeg-ls-near-lossless", JPEG_LS_NEAR_LOSSLESS, True, "ISO_14495_1",
               "JPEG-LS near-lossless: every pixel within --max-error of the original"),
        Syntax("jpeg2000-lossless", JPEG_2000_LOSSLESS, False, None, "JPEG 2000 lossless: small, slow"),
        Syntax("jpeg2000", JPEG_2000, True, "ISO_15444_1", "JPEG 2000 lossy at --ratio or --psnr"),
    )
}
ALIASES = {"explicit-vr-little-endian": "none", "explicit": "none", "uncompressed": "none", "rle": "rle-lossless",
           "jpeg-ls": "jpeg-ls-lossless", "jpeg2000-lossy": "jpeg2000"}
BY_UID = {s.uid: s for s in SYNTAXES.values()}


def syntax_by_name(name: str) -> Syntax:
    """A syntax by its dicomhelp name, an alias or its UID."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key in SYNTAXES:
        return SYNTAXES[key]
    if name.strip() in BY_UID:
        return BY_UID[name.strip()]
    raise UsageError(f"unsupported transfer syntax '{name}'", hint="choose one of " + ", ".join(SYNTAXES))
