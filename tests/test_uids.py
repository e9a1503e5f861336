import pytest

from dicomhelp.errors import UsageError
from dicomhelp.uids import UIDPolicy, is_valid_uid


def test_default_uids_are_2_25_and_unique():
    policy = UIDPolicy()
    a, b = policy.new(), policy.new()
    assert a.startswith("2.25.") and b.startswith("2.25.") and a != b
    assert is_valid_uid(a)


def test_root_is_used_and_uids_fit_64_chars():
    policy = UIDPolicy(root="1.2.826.0.1.3680043.10.1234")
    uid = policy.new()
    assert uid.startswith("1.2.826.0.1.3680043.10.1234.") and is_valid_uid(uid)


def test_seed_makes_uids_deterministic_per_input():
    p = UIDPolicy(seed="secret")
    assert p.new("series", "1.2.3") == UIDPolicy(seed="secret").new("series", "1.2.3")
    assert p.new("series", "1.2.3") != p.new("series", "1.2.4")
    assert p.new("x") != UIDPolicy(seed="other").new("x")
    assert is_valid_uid(p.new("x")) and is_valid_uid(UIDPolicy(root="1.2.3", seed="s").new("x"))


@pytest.mark.parametrize("root", ["1.2.826.0.1.3680043.8.498", "1..2", "01.2", "abc"])
def test_bad_roots_are_refused(root):
    with pytest.raises(UsageError):
        UIDPolicy(root=root)


def test_environment_is_read(monkeypatch):
    monkeypatch.setenv("DICOMHELP_UID_ROOT", "1.2.3.4")
    monkeypatch.setenv("DICOMHELP_UID_SEED", "s")
    p = UIDPolicy.from_env()
    assert p.root == "1.2.3.4" and p.deterministic
