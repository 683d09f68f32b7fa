"""Planning a load: fingerprints, parts and findings per file; bad files never stop the others."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from sfloader_gui.core.load.plan import FilePlan, plan_load
from sfloader_gui.core.models import LoadOptions

OPTIONS = LoadOptions(object_name="Account", external_id_field="External_Id__c")


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def codes(fp: FilePlan) -> list[str]:
    return [f.code for f in fp.findings]


def test_good_file_gets_dialect_parts_and_fingerprint(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfExternal_Id__c;Name\r\n" + b"".join(b"E%d;N%d\r\n" % (i, i) for i in range(1000))
    path = write(tmp_path / "acc.csv", data)
    options = LoadOptions(object_name="Account", external_id_field="External_Id__c", part_size_bytes=4000)
    plan = plan_load([path], options)
    fp = plan.files[0]
    assert fp.findings == [] and not fp.blocked and plan.loadable == [fp]
    assert fp.sha256 == hashlib.sha256(data).hexdigest()
    assert (fp.size, fp.records) == (len(data), 1000)
    assert fp.mtime == path.stat().st_mtime
    assert fp.dialect is not None and (fp.dialect.delimiter_name, fp.dialect.line_ending) == (
        "SEMICOLON",
        "CRLF",
    )
    assert fp.dialect.bom and len(fp.parts) > 1
    assert sum(p.records for p in fp.parts) == 1000


def test_bad_files_get_findings_and_the_good_one_still_loads(tmp_path: Path) -> None:
    good = write(tmp_path / "good.csv", "External_Id__c,Name\n1,A\n")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    files = [
        tmp_path / "missing.csv",
        folder,
        write(tmp_path / "empty.csv", ""),
        write(tmp_path / "head.csv", "External_Id__c,Name\n"),
        write(tmp_path / "book.xlsx", b"PK\x03\x04\x14\x00\x06\x00" + bytes(200)),
        write(tmp_path / "win.csv", "External_Id__c,Name\n1,Café\n".encode("cp1252")),
        write(tmp_path / "nokey.csv", "Id,Name\n1,A\n"),
        good,
    ]
    plan = plan_load(files, OPTIONS)
    by_name = {fp.path.name: fp for fp in plan.files}
    expected = {
        "missing.csv": "missing_file",
        "folder.csv": "not_a_file",
        "empty.csv": "empty_file",
        "head.csv": "header_only",
        "book.xlsx": "bad_workbook",  # read as a workbook (issue 11); this one is damaged
        "win.csv": "encoding",
        "nokey.csv": "no_external_id_column",
    }
    for name, code in expected.items():
        fp = by_name[name]
        assert fp.blocked and codes(fp) == [code], (name, fp.findings)
        assert name in fp.findings[0].message
    assert [fp.path.name for fp in plan.loadable] == ["good.csv"]
    assert "Excel" in by_name["book.xlsx"].findings[0].message


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_unreadable_file(tmp_path: Path) -> None:
    # /proc/self/mem exists and is a regular file, but reading it from offset 0 fails with EIO.
    fp = plan_load([Path("/proc/self/mem")], OPTIONS).files[0]
    assert fp.blocked and codes(fp) == ["unreadable"] and "mem" in fp.findings[0].message


def test_same_file_twice_is_loaded_once(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "External_Id__c,Name\n1,A\n")
    plan = plan_load([path, tmp_path / "." / "a.csv"], OPTIONS)
    assert not plan.files[0].blocked
    assert codes(plan.files[1]) == ["listed_twice"]


def test_cross_file_duplicates_are_a_warning_on_the_later_file(tmp_path: Path) -> None:
    a = write(tmp_path / "a.csv", "External_Id__c,Name\nK1,A\nK2,B\nK3,C\n")
    b = write(tmp_path / "b.csv", "Name,External_Id__c\nX,K9\nY,K2\nZ,K3\n")
    plan = plan_load([a, b], OPTIONS)
    assert plan.files[0].findings == []
    (warning,) = plan.files[1].findings
    assert warning.severity == "warning" and warning.code == "duplicate_external_id_across_files"
    assert warning.records == [2, 3] and not plan.files[1].blocked
    assert "b.csv" in warning.message and "a.csv" in warning.message and "'K2'" in warning.message


def test_overrides_from_options(tmp_path: Path) -> None:
    path = write(tmp_path / "o.csv", "External_Id__c;Name\n1;A\n")
    opts = LoadOptions(object_name="Account", external_id_field="External_Id__c", column_delimiter="PIPE")
    fp = plan_load([path], opts).files[0]
    assert fp.dialect is not None and fp.dialect.delimiter_name == "PIPE"
    assert codes(fp) == ["no_external_id_column"]


def test_on_file_reports_each_file(tmp_path: Path) -> None:
    seen: list[str] = []
    plan_load(
        [write(tmp_path / "x.csv", "External_Id__c\n1\n"), tmp_path / "y.csv"],
        OPTIONS,
        on_file=lambda fp: seen.append(fp.path.name),
    )
    assert seen == ["x.csv", "y.csv"]


@pytest.mark.parametrize("bad", ["SPACE", "CR"])
def test_bad_override_is_a_finding(tmp_path: Path, bad: str) -> None:
    path = write(tmp_path / "o.csv", "External_Id__c\n1\n")
    opts = LoadOptions(
        object_name="Account",
        external_id_field="External_Id__c",
        column_delimiter=bad if bad == "SPACE" else None,
        line_ending=bad if bad == "CR" else None,
    )
    fp = plan_load([path], opts).files[0]
    assert codes(fp) == ["bad_option"] and "o.csv" in fp.findings[0].message


def test_ordered_files_with_overlapping_ranges_are_compared(tmp_path: Path) -> None:
    a = write(tmp_path / "a.csv", "External_Id__c,Name\n" + "".join(f"K{i:05d},x\n" for i in range(3000)))
    b = write(
        tmp_path / "b.csv", "External_Id__c,Name\n" + "".join(f"K{i:05d},x\n" for i in range(2999, 6000))
    )
    c = write(
        tmp_path / "c.csv", "External_Id__c,Name\n" + "".join(f"K{i:05d},x\n" for i in range(6000, 9000))
    )
    plan = plan_load([a, b, c], OPTIONS)
    (warning,) = plan.files[1].findings
    assert warning.records == [1] and "'K02999'" in warning.message
    assert plan.files[0].findings == [] and plan.files[2].findings == []


def test_cancel_stops_checking_and_blocks_the_unchecked_files(tmp_path: Path) -> None:
    from sfloader_gui.core.models import CancelToken

    big = write(
        tmp_path / "big.csv", "External_Id__c,Name\n" + "".join(f"K{i:07d},n\n" for i in range(300_000))
    )
    small = write(tmp_path / "small.csv", "External_Id__c,Name\n1,A\n")
    cancel = CancelToken()
    seen: list[str] = []

    def on_file(fp: FilePlan) -> None:
        seen.append(fp.path.name)
        cancel.cancel()

    plan = plan_load([small, big, small.with_name("later.csv")], OPTIONS, on_file=on_file, cancel=cancel)
    assert seen == ["small.csv", "big.csv", "later.csv"]
    assert plan.files[0].findings == []
    assert codes(plan.files[1]) == ["cancelled"] and codes(plan.files[2]) == ["cancelled"]
    assert [fp.path.name for fp in plan.loadable] == ["small.csv"]
