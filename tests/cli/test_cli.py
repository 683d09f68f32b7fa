"""The `sfloader` command against the emulator: flags, env vars, JSON output, exit codes, bad input."""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from sfloader_gui import cli
from sfloader_gui.cli.progress import Progress
from sfloader_gui.core import paths
from sfloader_gui.core.salesforce import bulk
from tests.core.load.loadkit import connect, count, write_accounts


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def org_flags(org: Any) -> list[str]:
    return ["--instance-url", org.instance_url, "--access-token", org.access_token, "--poll-interval", "0.05"]


def upsert(org: Any, *files: Path, extra: tuple[str, ...] = ()) -> list[str]:
    return ["upsert", *map(str, files), "--object", "Account", "--external-id", "External_Id__c",
            *org_flags(org), *extra]  # fmt: skip


def test_upsert_json_reports_every_job_and_exits_0(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write_accounts(tmp_path / "a.csv", 1, 20)
    b = write_accounts(tmp_path / "b.csv", 100, 5)
    code, out, err = run(capsys, *upsert(emulator, a, b, extra=("--json", "--out", str(tmp_path / "runs"))))
    assert code == 0, err
    doc = json.loads(out)
    assert Path(doc["run_dir"]).parent == tmp_path / "runs"
    assert [Path(j["file"]).name for j in doc["jobs"]] == ["a.csv", "b.csv"]
    job = doc["jobs"][0]
    assert set(job) == {"file", "part", "job_id", "state", "error_message", "records_processed",
                        "records_failed", "success_file", "failed_file", "unprocessed_file"}  # fmt: skip
    assert job["state"] == "JobComplete" and job["records_processed"] == 20
    assert Path(job["success_file"]).is_file()
    assert doc["totals"]["records"] == 25 and doc["totals"]["success"] == 25
    # the calls of the two jobs (each: create, upload, close, polls, three result files), the org's count
    assert doc["api"]["calls"] >= 2 * 6 and doc["api"]["org_max"] == 15000
    assert count(emulator) == 25
    assert "\r" not in err  # no progress display when stderr is not a terminal


def test_env_vars_give_the_org_and_failed_rows_exit_1(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SF_INSTANCE_URL", emulator.instance_url)
    monkeypatch.setenv("SF_ACCESS_TOKEN", emulator.access_token)
    src = tmp_path / "a.csv"
    src.write_text("External_Id__c,Name\nK1,One\nK2,\n", encoding="utf-8")
    code, out, _ = run(capsys, "upsert", str(src), "--object", "Account", "--external-id", "External_Id__c",
                       "--poll-interval", "0.05")  # fmt: skip
    assert code == 1
    assert "1 succeeded, 1 failed" in out
    line = r"^This load made \d+ API calls; the org has used [\d,]+ of its 15,000 in the last 24 hours\.$"
    assert re.search(line, out, re.M), out
    assert str(paths.default_output_dir()) in out


def test_a_bad_file_is_named_and_nothing_is_uploaded(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_accounts(tmp_path / "good.csv", 1, 5)
    dupes = tmp_path / "dupes.csv"
    dupes.write_text("External_Id__c,Name\nK1,One\nK1,Again\n", encoding="utf-8")
    code, out, err = run(capsys, *upsert(emulator, good, dupes, tmp_path / "missing.csv", extra=("--json",)))
    assert code == 2
    assert "dupes.csv" in err and "missing.csv" in err and "Nothing was uploaded" in err
    doc = json.loads(out)
    findings = doc.pop("findings")  # the blocking findings, each naming its file
    # stderr's last line sums up (each finding has its line above it); the JSON error adds the findings
    last = err.splitlines()[-1].removeprefix("sfloader: ")
    assert last == "Nothing was uploaded: fix dupes.csv, missing.csv (see above) and run again."
    assert doc.pop("error").startswith(last + " dupes.csv: 2 records share")
    assert doc == {"run_dir": None, "jobs": [], "totals": None}
    assert err.count("records share") == 1  # said once on stderr, not again in the last line
    assert {Path(f["file"]).name for f in findings} == {"dupes.csv", "missing.csv"}
    assert emulator.stats.jobs_created == 0


def test_a_cp1252_file_is_refused_then_converted_on_request(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "legacy.csv"
    src.write_bytes("External_Id__c,Name\nK1,Café Müller\n".encode("cp1252"))
    code, _, err = run(capsys, *upsert(emulator, src))
    assert code == 2 and "cp1252" in err.lower() and "--convert-from" in err
    code, _, err = run(capsys, *upsert(emulator, src, extra=("--convert-from", "cp1252")))
    assert code == 0, err
    assert src.read_bytes().startswith(b"External_Id__c")  # original untouched
    assert count(emulator, "SELECT COUNT() FROM Account WHERE Name = 'Café Müller'") == 1


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--max-jobs", "16"), "between 1 and 15"),
        (("--max-jobs", "0"), "between 1 and 15"),
        (("--part-size-mb", "150"), "100 MB"),
    ],
)
def test_options_out_of_range_are_refused_with_the_reason(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: tuple[str, ...], message: str
) -> None:
    src = write_accounts(tmp_path / "a.csv", 1, 2)
    code, _, err = run(capsys, *upsert(emulator, src, extra=flags))
    assert code == 2 and message in err
    assert emulator.stats.jobs_created == 0


def test_no_org_and_a_bad_token_are_usage_errors(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_accounts(tmp_path / "a.csv", 1, 2)
    code, _, err = run(capsys, "upsert", str(src), "--object", "Account", "--external-id", "External_Id__c")
    assert code == 2 and "--demo" in err
    flags = ["--instance-url", emulator.instance_url, "--access-token", "00Dbad!token"]
    code, _, err = run(
        capsys, "upsert", str(src), "--object", "Account", "--external-id", "External_Id__c", *flags
    )
    assert code == 2 and "Log in" in err and "00Dbad!token" not in err
    assert emulator.stats.jobs_created == 0


def test_plain_http_to_a_remote_host_is_refused_before_the_token_leaves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_accounts(tmp_path / "a.csv", 1, 2)
    flags = ["--instance-url", "http://acme.my.salesforce.com", "--access-token", "00Dx!secret"]
    code, _, err = run(
        capsys, "upsert", str(src), "--object", "Account", "--external-id", "External_Id__c", *flags
    )
    assert code == 2 and "https://acme.my.salesforce.com" in err and "00Dx!secret" not in err


def test_results_and_jobs_commands(emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_accounts(tmp_path / "a.csv", 1, 3)
    code, out, _ = run(capsys, *upsert(emulator, src, extra=("--json",)))
    job_id = json.loads(out)["jobs"][0]["job_id"]
    code, out, _ = run(capsys, "jobs", *org_flags(emulator)[:4], "--json")
    assert code == 0 and [j["id"] for j in json.loads(out)["jobs"]] == [job_id]
    code, out, _ = run(
        capsys, "results", job_id, *org_flags(emulator)[:4], "--json", "--out", str(tmp_path / "r")
    )
    assert code == 0
    (row,) = json.loads(out)["jobs"]
    assert Path(row["success_file"]).read_bytes().count(b'"true"') == 3


def test_demo_org_loads_and_keeps_its_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_accounts(tmp_path / "a.csv", 1, 4)
    argv = ["upsert", str(src), "--object", "Account", "--external-id", "External_Id__c", "--demo", "--json"]
    code, out, err = run(capsys, *argv, "--poll-interval", "0.05")
    assert code == 0, err
    assert paths.demo_org_db().exists()
    code, out, _ = run(capsys, *argv, "--poll-interval", "0.05")
    body = Path(json.loads(out)["jobs"][0]["success_file"]).read_bytes()
    assert body.count(b'"false"') == 4  # the second run updated the demo org's records


def test_retry_command_sends_only_failed_rows(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "a.csv"
    src.write_text("External_Id__c,Name\nK1,One\nK2,\nK3,Three\n", encoding="utf-8")
    code, out, _ = run(capsys, *upsert(emulator, src, extra=("--json",)))
    assert code == 1
    run_dir = json.loads(out)["run_dir"]
    src.write_text("External_Id__c,Name\nK1,One\nK2,Two\nK3,Three\n", encoding="utf-8")
    code, out, err = run(capsys, "retry", run_dir, *org_flags(emulator), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["totals"]["records"] == 1 and doc["totals"]["success"] == 1
    assert count(emulator) == 3


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_on_a_terminal() -> None:
    from sfloader_gui.core.models import EventKind, JobEvent, JobState, PartRef

    stream = _Terminal()
    progress = Progress(stream, total_parts=2)
    part = PartRef(Path("a.csv"), 1, 1)
    progress(JobEvent(EventKind.UPLOAD_PROGRESS, part, JobState.OPEN, bytes_sent=2_500_000))
    progress(
        JobEvent(EventKind.PROCESSING, part, JobState.IN_PROGRESS, records_processed=1200, records_failed=3)
    )
    progress(JobEvent(EventKind.STATE, part, JobState.JOB_COMPLETE))
    assert "jobs 1/2 done" in stream.getvalue().splitlines()[-1]
    assert "2.5 MB sent" in stream.getvalue() and "1,200 records processed, 3 failed" in stream.getvalue()


BAD_INPUTS = {
    "empty.csv": b"",
    "header_only.csv": b"External_Id__c,Name\n",
    "no_key.csv": b"Name,Phone\nAcme,1\n",
    "ragged.csv": b"External_Id__c,Name\nK1,One\nK2,Two,extra\n",
    "unterminated.csv": b'External_Id__c,Name\nK1,"One\nK2,Two\n',
    "dup_columns.csv": b"External_Id__c,Name,Name\nK1,One,Uno\n",
    "huge_field.csv": b"External_Id__c,Name,Description\nK1,One," + b"x" * 131_073 + b"\n",
    "blank_key.csv": b"External_Id__c,Name\nK1,One\n,Two\n",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_named_and_nothing_is_sent(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    src = tmp_path / name
    src.write_bytes(BAD_INPUTS[name])
    code, _, err = run(capsys, *upsert(emulator, src))
    assert code == 2
    assert name in err and "Nothing was uploaded" in err
    assert emulator.stats.jobs_created == 0


def test_a_directory_is_refused_by_name(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *upsert(emulator, tmp_path))
    assert code == 2 and tmp_path.name in err
    assert emulator.stats.jobs_created == 0


def test_a_bom_is_stripped_not_sent(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "bom.csv"
    src.write_bytes(b"\xef\xbb\xbfExternal_Id__c,Name\nK1,One\n")
    code, _, err = run(capsys, *upsert(emulator, src))
    assert code == 0, err  # with the BOM glued to the header, Salesforce would fail the job
    assert count(emulator, "SELECT COUNT() FROM Account WHERE External_Id__c = 'K1'") == 1


def test_twenty_files_with_max_jobs_15(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.faults.latency = 0.02  # keeps jobs open long enough to overlap
    files = [write_accounts(tmp_path / f"f{n:02d}.csv", n * 1000, 10) for n in range(20)]
    code, out, _ = run(capsys, *upsert(emulator, *files, extra=("--max-jobs", "15", "--json")))
    assert code == 0
    assert len(json.loads(out)["jobs"]) == 20
    assert 2 <= emulator.stats.max_open_jobs <= 15


def test_a_timed_out_job_stays_findable_until_its_results_are_fetched(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = write_accounts(tmp_path / "done.csv", 1, 3)
    assert run(capsys, *upsert(emulator, done))[0] == 0
    emulator.faults.stall_jobs = 1
    stuck = write_accounts(tmp_path / "stuck.csv", 100, 3)
    code, out, _ = run(capsys, *upsert(emulator, stuck, extra=("--timeout", "0.3", "--json")))
    assert code == 1
    (job,) = json.loads(out)["jobs"]
    assert job["state"] == "TimedOut"
    code, out, _ = run(capsys, "jobs", "--unsettled", "--json")
    assert [j["job_id"] for j in json.loads(out)["jobs"]] == [job["job_id"]]  # the finished run is settled
    with connect(emulator) as conn:
        bulk.abort_job(conn, job["job_id"])  # an admin stops it in Setup
    code, out, _ = run(capsys, "results", job["job_id"], *org_flags(emulator)[:4], "--json")
    assert code == 1 and json.loads(out)["jobs"][0]["state"] == "Aborted"
    code, out, _ = run(capsys, "jobs", "--unsettled")
    assert "No unsettled jobs." in out


def test_the_log_file_tells_the_story_without_the_token(
    emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.faults.refuse_gzip = True
    src = write_accounts(tmp_path / "a.csv", 1, 3)
    assert run(capsys, *upsert(emulator, src))[0] == 0
    text = (paths.log_dir() / "sfloader.log").read_text(encoding="utf-8")
    assert "a.csv: The org refused a gzip-compressed upload" in text
    assert emulator.access_token not in text


def test_sigterm_stops_waiting_and_leaves_the_job_running(emulator: Any, tmp_path: Path) -> None:
    emulator.faults.stall_jobs = 1
    src = write_accounts(tmp_path / "a.csv", 1, 5)
    argv = [sys.executable, "-m", "sfloader_gui.cli", *upsert(emulator, src, extra=("--json",))]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    polled = threading.Event()
    while not polled.wait(0.05):  # a state the user would see: the org is being asked about the job
        if proc.poll() is not None or any(
            r.method == "GET" for r in emulator.stats.find(path_contains="/750")
        ):
            polled.set()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    (job,) = json.loads(out)["jobs"]
    assert job["state"] == "Cancelled"
    with connect(emulator) as conn:
        assert bulk.get_job(conn, job["job_id"]).state == "InProgress"
