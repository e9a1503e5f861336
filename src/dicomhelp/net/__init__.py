"""DICOM networking: echo, send, find, get and receive, through pynetdicom.

- :mod:`~dicomhelp.net.peers`: ``AET@host:port`` or a name from the peers file;
- :mod:`~dicomhelp.net.association`: associations, their failures and statuses in plain words;
- :mod:`~dicomhelp.net.journal`: what a peer has confirmed, so a re-run resends only the rest;
- :mod:`~dicomhelp.net.store`: received instances written atomically, named by UID;
- :mod:`~dicomhelp.net.echo`, :mod:`~dicomhelp.net.find`, :mod:`~dicomhelp.net.send`,
  :mod:`~dicomhelp.net.get`, :mod:`~dicomhelp.net.receive`: one service each;
- :mod:`~dicomhelp.net.web`: STOW-RS, QIDO-RS and WADO-RS through dicomweb-client, with the same results.

Callers import from here (``from dicomhelp.net import send_paths``); nothing
heavy is imported until a function runs.
"""

from dicomhelp.net.association import AssociationError, Timeouts
from dicomhelp.net.echo import EchoResult, echo
from dicomhelp.net.find import LEVELS, RETURN_KEYS, Query, find
from dicomhelp.net.get import RetrieveReport, get_study, move_study
from dicomhelp.net.peers import DEFAULT_CALLING_AET, Peer, parse_peer
from dicomhelp.net.receive import Arrival, start_receiver
from dicomhelp.net.send import CheckFailed, InstanceResult, SendReport, send_paths

__all__ = [
    "DEFAULT_CALLING_AET", "LEVELS", "RETURN_KEYS", "Arrival", "AssociationError", "CheckFailed", "EchoResult",
    "InstanceResult", "Peer", "Query", "RetrieveReport", "SendReport", "Timeouts", "echo", "find", "get_study",
    "move_study", "parse_peer", "send_paths", "start_receiver",
]
