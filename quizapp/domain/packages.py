"""A bank package: a bank's YAML text together with the media files it refers to.

A bank on disk is a single ``.yaml`` file, or a folder or ``.zip`` holding ``bank.yaml`` and a
``media/`` folder. Converters from other formats produce a package too, so every bank — written by hand
or converted — reaches the validator and the importer the same way.

The readers here are the only way a folder or a zip becomes a package, and they refuse what could hurt
the server before anything is parsed: a zip bomb (too many entries, or more bytes unpacked than
:data:`MAX_PACKAGE_BYTES` — counted as they are read, not as the zip's headers claim), paths that climb
out of the package (``..``), absolute paths, backslashes, symbolic links, encrypted entries, and any
file over :data:`MAX_FILE_BYTES`. Each refusal names the entry and says why.
"""

from __future__ import annotations

import hashlib
import io
import re
import stat
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from .yamlload import MAX_BYTES, BankError, Problem, decode

BANK_FILE = "bank.yaml"
MEDIA_DIR = "media"
MAX_FILE_BYTES = MAX_BYTES  # any one file of a package, bank.yaml or media (images have a lower limit)
MAX_PACKAGE_BYTES = 64 * 1024 * 1024  # everything a package holds, unpacked
MAX_ENTRIES = 1000  # files and folders in a zip
MAX_NAME = 255  # characters in a path inside a package
IGNORED = {".DS_Store", "Thumbs.db", "desktop.ini"}  # what file managers leave behind
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class BankPackage:
    """A bank's YAML text and its media, keyed by the path the bank uses (``media/x.png``)."""

    yaml_text: str
    media: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))
    source_name: str = BANK_FILE


def package_hash(package: BankPackage) -> str:
    """The SHA-256 of a package's content: for a bank without media, that of its YAML file's bytes."""
    digest = hashlib.sha256(package.yaml_text.encode("utf-8"))
    if not package.media:
        return digest.hexdigest()
    outer = hashlib.sha256(digest.digest())
    for name in sorted(package.media):
        outer.update(b"\0" + name.encode("utf-8") + b"\0" + hashlib.sha256(package.media[name]).digest())
    return outer.hexdigest()


def _refuse(source: str, entry: str, message: str) -> BankError:
    return BankError([Problem(source, 0, 0, entry, message)])


def _megabytes(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


def read_yaml(data: bytes, source_name: str) -> BankPackage:
    """A package of a single YAML file (no media)."""
    if len(data) > MAX_FILE_BYTES:
        raise _refuse(source_name, "", f"the file is larger than {_megabytes(MAX_FILE_BYTES)}")
    return BankPackage(decode(data, source_name), source_name=source_name)


def read_folder(folder: Path) -> BankPackage:
    """A package from a folder holding ``bank.yaml`` and, if the bank has images, ``media/``.

    Other files in the folder are ignored; symbolic links and subfolders of ``media/`` are refused.
    """
    source = str(folder / BANK_FILE)
    bank_file = folder / BANK_FILE
    if bank_file.is_symlink() or not bank_file.is_file():
        raise _refuse(
            str(folder), "", f"no {BANK_FILE} in this folder (or it is a link): a bank folder holds {BANK_FILE}"
        )
    problems: list[Problem] = []
    total = 0
    yaml_bytes = _read_file(bank_file, source, BANK_FILE, problems)
    total += len(yaml_bytes or b"")
    media: dict[str, bytes] = {}
    media_dir = folder / MEDIA_DIR
    if media_dir.is_symlink():
        problems.append(Problem(source, 0, 0, f"{MEDIA_DIR}/", "is a symbolic link; put the files themselves there"))
    elif media_dir.is_dir():
        entries = sorted(media_dir.iterdir())
        if len(entries) > MAX_ENTRIES:
            raise _refuse(source, f"{MEDIA_DIR}/", f"holds {len(entries)} files; a bank may have at most {MAX_ENTRIES}")
        for entry in entries:
            name = f"{MEDIA_DIR}/{entry.name}"
            if entry.name in IGNORED:
                continue
            mode = entry.lstat().st_mode
            if stat.S_ISLNK(mode):
                problems.append(Problem(source, 0, 0, name, "is a symbolic link; put the file itself in media/"))
            elif stat.S_ISDIR(mode):
                problems.append(Problem(source, 0, 0, name, "is a folder; media/ holds files only, no subfolders"))
            elif not stat.S_ISREG(mode):
                problems.append(Problem(source, 0, 0, name, "is not a regular file"))
            elif (data := _read_file(entry, source, name, problems)) is not None:
                total += len(data)
                if total > MAX_PACKAGE_BYTES:
                    raise _refuse(source, name, f"the bank's files add up to more than {_megabytes(MAX_PACKAGE_BYTES)}")
                media[name] = data
    if problems or yaml_bytes is None:  # a failed read of bank.yaml is one of the problems
        raise BankError(problems)
    return BankPackage(decode(yaml_bytes, source), MappingProxyType(media), source)


def _read_file(path: Path, source: str, name: str, problems: list[Problem]) -> bytes | None:
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        problems.append(Problem(source, 0, 0, name, f"cannot be read: {exc.strerror}"))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(source, 0, 0, name, f"is larger than {_megabytes(MAX_FILE_BYTES)}"))
        return None
    return data


def entry_problem(name: str, info: zipfile.ZipInfo | None = None) -> str | None:
    """Why a zip entry's name or kind is unsafe, if it is."""
    if len(name) > MAX_NAME:
        return f"has a path longer than {MAX_NAME} characters"
    if "\\" in name:
        return "has a backslash in its path; a zip made on this machine uses /"
    if name.startswith("/") or _DRIVE.match(name):
        return "has an absolute path; paths in the zip must be relative"
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        return "climbs out of the package (..); paths must stay inside it"
    if any(p in ("", ".") for p in parts) or _UNSAFE_NAME.search(name):
        return "has an empty, '.' or control-character part in its path"
    if info is not None:
        if stat.S_ISLNK(info.external_attr >> 16):
            return "is a symbolic link; put the file itself in the zip"
        if info.flag_bits & 0x1:
            return "is encrypted; zip the bank without a password"
    return None


def read_zip(data: bytes, source_name: str) -> BankPackage:
    """A package from the bytes of a ``.zip`` holding ``bank.yaml`` and ``media/`` at its top, or inside
    one top folder. Other files are ignored, but every entry must have a safe path."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise _refuse(source_name, "", f"the zip is larger than {_megabytes(MAX_PACKAGE_BYTES)}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _refuse(source_name, "", "is not a valid .zip file") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise _refuse(source_name, "", f"the zip holds {len(infos)} entries; a bank may have at most {MAX_ENTRIES}")
        problems = [Problem(source_name, 0, 0, i.filename, m) for i in infos if (m := entry_problem(i.filename, i))]
        if problems:
            raise BankError(problems)
        files = [i for i in infos if not i.is_dir() and not _ignored(i.filename)]
        names = [i.filename for i in files]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise BankError([Problem(source_name, 0, 0, n, "appears twice in the zip") for n in twice])
        prefix = _top(names, source_name)
        wanted = [i for i in files if _wanted(i.filename, prefix)]
        declared = sum(i.file_size for i in wanted)
        if declared > MAX_PACKAGE_BYTES:
            raise _refuse(source_name, "", f"the zip unpacks to more than {_megabytes(MAX_PACKAGE_BYTES)}")
        contents = _unpack(archive, wanted, source_name)
    yaml_name = prefix + BANK_FILE
    media = {name.removeprefix(prefix): body for name, body in contents.items() if name != yaml_name}
    source = f"{source_name}:{yaml_name}"
    return BankPackage(decode(contents[yaml_name], source), MappingProxyType(dict(sorted(media.items()))), source)


def _ignored(name: str) -> bool:
    return name.startswith("__MACOSX/") or name.rsplit("/", 1)[-1] in IGNORED


def _top(names: list[str], source_name: str) -> str:
    """The folder ``bank.yaml`` is in: the zip's top, or its one top folder."""
    if BANK_FILE in names:
        return ""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and (top := tops.pop() + "/") + BANK_FILE in names:
        return top
    raise _refuse(
        source_name, "", f"no {BANK_FILE} at the top of the zip (or inside its one top folder); see the bank format"
    )


def _wanted(name: str, prefix: str) -> bool:
    rest = name[len(prefix) :] if name.startswith(prefix) else None
    return rest == BANK_FILE or (rest is not None and rest.startswith(f"{MEDIA_DIR}/") and rest.count("/") == 1)


def _unpack(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], source_name: str) -> dict[str, bytes]:
    """Each entry's bytes, counted as they come out: a header may lie about an entry's size."""
    out: dict[str, bytes] = {}
    total = 0
    for info in infos:
        chunks: list[bytes] = []
        size = 0
        try:
            with archive.open(info) as f:
                while chunk := f.read(64 * 1024):
                    size += len(chunk)
                    total += len(chunk)
                    if size > MAX_FILE_BYTES:
                        raise _refuse(source_name, info.filename, f"unpacks to more than {_megabytes(MAX_FILE_BYTES)}")
                    if total > MAX_PACKAGE_BYTES:
                        raise _refuse(
                            source_name, info.filename, f"the zip unpacks to more than {_megabytes(MAX_PACKAGE_BYTES)}"
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError, ValueError):
            raise _refuse(source_name, info.filename, "is damaged or packed in a way that cannot be read") from None
        out[info.filename] = b"".join(chunks)
    return out


def write_zip(package: BankPackage, folder: str = "") -> bytes:
    """The package as a ``.zip`` (``bank.yaml`` and ``media/``, inside ``folder`` if one is given) that
    :func:`read_zip` reads back; the same package always gives the same bytes."""
    prefix = f"{folder}/" if folder else ""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in [(BANK_FILE, package.yaml_text.encode("utf-8")), *sorted(package.media.items())]:
            info = zipfile.ZipInfo(prefix + name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, body)
    return out.getvalue()
