"""RULES.md section 11 on the command line: `policies import` publishes a procedure file as a new version of its
policy through the service (the API's path), printing what changed; `policies list` shows every version with its
effective date; both refuse what is invalid, or relaxes the national floor, with a message naming the parameter.
`what-if` re-decides a year with a progress display and writes the changed applications as CSV."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cli.main import main
from store.database import scratch_database

PROCEDURES = Path(__file__).resolve().parents[2] / "procedures"


@pytest.fixture
def database(server_url, monkeypatch):
    with scratch_database(server_url, "ct_test_cli_policies") as url:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.delenv("COMMUNITY_TRIGGER_NATIONAL_FLOOR", raising=False)
        yield url


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_rules_11_a_procedure_file_is_published_as_a_version_of_its_policy_and_listed(database, capsys):
    code, out, _ = run(capsys, "policies", "import", str(PROCEDURES / "gosport.json"))
    assert code == 0, out
    assert out.splitlines()[0].startswith("Published gosport@1 (Gosport Borough Council")
    assert "effective from 2014-10-20; compared with safer-havant@1:" in out
    assert '  stages: [{"name": "review_completed"' in out  # what differs from the version it was derived from
    assert '  partner_agencies: ["clarion-housing"' in out
    code, out, _ = run(capsys, "policies", "list")
    assert code == 0 and out.splitlines() == [
        "safer-havant@1  effective from 2014-10-20",
        "gosport@1  effective from 2014-10-20",
    ]

    # The file says version 1, which is published: refused, and another version may be given.
    code, _, err = run(capsys, "policies", "import", str(PROCEDURES / "gosport.json"))
    assert code == 2 and "version 1 of gosport is already published" in err and "--version" in err
    code, out, _ = run(
        capsys,
        "policies",
        "import",
        str(PROCEDURES / "gosport.json"),
        "--version",
        "2",
        "--effective-from",
        "2027-04-01",
    )
    assert code == 0 and "Published gosport@2" in out and "effective from 2027-04-01" in out
    assert "compared with gosport@1:\n  no parameter changed" in out
    assert run(capsys, "policies", "list")[1].splitlines()[-1] == "gosport@2  effective from 2027-04-01"


def test_rules_11_without_a_version_in_the_file_it_is_the_one_after_the_latest(database, capsys, tmp_path):
    data = json.loads((PROCEDURES / "safer-havant.json").read_text())
    del data["policy"]["version"]
    data["policy"]["lookback"] = {"days": 183}
    path = tmp_path / "havant-183.json"
    path.write_text(json.dumps(data))
    code, out, _ = run(capsys, "policies", "import", str(path))
    assert code == 0, out
    assert "Published safer-havant@2" in out and '  lookback: {"months": 6} -> {"days": 183}' in out


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda policy: policy["stages"].append({"name": "outcome_notified", "days": 5, "from": "nowhere"}),
         "policy.stages[4].from"),
        (lambda policy: policy.update(excluded_sources=["fax"]), "policy.excluded_sources[0]"),
        (lambda policy: policy.pop("effective_from"), "policy.effective_from"),
    ],
)  # fmt: skip
def test_rules_11_an_invalid_procedure_file_is_refused_naming_the_field(database, capsys, tmp_path, change, field):
    data = json.loads((PROCEDURES / "gosport.json").read_text())
    change(data["policy"])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    code, out, err = run(capsys, "policies", "import", str(path))
    assert code == 2 and out == ""
    assert f"is not a procedure file: {field}:" in err
    assert run(capsys, "policies", "list")[1].splitlines() == ["safer-havant@1  effective from 2014-10-20"]


def test_rules_11_a_procedure_that_relaxes_the_national_floor_is_refused_naming_the_parameter(
    database, capsys, monkeypatch, tmp_path
):
    floor = tmp_path / "floor.json"
    floor.write_text(json.dumps({"lookback": {"months": 6}, "reporting_window": {"months": 1}}))
    monkeypatch.setenv("COMMUNITY_TRIGGER_NATIONAL_FLOOR", str(floor))
    data = json.loads((PROCEDURES / "gosport.json").read_text())
    data["policy"]["reporting_window"] = {"days": 31}  # 1 month from 1 Feb reaches 28 Feb: 27 days
    path = tmp_path / "gosport-31-days.json"
    path.write_text(json.dumps(data))
    code, _, err = run(capsys, "policies", "import", str(path))
    assert code == 2 and "was not published: policy.reporting_window:" in err and "national floor" in err
    assert run(capsys, "policies", "import", str(PROCEDURES / "gosport.json"))[0] == 0  # within the floor


def test_rules_11_what_if_re_decides_a_year_with_a_progress_display_and_writes_the_changes(database, capsys, tmp_path):
    from demo.generator import generate
    from demo.loader import load
    from domain.audited import local_date
    from service.bootstrap import open_services

    services = open_services(database, run_projections=False)
    try:
        load(services.casework, generate(seed=5, complaints=300, today=local_date(datetime.now(UTC))))
    finally:
        services.close()
    assert run(capsys, "policies", "import", str(PROCEDURES / "richmond-upon-thames.json"))[0] == 0
    year = date.today().year if date.today().month >= 4 else date.today().year - 1
    out_csv = tmp_path / "changes.csv"
    code, out, err = run(
        capsys, "what-if", "--policy", "richmond-upon-thames@1", "--year", str(year), "--csv", str(out_csv), "--json"
    )
    assert code == 0, err
    assert "re-assessing: [" in err and "applications" in err  # the progress display
    assert "nothing was recorded" in err and "applications_received" in err
    report = json.loads(out[out.index("{") :])
    assert report["period"]["from"] == f"{year}-04-01" and report["applications_compared"] > 0
    rows = out_csv.read_text().splitlines()
    changed = {c["application_id"] for c in report["changes"]} | {s["application_id"] for s in report["stage_changes"]}
    assert rows[0].startswith("application_id,") and len(rows) == len(changed) + 1
    code, _, err = run(capsys, "what-if", "--policy", "richmond-upon-thames@1", "--against", "live")
    assert code == 0 and "against live" in err
    code, _, err = run(capsys, "what-if", "--policy", "nowhere@1")
    assert code == 2 and "no policy version nowhere@1" in err


def test_rules_11_every_shipped_procedure_is_published_and_listed(database, capsys):
    files = sorted(PROCEDURES.glob("*.json"))
    assert len(files) == 8
    names = []
    for path in files:
        version = ["--version", "2"] if path.stem == "safer-havant" else []  # version 1 is the store's own
        code, out, err = run(capsys, "policies", "import", str(path), *version)
        assert code == 0, err
        names.append(out.split()[1])
    listed = run(capsys, "policies", "list")[1].splitlines()
    assert listed[:2] == ["safer-havant@1  effective from 2014-10-20", "safer-havant@2  effective from 2014-10-20"]
    assert sorted(line.split()[0] for line in listed[2:]) == sorted(n for n in names if not n.startswith("safer-"))
