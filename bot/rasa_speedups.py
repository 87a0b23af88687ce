"""Work Rasa 3.6 repeats on every turn for nothing; imported by the channel Rasa loads at start.

Rasa checks each action server response with ``jsonschema.validate``, which first validates
the (constant) response schema itself against the JSON-Schema meta-schema: under load that
was half of the Rasa server's CPU (py-spy, bench/load.py). The schema is compiled once here;
a valid response passes on that, an invalid one still goes through Rasa's own check and
fails with Rasa's own error.
"""

from __future__ import annotations

from typing import Any

from jsonschema import validators
from rasa.core.actions.action import RemoteAction

_RESPONSE_SCHEMA = RemoteAction.action_response_format_spec()
_RESPONSE_VALIDATOR = validators.validator_for(_RESPONSE_SCHEMA)(_RESPONSE_SCHEMA)
_rasa_validate = RemoteAction._validate_action_result


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    return _RESPONSE_VALIDATOR.is_valid(result) or _rasa_validate(self, result)


RemoteAction._validate_action_result = _validate_action_result
