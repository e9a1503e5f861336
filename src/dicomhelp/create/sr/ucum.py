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
        return _annotation(text, pos)
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
