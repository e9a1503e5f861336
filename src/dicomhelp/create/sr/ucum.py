"""UCUM unit expressions: parse (syntax and atoms) so a typo like ``mmm`` is caught when writing.

This is the UCUM grammar (unitsofmeasure.org, §2) with the atoms that
measurements in imaging use; it does not convert units. An expression that
parses but is not in pydicom's short UCUM list is fine (UCUM is a grammar, not
a list), and is reported as information only.
"""

from __future__ import annotations

import re
from functools import lru_cache

PREFIXES = ("da", "Y", "Z", "E", "P", "T", "G", "M", "k", "h", "d", "c", "m", "u", "n", "p", "f", "a", "z", "y",
            "Ki", "Mi", "Gi", "Ti")
# Metric atoms take prefixes (UCUM tables 1-6, the ones imaging uses).
METRIC = frozenset("""
m s g rad K C cd mol sr Hz N Pa J W A V F Ohm S Wb Cel T H lm lx Bq Gy Sv l L ar t bar u eV pc [c] [h] [k]
[eps_0] [mu_0] [e] [m_e] [m_p] [G] [g] [ly] gf Ky Gal dyn erg P St Mx G Oe Gb sb Lmb ph Ci R RAD REM
m[Hg] m[H2O] eq osm g% kat U [iU] [IU] B B[SPL] B[V] B[mV] B[uV] B[10.nV] B[W] B[kW] bit By Bd [CFU] mho
""".split())
NON_METRIC = frozenset("""
10* 10^ [pi] % [ppth] [ppm] [ppb] [pptr] gon deg ' '' min h d wk mo mo_j mo_g mo_s a a_j a_g a_t [in_i] [ft_i]
[yd_i] [mi_i] [lb_av] [oz_av] [degF] [degR] [hnsf'U] [arb'U] [HPF] [LPF] [pH] [drp] [psi] [MET] [diop] [p'diop]
%[slope] [mesh_i] [Ch] [S] [hp'_X] [hp'_C] [kp_X] [kp_C] [USP'U] [GPL'U] [MPL'U] [APL'U] [beth'U] [todd'U]
[dye'U] [smgy'U] [bdsk'U] [ka'U] [knk'U] [mclg'U] [tb'U] [PFU] [FFU] [BAU] [AU] [Amb'a'1'U] [PNU] [Lf] [D'ag'U]
[tbs_us] [tsp_us] [foz_us] [gal_us] [pt_us] [qt_us] [cup_us] [in_us] [ft_us] [mi_us] [gr] [ston_av] [car_m]
circ sph [PRU] [wood'U] [smi_us] [lb_tr] [oz_tr] [in_br] [ft_br] [nmi_i] [kn_i] [sin_i] [sft_i] [syd_i] [cin_i] [cft_i] [cyd_i]
""".split())

_EXPONENT = re.compile(r"^(.*?[^\d+\-])([+-]?\d+)$")


class UCUMError(ValueError):
    pass


def check(expression: str) -> None:
    """Raise :class:`UCUMError` naming the problem when ``expression`` is not a UCUM unit."""
    if not expression or expression != expression.strip() or " " in expression:
        raise UCUMError("a UCUM unit has no spaces and is not empty")
    text = expression[1:] if expression.startswith("/") else expression
    pos = _term(text, 0)
    if pos != len(text):
        raise UCUMError(f"unexpected '{text[pos]}' at position {pos + 1}")


def is_valid(expression: str) -> bool:
    try:
        check(expression)
    except UCUMError:
        return False
    return True


def _term(text: str, pos: int) -> int:
    pos = _component(text, pos)
    while pos < len(text) and text[pos] in "./":
        pos = _component(text, pos + 1)
    return pos


def _component(text: str, pos: int) -> int:
    if pos >= len(text):
        raise UCUMError("the expression ends where a unit is expected")
    if text[pos] == "(":
        pos = _term(text, pos + 1)
        if pos >= len(text) or text[pos] != ")":
            raise UCUMError("a '(' is not closed")
        pos += 1
        return _annotation(text, pos)
    if text[pos] == "{":
        pos = _annotation(text, pos)
        # PS3.16 writes some units annotation first ({SUVbw}g/ml, CID 85): a unit may follow it.
        return _component(text, pos) if pos < len(text) and text[pos] not in "./()" else pos
    end = pos
    depth = 0
    while end < len(text):
        ch = text[end]
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif depth == 0 and ch in "./(){}":
            break
        end += 1
    if depth != 0:
        raise UCUMError("a '[' is not closed")
    _simple(text[pos:end])
    return _annotation(text, end)


def _annotation(text: str, pos: int) -> int:
    if pos < len(text) and text[pos] == "{":
        close = text.find("}", pos)
        if close < 0:
            raise UCUMError("a '{' annotation is not closed")
        return close + 1
    return pos


def _simple(symbol: str) -> None:
    if not symbol:
        raise UCUMError("a unit is missing between operators")
    if symbol.isdigit():
        return  # a factor
    if symbol.startswith(("10*", "10^")):
        rest = symbol[3:]
        if re.fullmatch(r"[+-]?\d+", rest):
            return
        raise UCUMError(f"'{symbol}': 10* needs an exponent like 10*3")
    atom = symbol
    match = _EXPONENT.match(symbol)
    if match and not _is_atom(symbol):
        atom = match.group(1)
    if not _is_atom(atom):
        raise UCUMError(f"'{atom}' is not a UCUM unit")


def _is_atom(symbol: str) -> bool:
    if symbol in METRIC or symbol in NON_METRIC:
        return True
    return any(symbol.startswith(p) and symbol[len(p):] in METRIC for p in PREFIXES)


@lru_cache(maxsize=1)
def short_list() -> dict[str, str]:
    """pydicom's UCUM codes: value → meaning."""
    from pydicom.sr._concepts_dict import concepts

    out: dict[str, str] = {}
    for by_value in concepts.get("UCUM", {}).values():
        for value, (meaning, _cids) in by_value.items():
            out.setdefault(value, meaning)
    return out


# -- plain words -------------------------------------------------------------------------------
# UCUM's names of the prefixes and of the atoms imaging uses (UCUM tables 1-6, c/s codes).
PREFIX_NAMES = {
    "Y": "yotta", "Z": "zetta", "E": "exa", "P": "peta", "T": "tera", "G": "giga", "M": "mega", "k": "kilo",
    "h": "hecto", "da": "deka", "d": "deci", "c": "centi", "m": "milli", "u": "micro", "n": "nano", "p": "pico",
    "f": "femto", "a": "atto", "z": "zepto", "y": "yocto", "Ki": "kibi", "Mi": "mebi", "Gi": "gibi", "Ti": "tebi",
}
ATOM_NAMES = {
    "m": "meter", "s": "second", "g": "gram", "rad": "radian", "K": "kelvin", "C": "coulomb", "cd": "candela",
    "mol": "mole", "sr": "steradian", "Hz": "hertz", "N": "newton", "Pa": "pascal", "J": "joule", "W": "watt",
    "A": "ampere", "V": "volt", "F": "farad", "Ohm": "ohm", "S": "siemens", "Wb": "weber", "Cel": "degree Celsius",
    "T": "tesla", "H": "henry", "lm": "lumen", "lx": "lux", "Bq": "becquerel", "Gy": "gray", "Sv": "sievert",
    "l": "liter", "L": "liter", "ar": "are", "t": "tonne", "bar": "bar", "u": "unified atomic mass unit",
    "eV": "electronvolt", "pc": "parsec", "Ci": "curie", "R": "roentgen", "RAD": "radiation absorbed dose",
    "REM": "roentgen equivalent man", "m[Hg]": "meter of mercury column", "m[H2O]": "meter of water column",
    "eq": "equivalent", "osm": "osmole", "g%": "gram percent", "kat": "katal", "U": "enzyme unit",
    "[iU]": "international unit", "[IU]": "international unit", "B": "bel", "B[SPL]": "bel sound pressure",
    "bit": "bit", "By": "byte", "Bd": "baud", "G": "gauss", "dyn": "dyne", "erg": "erg", "P": "poise",
    "St": "stokes", "[CFU]": "colony forming unit", "mho": "mho",
    "10*": "ten to the power", "10^": "ten to the power", "[pi]": "pi", "%": "percent",
    "[ppth]": "parts per thousand", "[ppm]": "parts per million", "[ppb]": "parts per billion",
    "gon": "gon (grade)", "deg": "degree", "'": "minute of arc", "''": "second of arc", "min": "minute",
    "h": "hour", "d": "day", "wk": "week", "mo": "month", "a": "year", "a_j": "mean Julian year",
    "[in_i]": "inch", "[ft_i]": "foot", "[yd_i]": "yard", "[mi_i]": "mile", "[lb_av]": "pound",
    "[oz_av]": "ounce", "[degF]": "degree Fahrenheit", "[hnsf'U]": "Hounsfield unit",
    "[arb'U]": "arbitrary unit", "[HPF]": "high power field", "[LPF]": "low power field", "[pH]": "pH",
    "[drp]": "drop", "[psi]": "pound per square inch", "[MET]": "metabolic equivalent", "[diop]": "diopter",
    "[p'diop]": "prism diopter", "%[slope]": "percent of slope", "[Ch]": "Charrière (French catheter gauge)",
    "[S]": "Svedberg unit", "[PFU]": "plaque forming unit", "[AU]": "allergen unit", "circ": "circle",
    "sph": "sphere", "[PRU]": "peripheral vascular resistance unit", "[wood'U]": "Wood unit",
}
_POWERS = {1: "", 2: "square ", 3: "cubic "}


def describe(expression: str) -> str:
    """A UCUM unit in plain words: ``mm2`` -> "square millimeter", ``ml/s`` -> "milliliter per second".

    Raises :class:`UCUMError` when the expression is not UCUM. Annotations
    (``{ratio}``) are kept in brackets: UCUM gives them no meaning of their own.
    """
    check(expression)
    if expression == "1":
        return "no unit (the number is a count, ratio or score: UCUM's unity)"
    text = expression
    words = ""
    if text.startswith("/"):
        words, text = "per ", text[1:]
    return (words + _describe_term(text)).strip()


def _describe_term(text: str) -> str:
    parts: list[str] = []
    start = depth = 0
    operators = [""]
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and ch in "./":
            parts.append(text[start:i])
            operators.append(ch)
            start = i + 1
    parts.append(text[start:])
    out = ""
    for op, part in zip(operators, parts):
        joined = {"": "", ".": " ", "/": " per "}[op]
        out += joined + _describe_component(part)
    return out


def _describe_component(part: str) -> str:
    annotation = ""
    m = re.search(r"\{([^}]*)\}$", part)
    if m:
        annotation, part = m.group(1), part[: m.start()]
        if not part:
            return f"{annotation}: no unit (UCUM's unity, annotated)"
    if part.startswith("(") and part.endswith(")"):
        words = f"({_describe_term(part[1:-1])})"
    elif part.isdigit():
        words = part
    elif part.startswith(("10*", "10^")):
        words = f"10 to the power {part[3:]}"
    else:
        words = _describe_simple(part)
    return f"{words} ({annotation})" if annotation else words


def _describe_simple(symbol: str) -> str:
    atom, power = symbol, 1
    match = _EXPONENT.match(symbol)
    if match and not _is_atom(symbol):
        atom, power = match.group(1), int(match.group(2))
    name = _atom_words(atom)
    if power < 0:
        return f"per {_POWERS.get(-power, '')}{name}" + (f" to the power {-power}" if -power > 3 else "")
    return f"{_POWERS.get(power, '')}{name}" + (f" to the power {power}" if power > 3 else "")


def _atom_words(atom: str) -> str:
    if atom in ATOM_NAMES:
        return ATOM_NAMES[atom]
    for prefix in sorted(PREFIX_NAMES, key=len, reverse=True):
        rest = atom[len(prefix):]
        if atom.startswith(prefix) and rest in METRIC and rest in ATOM_NAMES:
            return PREFIX_NAMES[prefix] + ATOM_NAMES[rest]
    return atom  # a valid atom without a name in the table: its symbol
