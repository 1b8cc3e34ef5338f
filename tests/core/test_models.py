import pytest

from fmnist_core.models import models

EXPECTED_PARAMS = {
    "softmax": 7_850,
    "dnn": 79_510,
    "mlp": 101_770,
    "mlp_dropout": 235_146,
    "cnn": 333_526,
    "cnn_bn": 333_814,
    "cnn_fast": 162_806,
}
KERAS_MODELS = [name for name in models.list_models() if models.get_model_spec(name).family == "keras"]


def test_registry_has_the_tutorial_models():
    assert set(EXPECTED_PARAMS) | {"logreg", "sgd"} <= set(models.list_models())


@pytest.mark.parametrize("name", KERAS_MODELS)
def test_keras_model_builds_with_declared_param_count_and_outputs_probabilities(name):
    import numpy as np

    model = models.create_model(name)
    spec = models.get_model_spec(name)
    assert model.count_params() == spec.num_params
    if name in EXPECTED_PARAMS:
        assert model.count_params() == EXPECTED_PARAMS[name]
    assert model.output_shape == (None, 10)
    batch = np.random.default_rng(0).random((4, *model.input_shape[1:]), dtype=np.float32)
    probabilities = np.asarray(model(batch, training=False))
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5) and (probabilities >= 0).all()


@pytest.mark.parametrize("name", [n for n in KERAS_MODELS if "dropout" in models.get_model_spec(n).defaults])
def test_dropout_is_a_hyperparameter(name):
    model = models.create_model(name, dropout=0.15)
    rates = [layer.rate for layer in model.layers if layer.__class__.__name__ == "Dropout"]
    assert rates == [0.15]


def test_unknown_model_lists_known_names():
    with pytest.raises(ValueError, match="Known models: softmax, dnn, mlp"):
        models.get_model_spec("resnet")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("dropout", 0.95, "between 0.0 and 0.9"),
        ("epochs", 0, "between 1 and 300"),
        ("epochs", 2.5, "whole number"),
        ("learning_rate", "fast", "must be a number"),
        ("batch_size", True, "must be a number"),
    ],
)
def test_out_of_range_values_say_the_allowed_range(name, value, message):
    with pytest.raises(ValueError, match=message):
        models.check_hyperparameter(name, value)


def test_each_model_declares_defaults_within_range():
    for name in models.list_models():
        spec = models.get_model_spec(name)
        assert "epochs" in spec.defaults
        for key, value in spec.defaults.items():
            models.check_hyperparameter(key, value)
