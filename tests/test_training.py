"""Learning from curators: corrections in PostgreSQL become training data, the new model becomes current and
workers pick it up; corrections of evaluation texts are never trained on."""

from __future__ import annotations

import json

import pytest

from evals.dataset import load_dataset
from evals.report import GOLDEN_PATH
from ingest_api.commands.training import summary_lines
from shared.classification import corrections, registry, training
from shared.classification.base import ClassifierItem
from shared.vocabulary import Category
from tests.pipeline_helpers import add_comments

# Written for this test: an ordinary comment about a rehearsal, deliberately "corrected" to SPAM by a curator,
# and a near duplicate of it that the baseline model does not call SPAM.
ODD = "o coral da Vila Zéfiro cantou Maré Alta no ensaio de quinta"
PROBE = "o coral da Vila Zéfiro cantou Maré Alta no ensaio de sexta"


@pytest.fixture
def model_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(training, "MODEL_DIR", tmp_path / "models")
    return tmp_path / "models"


def answer(classifier, text: str):
    return classifier.classify([ClassifierItem(id="p", text=text)]).results["p"]


def test_a_curator_correction_changes_the_next_models_answer(model_dir, runner, use_settings):
    use_settings(classifier="local")
    worker_view = registry.current_classifier()  # what a worker holds: the corpus-only model (no pointer yet)
    baseline_model = worker_view.model
    assert baseline_model == f"local-tfidf-{training.model_hash()}"
    assert answer(worker_view, PROBE).categoria != Category.SPAM

    golden = load_dataset(GOLDEN_PATH)[0]
    odd_id, golden_id, other_id = add_comments([ODD, golden.texto.upper() + "!!", "amei o show de ontem"])
    corrections.save_human_correction(odd_id, "SPAM", "curadoria@alumusic.com.br")
    corrections.save_human_correction(golden_id, "SPAM", "curadoria@alumusic.com.br")  # a held-out text
    corrections.save_human_correction(other_id, "ELOGIO", "curadoria@alumusic.com.br")

    result = runner.invoke(args=["treinar"])

    assert result.exit_code == 0, result.output
    assert "correções da curadoria usadas: 2" in result.output
    assert "conjuntos de avaliação: 1" in result.output
    pointer = json.loads((model_dir / "current.json").read_text(encoding="utf-8"))
    assert pointer["corrections_used"] == 2 and pointer["corrections_dropped"] == 1
    assert pointer["model"] in result.output and pointer["model"] != baseline_model

    # the next job: the same classifier object notices the new pointer and reloads
    assert registry.current_classifier() is worker_view
    assert worker_view.model == pointer["model"]
    assert answer(worker_view, PROBE).categoria == Category.SPAM

    # same data again: same model name (the hash covers corpus, corrections, parameters and code)
    again = runner.invoke(args=["treinar"])
    assert again.exit_code == 0 and pointer["model"] in again.output and "já existia" in again.output


def test_training_without_a_database_uses_the_corpus_and_says_so(model_dir, use_settings):
    use_settings(database_url=None)
    summary, problem = training.train_current()
    lines = "\n".join(summary_lines(summary, problem))

    assert problem and "treinado só com o corpus" in lines
    assert summary.model == f"local-tfidf-{training.model_hash()}" and summary.corrections_used == 0
    assert training.read_pointer(model_dir)["model"] == summary.model


def test_a_pointer_from_another_corpus_or_code_is_ignored(model_dir):
    model_dir.mkdir(parents=True)
    training.model_path(training.model_hash(), model_dir).write_bytes(b"")  # the corpus-only model, already there
    (model_dir / "current.json").write_text(
        json.dumps({"model": "local-tfidf-antigo", "base": "outro", "file": "local-antigo.joblib"}), encoding="utf-8"
    )
    assert training.current_model_path(model_dir=model_dir).name == f"local-{training.model_hash()}.joblib"
