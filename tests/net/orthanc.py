"""A real Orthanc for the network tests: its own process, config, storage and loopback ports."""

from __future__ import annotations

import base64
import json
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support import missing

AET = "ORTHANC"
USER, PASSWORD = "dicomhelp", "test-only-password"
RECEIVER_AET = "DICOMHELP_RX"
DICOMWEB_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Orthanc:
    root: Path
    dicom_port: int
    http_port: int
    receiver_port: int
    tls: Path | None = None  # a folder from make_certificates: DICOM over TLS only
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.root / "orthanc.log"

    @property
    def peer(self) -> str:
        return f"{AET}@127.0.0.1:{self.dicom_port}"

    def config(self) -> dict[str, object]:
        storage = str(self.root / "storage")
        return {
            "Name": "dicomhelp-tests", "StorageDirectory": storage, "IndexDirectory": storage,
            "DicomAet": AET, "DicomPort": self.dicom_port, "HttpPort": self.http_port,
            "RemoteAccessAllowed": False, "AuthenticationEnabled": True, "RegisteredUsers": {USER: PASSWORD},
            "DicomCheckCalledAet": True, "DicomAlwaysAllowStore": True, "DicomAlwaysAllowEcho": True,
            "DicomAlwaysAllowFind": True, "DicomAlwaysAllowGet": True, "DicomAlwaysAllowMove": True,
            "DicomModalities": {"receiver": [RECEIVER_AET, "127.0.0.1", self.receiver_port]},
            # A peer that takes only uncompressed RLE and JPEG: send must decode (lossless) or refuse (lossy).
            "RleTransferSyntaxAccepted": False, "JpegTransferSyntaxAccepted": False,
            "StorageCompression": False, "OverwriteInstances": False,
            "Plugins": [str(DICOMWEB_PLUGIN)] if DICOMWEB_PLUGIN.exists() else [],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/"},
            **({"DicomTlsEnabled": True, "DicomTlsCertificate": str(self.tls / "server.crt"),
                "DicomTlsPrivateKey": str(self.tls / "server.key"),
                "DicomTlsTrustedCertificates": str(self.tls / "ca.crt"),
                "DicomTlsRemoteCertificateRequired": False} if self.tls else {}),
        }

    def start(self) -> None:
        (self.root / "config.json").write_text(json.dumps(self.config(), indent=1))
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(["Orthanc", str(self.root / "config.json")], stdout=log,
                                            stderr=subprocess.STDOUT, cwd=self.root)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Orthanc exited {self.process.returncode}: {self.log.read_text()[-2000:]}")
            try:
                self.rest("/system")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
        raise RuntimeError(f"Orthanc did not answer /system in 30 s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.process = None

    def request(self, path: str, data: bytes | None = None) -> bytes:
        req = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}", data=data)
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(req, timeout=30) as rsp:
            return rsp.read()

    def rest(self, path: str, data: bytes | None = None) -> object:
        return json.loads(self.request(path, data))

    def instance_id(self, sop_instance_uid: str) -> str:
        found = self.rest("/tools/lookup", sop_instance_uid.encode())
        ids = [x["ID"] for x in found if x["Type"] == "Instance"]  # type: ignore[union-attr]
        assert len(ids) == 1, (sop_instance_uid, found)
        return str(ids[0])

    def file_of(self, sop_instance_uid: str) -> bytes:
        return self.request(f"/instances/{self.instance_id(sop_instance_uid)}/file")

    def count_of(self, sop_instance_uid: str) -> int:
        found = self.rest("/tools/lookup", sop_instance_uid.encode())
        return sum(1 for x in found if x["Type"] == "Instance")  # type: ignore[union-attr]


def start_orthanc(root: Path, *, tls: Path | None = None) -> Orthanc:
    if shutil.which("Orthanc") is None:
        missing("Orthanc is not installed (apt-get install orthanc orthanc-dicomweb; see .ci/run)")
    root.mkdir(parents=True, exist_ok=True)
    server = Orthanc(root, free_port(), free_port(), free_port(), tls)
    server.start()
    return server


def dcmtk_tool(name: str) -> str:
    """A DCMTK tool from PATH, never the venv's: pynetdicom installs its own storescu, findscu, ... there."""
    import os
    import sys

    venv_bin = os.path.dirname(sys.executable)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != venv_bin)
    found = shutil.which(name, path=path + os.pathsep + "/usr/bin")
    if found is None:
        missing(f"DCMTK's {name} is not installed (apt-get install dcmtk)")
    return found


def make_certificates(folder: Path) -> Path:
    """A test CA and a server certificate for 127.0.0.1 it signed (ca.crt, server.crt, server.key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        missing("openssl is not installed (apt-get install openssl)")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    for args in (["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                  "-subj", "/CN=dicomhelp test CA"],
                 ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                  "-subj", "/CN=127.0.0.1"],
                 ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                  "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf"]):
        subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True, timeout=60)
    return folder
