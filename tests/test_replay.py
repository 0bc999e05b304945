"""Every tool call of every record re-executes, from the SQL in the record, to the same outputs."""

import pytest

from generation.databases.guards import QueryLimits
from generation.databases.sources import resolve_sources
from generation.records import DialogueRecord
from generation.replay import replay
from tests.conftest import SPIDER, needs_spider, read_jsonl


def _replay_all(output, databases):
    records = [DialogueRecord.model_validate(r) for r in read_jsonl(output / "train.jsonl")]
    records += [DialogueRecord.model_validate(r) for r in read_jsonl(output / "rejected.jsonl")]
    dbs = {s.db_id: s.open() for s in databases}
    calls = 0
    for record in records:
        result = replay(record, dbs[record.environment.db_id], QueryLimits())
        assert result.identical, record.id
        assert result.copy.state_hash() == record.validation.final_db_hash, record.id
        calls += len(result.outputs)
    assert calls > len(records)


def test_demo_records_replay_exactly(demo_run):
    _replay_all(demo_run, resolve_sources("builtin:demo", demo_run / ".work" / "databases"))


@needs_spider
def test_spider_records_replay_exactly(spider_test_run):
    from tests.conftest import SPIDER_TEST_DBS

    _replay_all(spider_test_run, resolve_sources(str(SPIDER), spider_test_run, SPIDER_TEST_DBS))


def test_replay_refuses_a_different_database(demo_run):
    from common.errors import InputError

    record = DialogueRecord.model_validate(read_jsonl(demo_run / "train.jsonl")[0])
    other = [s for s in resolve_sources("builtin:demo", demo_run / ".work" / "databases")
             if s.db_id != record.environment.db_id][0]
    with pytest.raises(InputError, match="differs"):
        replay(record, other.open(), QueryLimits())
