"""Bank packages: folders and zips read safely (bombs, traversal, links, sizes), each refusal naming the
entry and why; packages written back as zips that read the same."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile

import pytest

from quizapp.domain import packages
from quizapp.domain.packages import (
    BankError,
    BankPackage,
    package_hash,
    read_folder,
    read_yaml,
    read_zip,
    write_zip,
)

from ..media_data import image_bank, image_media, write_folder

YAML = "format: 1\nid: demo\n"


def make_zip(entries: dict[str, bytes], **infos) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            for key, value in infos.get(name, {}).items():
                setattr(info, key, value)
            archive.writestr(info, body)
    return out.getvalue()


def refusal(call, *args) -> list[str]:
    with pytest.raises(BankError) as refused:
        call(*args)
    return [str(p) for p in refused.value.problems]


def test_a_zip_with_bank_yaml_and_media_at_its_top():
    package = read_zip(make_zip({"bank.yaml": YAML.encode(), "media/a.png": b"A", "notes.txt": b"ignored"}), "b.zip")
    assert package.yaml_text == YAML and dict(package.media) == {"media/a.png": b"A"}
    assert package.source_name == "b.zip:bank.yaml"


def test_a_zip_with_everything_inside_one_top_folder():
    data = make_zip({"demo/bank.yaml": YAML.encode(), "demo/media/a.png": b"A", "__MACOSX/demo/._a.png": b"x"})
    package = read_zip(data, "b.zip")
    assert dict(package.media) == {"media/a.png": b"A"} and package.source_name == "b.zip:demo/bank.yaml"


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"bank.yaml": b"x", "../evil.png": b"x"}, "b.zip: ../evil.png: climbs out of the package (..)"),
        ({"bank.yaml": b"x", "media/../../evil": b"x"}, "b.zip: media/../../evil: climbs out of the package"),
        ({"bank.yaml": b"x", "/etc/passwd": b"x"}, "b.zip: /etc/passwd: has an absolute path"),
        ({"bank.yaml": b"x", "C:/evil.png": b"x"}, "b.zip: C:/evil.png: has an absolute path"),
        ({"bank.yaml": b"x", "media\\..\\evil.png": b"x"}, "b.zip: media\\..\\evil.png: has a backslash"),
        ({"bank.yaml": b"x", "media//a.png": b"x"}, "b.zip: media//a.png: has an empty, '.' or control-character"),
        ({"media/a.png": b"x"}, "b.zip: no bank.yaml at the top of the zip (or inside its one top folder)"),
        ({"a/bank.yaml": b"x", "b/bank.yaml": b"x"}, "b.zip: no bank.yaml at the top"),
    ],
    ids=["dotdot", "dotdot-inside", "absolute", "drive", "backslash", "empty-part", "no-bank", "two-tops"],
)
def test_unsafe_or_unexpected_zips_are_refused_naming_the_entry(entries, message):
    assert message in "\n".join(refusal(read_zip, make_zip(entries), "b.zip"))


def test_a_symbolic_link_in_a_zip_is_refused():
    link = {"external_attr": (stat.S_IFLNK | 0o777) << 16, "create_system": 3}
    data = make_zip({"bank.yaml": b"x", "media/a.png": b"/etc/passwd"}, **{"media/a.png": link})
    assert refusal(read_zip, data, "b.zip") == [
        "b.zip: media/a.png: is a symbolic link; put the file itself in the zip"
    ]


def test_an_encrypted_entry_is_refused():
    data = bytearray(make_zip({"bank.yaml": b"x"}))
    data[6] |= 0x1  # the local header's flags: encrypted
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 0x1  # and the central directory's
    assert refusal(read_zip, bytes(data), "b.zip") == [
        "b.zip: bank.yaml: is encrypted; zip the bank without a password"
    ]


def test_the_same_name_twice_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr("bank.yaml", b"a")
        archive.writestr("bank.yaml", b"b")
    assert refusal(read_zip, out.getvalue(), "b.zip") == ["b.zip: bank.yaml: appears twice in the zip"]


def test_what_is_not_a_zip_is_refused():
    assert refusal(read_zip, b"PK\x03\x04 not really", "b.zip") == ["b.zip: is not a valid .zip file"]


def test_a_zip_bomb_is_stopped_by_the_bytes_it_really_unpacks(monkeypatch):
    """The entry says how big it is, but only the bytes read count: reading stops at the limit."""
    monkeypatch.setattr(packages, "MAX_FILE_BYTES", 1024 * 1024)
    data = make_zip({"bank.yaml": b"x", "media/bomb.png": b"\0" * (8 * 1024 * 1024)})
    assert len(data) < 20_000  # eight megabytes of zeros pack small
    assert refusal(read_zip, data, "b.zip") == ["b.zip: media/bomb.png: unpacks to more than 1 MB"]


def test_a_zip_whose_header_understates_an_entry_is_refused_as_damaged():
    data = bytearray(make_zip({"bank.yaml": b"x", "media/bomb.png": b"\0" * 100_000}))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local and central headers
        start = 0
        while (at := data.find(signature, start)) != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + 14] == b"media/bomb.png":
                data[at + offset : at + offset + 4] = (10).to_bytes(4, "little")
            start = at + 4
    assert refusal(read_zip, bytes(data), "b.zip") == [
        "b.zip: media/bomb.png: is damaged or packed in a way that cannot be read"
    ]


def test_a_zip_that_unpacks_to_too_much_in_all_is_refused_before_reading(monkeypatch):
    monkeypatch.setattr(packages, "MAX_PACKAGE_BYTES", 1024 * 1024)
    data = make_zip({"bank.yaml": b"x", **{f"media/{i}.png": b"\0" * 300_000 for i in range(4)}})
    assert refusal(read_zip, data, "b.zip") == ["b.zip: the zip unpacks to more than 1 MB"]


def test_a_zip_with_too_many_entries_is_refused(monkeypatch):
    monkeypatch.setattr(packages, "MAX_ENTRIES", 5)
    data = make_zip({"bank.yaml": b"x", **{f"media/{i}.png": b"" for i in range(5)}})
    assert refusal(read_zip, data, "b.zip") == ["b.zip: the zip holds 6 entries; a bank may have at most 5"]


def test_a_big_upload_is_refused_at_once(monkeypatch):
    monkeypatch.setattr(packages, "MAX_PACKAGE_BYTES", 100)
    assert refusal(read_zip, b"\0" * 101, "b.zip") == ["b.zip: the zip is larger than 0 MB"]


def test_bank_yaml_that_is_not_utf8_is_refused_with_its_place():
    data = make_zip({"bank.yaml": b"format: 1\nid: d\xe9mo\n"})
    assert refusal(read_zip, data, "b.zip") == ["b.zip:bank.yaml:2:6: the file is not valid UTF-8 text"]


def test_a_folder_bank(tmp_path):
    folder = write_folder(tmp_path / "pictures")
    (folder / "README.txt").write_text("ignored")
    (folder / "media" / ".DS_Store").write_bytes(b"ignored")
    package = read_folder(folder)
    assert package.yaml_text == image_bank() and dict(package.media) == image_media()
    assert package.source_name == str(folder / "bank.yaml")


def test_a_folder_without_bank_yaml_is_refused(tmp_path):
    assert "no bank.yaml in this folder" in refusal(read_folder, tmp_path)[0]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links on this system")
def test_links_and_subfolders_in_media_are_refused(tmp_path):
    folder = write_folder(tmp_path / "pictures")
    (folder / "media" / "passwd.png").symlink_to("/etc/passwd")
    (folder / "media" / "more").mkdir()
    assert refusal(read_folder, folder) == [
        f"{folder / 'bank.yaml'}: media/more: is a folder; media/ holds files only, no subfolders",
        f"{folder / 'bank.yaml'}: media/passwd.png: is a symbolic link; put the file itself in media/",
    ]


def test_a_file_too_big_in_a_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(packages, "MAX_FILE_BYTES", 1000)
    folder = write_folder(tmp_path / "pictures", media={"media/big.png": b"\0" * 1001})
    assert refusal(read_folder, folder) == [f"{folder / 'bank.yaml'}: media/big.png: is larger than 0 MB"]


def test_a_package_written_as_a_zip_reads_back_the_same_and_always_gives_the_same_bytes():
    package = BankPackage(image_bank(), image_media(), "x")
    data = write_zip(package, "pictures")
    assert data == write_zip(package, "pictures")
    again = read_zip(data, "p.zip")
    assert (again.yaml_text, dict(again.media)) == (package.yaml_text, dict(package.media))
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == [
        "pictures/bank.yaml",
        "pictures/media/heart.png",
        "pictures/media/right.jpg",
    ]


def test_the_hash_of_a_bank_without_media_is_that_of_its_file():
    data = image_bank().encode()
    assert package_hash(read_yaml(data, "b.yaml")) == hashlib.sha256(data).hexdigest()
    with_media = BankPackage(image_bank(), image_media())
    other_media = BankPackage(image_bank(), {**image_media(), "media/heart.png": b"changed"})
    assert len({package_hash(read_yaml(data, "b.yaml")), package_hash(with_media), package_hash(other_media)}) == 3


def test_a_path_too_long_is_refused():
    name = "media/" + "a" * 250 + ".png"
    assert refusal(read_zip, make_zip({"bank.yaml": b"x", name: b"x"}), "b.zip") == [
        f"b.zip: {name}: has a path longer than 255 characters"
    ]
