"""The 34 value representations of PS3.5 section 6.2, in plain words.

Written from PS3.5 Table 6.2-1 (2024 edition onwards; same content since the
2019 editions that added OV, SV and UV). Lengths are in bytes per value.
"""

from __future__ import annotations

from dicomhelp.standard.model import VRInfo

_DEFAULT = "default character repertoire (ASCII letters, digits, space and punctuation, no backslash)"
_TEXT = "the Specific Character Set (0008,0005); backslash allowed, control characters only CR LF FF ESC TAB"

_ROWS: tuple[tuple[str, str, int | None, str, str, str], ...] = (
    ("AE", "Application Entity", 16, _DEFAULT,
     "A name of a DICOM application (its AE title); leading and trailing spaces are not significant; "
     "a value of only spaces is not allowed.", "STORESCP"),
    ("AS", "Age String", 4, "digits 0-9 and one of D W M Y",
     "nnnD, nnnW, nnnM or nnnY: an age in days, weeks, months or years, always 4 characters.", "045Y"),
    ("AT", "Attribute Tag", 4, "binary",
     "An ordered pair of 16-bit unsigned integers: the group and element of a data element tag.",
     "(0018,00FF)"),
    ("CS", "Code String", 16, "upper-case letters, digits 0-9, space and underscore",
     "A short code from a list the standard defines (enumerated values or defined terms); "
     "leading and trailing spaces are not significant.", "ORIGINAL"),
    ("DA", "Date", 8, "digits 0-9 (and '-' for ranges in queries)",
     "YYYYMMDD: a calendar date (in queries also a range YYYYMMDD-YYYYMMDD).", "20240131"),
    ("DS", "Decimal String", 16, "digits 0-9, + - E e and the period",
     "A fixed or floating point number written as text, at most 16 characters; "
     "leading and trailing spaces allowed.", "-12.5E3"),
    ("DT", "Date Time", 26, "digits 0-9, + - and the period",
     "YYYYMMDDHHMMSS.FFFFFF&ZZXX: a date and time with optional fractional seconds and UTC offset; "
     "trailing components may be omitted.", "20240131142501.25+0100"),
    ("FD", "Floating Point Double", 8, "binary", "An IEEE 754 64-bit floating point number.", "3.141592653589793"),
    ("FL", "Floating Point Single", 4, "binary", "An IEEE 754 32-bit floating point number.", "0.5"),
    ("IS", "Integer String", 12, "digits 0-9, + and -",
     "A whole number written as text, in the range -2^31 to 2^31-1; leading and trailing spaces allowed.",
     "512"),
    ("LO", "Long String", 64, _DEFAULT + " or the Specific Character Set",
     "A character string of at most 64 characters, without backslash and control characters; "
     "leading and trailing spaces are not significant.", "Head^First Series"),
    ("LT", "Long Text", 10240, _TEXT,
     "Text of one or more paragraphs, at most 10240 characters; trailing spaces are not significant.",
     "Patient moved during the scan."),
    ("OB", "Other Byte", None, "binary",
     "A stream of bytes whose meaning the attribute defines; padded to an even length with one byte.",
     "00 01 02 03"),
    ("OD", "Other Double", 2**32 - 8, "binary", "A stream of 64-bit IEEE 754 floating point numbers.",
     "0.0 1.5 2.25"),
    ("OF", "Other Float", 2**32 - 4, "binary", "A stream of 32-bit IEEE 754 floating point numbers.",
     "0.0 1.5 2.25"),
    ("OL", "Other Long", None, "binary", "A stream of 32-bit words whose encoding the attribute defines.",
     "00000001 00000002"),
    ("OV", "Other 64-bit Very Long", None, "binary",
     "A stream of 64-bit words whose encoding the attribute defines.", "0000000000000001"),
    ("OW", "Other Word", None, "binary",
     "A stream of 16-bit words (byte-swapped in big endian transfer syntaxes); pixel data is often OW.",
     "0000 0400 FFFF"),
    ("PN", "Person Name", 64, _DEFAULT + " or the Specific Character Set; ^ separates components, = groups",
     "Family^Given^Middle^Prefix^Suffix, up to three groups (alphabetic=ideographic=phonetic), "
     "each group at most 64 characters.", "Doe^Jane^^Dr."),
    ("SH", "Short String", 16, _DEFAULT + " or the Specific Character Set",
     "A character string of at most 16 characters, without backslash and control characters.", "CT01"),
    ("SL", "Signed Long", 4, "binary", "A signed 32-bit integer.", "-70000"),
    ("SQ", "Sequence of Items", None, "none (contains items, each a dataset)",
     "A sequence of zero or more items; each item is a nested dataset with its own elements.",
     "ReferencedSeriesSequence[0].SeriesInstanceUID"),
    ("SS", "Signed Short", 2, "binary", "A signed 16-bit integer.", "-1024"),
    ("ST", "Short Text", 1024, _TEXT,
     "Text of one or more paragraphs, at most 1024 characters; trailing spaces are not significant.",
     "Axial reconstruction, soft tissue kernel."),
    ("SV", "Signed 64-bit Very Long", 8, "binary", "A signed 64-bit integer.", "-5000000000"),
    ("TM", "Time", 14, "digits 0-9 and the period (and '-' for ranges in queries)",
     "HHMMSS.FFFFFF: a time of day; minutes, seconds and fractions may be omitted.", "142501.25"),
    ("UC", "Unlimited Characters", 2**32 - 2, _DEFAULT + " or the Specific Character Set",
     "A character string of unlimited length, without backslash and control characters; "
     "multiple values allowed.", "a very long identifier"),
    ("UI", "Unique Identifier (UID)", 64, "digits 0-9 and the period",
     "A dot-separated series of numbers, at most 64 characters, no leading zero in a component; "
     "padded with a NUL byte to an even length.", "1.2.840.10008.5.1.4.1.1.2"),
    ("UL", "Unsigned Long", 4, "binary", "An unsigned 32-bit integer.", "4096"),
    ("UN", "Unknown", None, "binary",
     "Bytes whose value representation is not known (e.g. a private element read in implicit VR).",
     "4A 6F 68 6E"),
    ("UR", "Universal Resource Identifier", 2**32 - 2, "characters allowed in URIs (RFC 3986)",
     "A URI or URL; leading spaces are not allowed, trailing spaces are ignored; a single value only.",
     "https://dicom.nema.org/"),
    ("US", "Unsigned Short", 2, "binary", "An unsigned 16-bit integer.", "512"),
    ("UT", "Unlimited Text", 2**32 - 2, _TEXT,
     "Text of unlimited length; trailing spaces are not significant; a single value only.",
     "A long report text."),
    ("UV", "Unsigned 64-bit Very Long", 8, "binary", "An unsigned 64-bit integer.", "18000000000"),
)

VRS: dict[str, VRInfo] = {row[0]: VRInfo(*row) for row in _ROWS}
