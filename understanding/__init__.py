"""Judgement: what a customer's message leads to, decided in one order everywhere.

The steps, each of which can end the turn (DESIGN.md, "How a turn is decided"):

1. normalise            ``kefu.text.normalize`` — the same text for rules, NLU and KB
2. rules                ``understanding.rules`` — a person asked for, an escalation threat: hand off
3. what the bot awaits  a rating (``kefu.ratings``), a pick among suggestions (``understanding.choices``:
                        the button, its title or its number), a code (identity check)
4. courtesy             ``understanding.courtesy`` — "你好，我想问…" is the question, "你好" alone a greeting
5. intent               ``understanding.floors`` — costly actions need their confidence floor
6. KB bands             ``kb_index.decision`` — answer / suggest / miss
7. learning             what the customer does next is recorded for the KB

Steps 1 to 4 run in the gateway before the message reaches Rasa (the rating is read in the action
server, which holds the answer it rates); 5 runs where each costly
action is taken (the action server, the gateway's identity check); 6 in the action server.
Every tunable (patterns, floors) lives in ``kefu.settings``.
"""

from understanding.courtesy import question_part
from understanding.floors import may_act
from understanding.identity import needs_identity_check
from understanding.rules import RuleDecision, apply_rules

STEPS = ("normalise", "rules", "awaiting", "courtesy", "intent", "kb", "learning")

__all__ = ["STEPS", "RuleDecision", "apply_rules", "may_act", "needs_identity_check", "question_part"]
