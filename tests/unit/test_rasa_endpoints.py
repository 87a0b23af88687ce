"""Rasa's endpoints follow DATABASE_URL and REDIS_URL, so replicas share trackers and locks."""

from __future__ import annotations

import json
import stat

from kefu.services import rasa_endpoints, write_rasa_endpoints
from kefu.settings import Settings


def test_postgresql_and_redis_give_shared_trackers_and_locks(tmp_path):
    settings = Settings(
        data_dir=tmp_path, actions_port=6055, redis_prefix="kefuprod",
        database_url="postgresql://kefu:s3cret@db.internal:6432/kefu", redis_url="redis://:pw@cache.internal:6380/2",
    )
    endpoints = rasa_endpoints(settings)
    assert endpoints["action_endpoint"] == {"url": "http://127.0.0.1:6055/webhook"}
    assert endpoints["tracker_store"] == {
        "type": "SQL", "dialect": "postgresql", "url": "db.internal", "port": 6432, "db": "kefu",
        "username": "kefu", "password": "s3cret",
    }
    assert endpoints["lock_store"] == {
        "type": "redis", "url": "cache.internal", "port": 6380, "db": 2, "password": "pw", "key_prefix": "kefuprod",
    }


def test_one_replica_on_sqlite_keeps_trackers_and_locks_in_process(tmp_path):
    endpoints = rasa_endpoints(Settings(data_dir=tmp_path, database_url=None, redis_url=None))
    assert endpoints["tracker_store"]["type"] != "SQL"
    assert "lock_store" not in endpoints


def test_the_written_file_is_readable_by_its_owner_only(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url="postgresql://kefu:s3cret@db/kefu")
    path = write_rasa_endpoints(settings)
    assert json.loads(path.read_text())["tracker_store"]["password"] == "s3cret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
