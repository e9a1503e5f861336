"""The UID policy: every UID the project writes comes from here.

- An organisation root (``--uid-root`` or ``DICOMHELP_UID_ROOT``) gives
  ``<root>.<digits>``; without one, ``2.25.<integer of a UUID>`` (PS3.5 B.2),
  never pydicom's example prefix.
- A seed (``--uid-seed`` or ``DICOMHELP_UID_SEED``) makes UIDs deterministic:
  the same seed and the same inputs give the same UID, so re-running a
  creation replaces objects in a PACS instead of duplicating them.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from dataclasses import dataclass

from dicomhelp.errors import UsageError

ENV_ROOT = "DICOMHELP_UID_ROOT"
ENV_SEED = "DICOMHELP_UID_SEED"
PYDICOM_EXAMPLE_ROOT = "1.2.826.0.1.3680043.8.498."
MAX_UID_LENGTH = 64
_ROOT_RE = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")


def check_root(root: str) -> str:
    """Return ``root`` without a trailing dot, or raise a :class:`UsageError`."""
    root = root.strip().rstrip(".")
    if not _ROOT_RE.match(root):
        raise UsageError(
            f"bad UID root '{root}': digits separated by dots, no leading zeros",
            hint="e.g. 1.2.826.0.1.3680043.10.1234",
        )
    if len(root) > 40:
        raise UsageError(f"UID root '{root}' is {len(root)} characters; keep it at 40 or fewer to leave room")
    if (root + ".").startswith(PYDICOM_EXAMPLE_ROOT):
        raise UsageError("pydicom's example UID root is for examples only", hint="use your organisation's root")
    return root


def is_valid_uid(uid: str) -> bool:
    return 0 < len(uid) <= MAX_UID_LENGTH and bool(_ROOT_RE.match(uid))


@dataclass(frozen=True)
class UIDPolicy:
    """How new UIDs are made. ``UIDPolicy.from_env()`` reads the environment."""

    root: str | None = None
    seed: str | None = None

    def __post_init__(self) -> None:
        if self.root is not None:
            object.__setattr__(self, "root", check_root(self.root))

    @classmethod
    def from_env(cls, root: str | None = None, seed: str | None = None) -> UIDPolicy:
        """Options win over the environment; empty values count as unset."""
        return cls(root=root or os.environ.get(ENV_ROOT) or None, seed=seed or os.environ.get(ENV_SEED) or None)

    @property
    def deterministic(self) -> bool:
        return self.seed is not None

    def new(self, *inputs: object) -> str:
        """A new UID; with a seed it depends only on the seed and ``inputs``.

        Callers pass what identifies the object, e.g. ``("series", source
        study UID, "SR")``, so that each object of a re-run gets its old UID.
        """
        if self.seed is not None:
            digest = hashlib.sha256("\x1f".join([self.seed, *map(str, inputs)]).encode("utf-8")).digest()
            number = int.from_bytes(digest[:16], "big")
        else:
            number = uuid.uuid4().int
        if self.root is None:
            if self.seed is not None:
                # Make the hash a valid version-4-like UUID so the 2.25 form is well formed.
                number = uuid.UUID(int=number, version=4).int
            return f"2.25.{number}"
        room = MAX_UID_LENGTH - len(self.root) - 1
        suffix = str(number)[:room].lstrip("0") or "1"
        return f"{self.root}.{suffix}"


def default_policy() -> UIDPolicy:
    return UIDPolicy.from_env()
