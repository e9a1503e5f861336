"""Who to talk to: ``AET@host:port``, or a name from the peers file.

The peers file is TOML, ``~/.config/dicomhelp/peers.toml`` (``DICOMHELP_PEERS``
names another one)::

    [peers.pacs]
    aet = "ORTHANC"          # the peer's (called) AE title
    host = "pacs.example.org"
    port = 4242
    calling_aet = "AI_RESULTS"   # ours, when the PACS knows us by another title
    tls = true                   # DICOM over TLS (PS3.15 B.1); then, optionally:
    tls_ca = "pacs-ca.pem"       # the CA that signed the PACS's certificate (default: the system's)
    tls_cert = "ours.pem"        # our certificate and key, when the PACS asks for one
    tls_key = "ours.key"
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from dicomhelp.errors import UsageError

DEFAULT_CALLING_AET = "DICOMHELP"
PEERS_ENV = "DICOMHELP_PEERS"
# PS3.5 6.2 (AE): 16 characters at most, no backslash, no control characters.
_AET = re.compile(r"^[\x20-\x5b\x5d-\x7e]{1,16}$")
_ADDRESS = re.compile(r"^(?P<aet>[^@]+)@(?P<host>\[[^\]]+\]|[^:]+):(?P<port>\d+)$")


@dataclass(frozen=True)
class Peer:
    aet: str
    host: str
    port: int
    calling_aet: str = DEFAULT_CALLING_AET
    name: str | None = None  # its name in the peers file
    tls: bool = False
    tls_ca: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None

    def __str__(self) -> str:
        return f"{self.aet}@{self.host}:{self.port}"

    def to_dict(self) -> dict[str, object]:
        return {"aet": self.aet, "host": self.host, "port": self.port, "calling_aet": self.calling_aet,
                "name": self.name, "tls": self.tls}


def check_aet(aet: str, source: str) -> str:
    if not _AET.match(aet) or not aet.strip():
        raise UsageError(f"'{aet}' is not an AE title", source=source,
                         hint="1 to 16 printable characters, no backslash")
    return aet.strip()


def peers_file() -> Path:
    return Path(os.environ.get(PEERS_ENV) or Path.home() / ".config" / "dicomhelp" / "peers.toml")


def parse_peer(text: str, *, calling_aet: str | None = None, tls: bool = False,
               tls_ca: str | None = None) -> Peer:
    """``AET@host:port`` or a peer's name in the peers file; ``calling_aet``, ``tls``, ``tls_ca`` override the file."""
    m = _ADDRESS.match(text)
    if m:
        port = _port(int(m["port"]), text)
        aet = check_aet(m["aet"], text)
        peer = Peer(aet, m["host"].strip("[]"), port, check_aet(calling_aet or DEFAULT_CALLING_AET, "--aet"))
    else:
        entry = _load_peers().get(text)
        if entry is None:
            raise UsageError(f"'{text}' is neither AET@host:port nor a peer in {peers_file()}",
                             hint="write it as ORTHANC@127.0.0.1:4242 or add it to the peers file")
        peer = _from_entry(text, entry, calling_aet)
    if tls or tls_ca:
        peer = replace(peer, tls=True, tls_ca=tls_ca or peer.tls_ca)
    for name in ("tls_ca", "tls_cert", "tls_key"):
        value = getattr(peer, name)
        if value and not Path(value).is_file():
            raise UsageError(f"no such file: {value}", source=name.replace("_", "-"), hint="check the path")
    return peer


def _from_entry(name: str, entry: object, calling_aet: str | None) -> Peer:
    source = f"{peers_file()}: peers.{name}"
    if not isinstance(entry, dict):
        raise UsageError("must be a table with aet, host and port", source=source)
    try:
        aet, host, port = str(entry["aet"]), str(entry["host"]), int(entry["port"])
    except (KeyError, TypeError, ValueError):
        raise UsageError("needs aet (text), host (text) and port (a number)", source=source) from None
    ours = calling_aet or str(entry.get("calling_aet", DEFAULT_CALLING_AET))
    files = {k: _beside(entry.get(k)) for k in ("tls_ca", "tls_cert", "tls_key")}
    return Peer(check_aet(aet, source), host, _port(port, source), check_aet(ours, source), name,
                bool(entry.get("tls", False)), **files)


def _beside(value: object) -> str | None:
    """A path from the peers file, relative to the file's folder."""
    if not value:
        return None
    return str(peers_file().parent / str(value))


def _port(port: int, source: str) -> int:
    if not 0 < port < 65536:
        raise UsageError(f"port {port} is out of range", source=source, hint="1 to 65535")
    return port


def _load_peers() -> dict[str, object]:
    path = peers_file()
    if not path.exists():
        return {}
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"not valid TOML: {exc}", source=str(path), hint="fix the peers file") from None
    peers = data.get("peers", {})
    if not isinstance(peers, dict):
        raise UsageError("'peers' must be a table of [peers.NAME] tables", source=str(path))
    return peers
