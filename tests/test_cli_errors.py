"""Bad input ends with one line naming the problem, a non-zero exit and no traceback."""


import pytest

from tests.conftest import fails_cleanly, run_cli
from tests.support.clubs import build_clubs


def test_missing_databases_path(tmp_path):
    fails_cleanly(run_cli("--databases", str(tmp_path / "nowhere"), "--output", str(tmp_path / "o")),
                   "does not exist", "nowhere")


def test_corrupt_sqlite_file(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"garbage" * 1000)
    fails_cleanly(run_cli("--databases", str(bad), "--output", str(tmp_path / "o")), "corrupt SQLite", "bad.sqlite")


def test_spider_directory_without_tables_json(tmp_path):
    (tmp_path / "spider" / "database" / "clubs").mkdir(parents=True)
    build_clubs(tmp_path / "spider" / "database" / "clubs" / "clubs.sqlite")
    fails_cleanly(run_cli("--databases", str(tmp_path / "spider"), "--output", str(tmp_path / "o")),
                   "tables.json")


@pytest.mark.parametrize("body, needle", [
    ("num_dialogues: 5\ncolour: blue\n", "colour: unknown key"),
    ("user:\n  policy: rules\n  patience: 3\n", "user.patience: unknown key"),
    ("mode: chatty\n", "mode"),
    ("agent:\n  policy: psychic\n", "agent.policy: unknown policy 'psychic' (known: oracle, llm)"),
    ("num_dialogues: [1\n", "not valid YAML"),
])
def test_bad_config(tmp_path, body, needle):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(body)
    fails_cleanly(run_cli("--config", str(cfg), "--output", str(tmp_path / "o")), needle, "cfg.yaml")


def test_missing_config_file(tmp_path):
    fails_cleanly(run_cli("--config", str(tmp_path / "none.yaml"), "--output", str(tmp_path / "o")), "none.yaml")


def test_single_sqlite_file_works(tmp_path):
    db = build_clubs(tmp_path / "clubs.sqlite")
    proc = run_cli("--databases", str(db), "--num-dialogues", "20", "--output", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "20 validated" in proc.stdout


def test_changed_config_does_not_mix_into_an_existing_output(tmp_path):
    db = build_clubs(tmp_path / "clubs.sqlite")
    out = tmp_path / "o"
    assert run_cli("--databases", str(db), "--num-dialogues", "5", "--output", str(out)).returncode == 0
    before = (out / "train.jsonl").read_bytes()
    fails_cleanly(run_cli("--databases", str(db), "--num-dialogues", "5", "--seed", "9", "--output", str(out)),
                   "different config")
    assert (out / "train.jsonl").read_bytes() == before


def test_any_config_key_can_be_set_on_the_command_line(tmp_path):
    db = build_clubs(tmp_path / "clubs.sqlite")
    proc = run_cli("--databases", str(db), "--num-dialogues", "6", "--output", str(tmp_path / "o"),
                   "--set", "user.personas={terse: 1}", "--set", "tasks_per_dialogue={1: 1.0}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    config = (tmp_path / "o" / "config.yaml").read_text()
    assert "terse: 1" in config and "chatty" not in config
    rows = [__import__("json").loads(line) for line in (tmp_path / "o" / "train.jsonl").open()]
    assert {r["simulation"]["persona"] for r in rows} == {"terse"} and {r["stats"]["tasks"] for r in rows} == {1}


@pytest.mark.parametrize("item, needle", [
    ("user.patience=3", "user.patience: unknown key"),
    ("num_dialogues", "expected KEY=VALUE"),
    ("seed=[1", "not valid YAML"),
])
def test_a_bad_set_is_one_line(tmp_path, item, needle):
    fails_cleanly(run_cli("--output", str(tmp_path / "o"), "--set", item), needle)


def test_every_flag_has_help():
    from generation.__main__ import build_parser
    from generation.hub.publish import build_parser as publish_parser

    for parser in (build_parser(), publish_parser()):
        assert all(action.help for action in parser._actions), [a.dest for a in parser._actions if not a.help]
