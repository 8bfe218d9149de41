"""Training the local model and keeping its files.

`make train` / `flask --app ingest_api treinar` (`train_current`) fit the pipeline of `local_model.py` on every
CSV in `shared/data/corpus/` (columns `texto,categoria`) plus the curators' current corrections read from
PostgreSQL (when reachable), minus any correction that repeats a golden/challenge text
(shared.classification.heldout); they write `.local/models/local-<hash>.joblib` (git-ignored) and then,
atomically, the pointer `current.json`. The hash covers the corpus files, the corrections used, the parameters
and the code (CODE_FILES); the model name stored with every result is `local-tfidf-<hash>`, so new data is a new
model and `reclassificar` can redo old results. Without a valid pointer the corpus-only model is used, trained
at first use (a few seconds; a file lock makes concurrent workers train once).

To tune: change `local_model.PARAMS` (or `preprocess`, cues.py) and run `python -m evals --cv` + `make train` +
`make evals`.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import joblib

from shared.classification import local_model
from shared.classification.cues import CUES_VERSION
from shared.classification.heldout import HeldOutFilter
from shared.classification.local_model import PARAMS, PREPROCESS_VERSION, ModelParams, fit_pipeline
from shared.settings import LOCAL_DIR, ROOT
from shared.text import normalize_text
from shared.vocabulary import parse_category

log = logging.getLogger(__name__)

CORPUS_DIR = ROOT / "shared" / "data" / "corpus"
MODEL_DIR = LOCAL_DIR / "models"
HASH_CHARS = 12
POINTER_NAME = "current.json"  # the model workers use: written atomically by `train`


def corpus_files(corpus_dir: Path = CORPUS_DIR) -> list[Path]:
    files = sorted(corpus_dir.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"nenhum CSV de treino em {corpus_dir}")
    return files


def load_corpus(corpus_dir: Path = CORPUS_DIR) -> tuple[list[str], list[str]]:
    """Texts and category values from every CSV; the first label of a repeated text wins."""
    texts: list[str] = []
    labels: list[str] = []
    seen: set[str] = set()
    for path in corpus_files(corpus_dir):
        with path.open(encoding="utf-8", newline="") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                text = (row.get("texto") or "").strip()
                try:
                    category = parse_category((row.get("categoria") or "").strip())
                except ValueError as exc:
                    raise ValueError(f"{path.name}, linha {line}: {exc}") from None
                key = normalize_text(text)
                if not text or key in seen:
                    continue
                seen.add(key)
                texts.append(text)
                labels.append(category.value)
    return texts, labels


# Source files whose code shapes the features: part of the model's identity, so a change of code is a new model
# (the pickled pipeline calls `preprocess` and `cue_features` from the current code).
CODE_FILES = (
    Path(local_model.__file__),
    Path(local_model.__file__).with_name("cues.py"),
    ROOT / "shared" / "text.py",
)


@dataclass(frozen=True)
class Correction:
    """A curator's label for a comment text (a current classification with origin `humano`)."""

    text: str
    category: str


def model_hash(
    corpus_dir: Path = CORPUS_DIR, params: ModelParams = PARAMS, corrections: Sequence[Correction] = ()
) -> str:
    """The model's identity: corpus files, corrections used, parameters and code version."""
    digest = hashlib.sha256()
    for path in corpus_files(corpus_dir):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for path in CODE_FILES:
        digest.update(path.read_bytes())
    # The module is part of the identity: the pickled pipeline refers to `preprocess` by its import path.
    digest.update(
        json.dumps(
            {
                "params": asdict(params),
                "preprocess": PREPROCESS_VERSION,
                "cues": CUES_VERSION,
                "module": local_model.__name__,
            },
            sort_keys=True,
        ).encode()
    )
    if corrections:  # none: the corpus-only model keeps the hash it always had for this corpus and code
        pairs = sorted((normalize_text(c.text), c.category) for c in corrections)
        digest.update(json.dumps({"corrections": pairs}, ensure_ascii=False).encode())
    return digest.hexdigest()[:HASH_CHARS]


def model_path(digest: str, model_dir: Path | None = None) -> Path:
    return (model_dir or MODEL_DIR) / f"local-{digest}.joblib"


# --- training


@dataclass
class TrainingSet:
    """What a model is fitted on: the corpus plus the curators' corrections that are not evaluation texts."""

    texts: list[str]
    labels: list[str]
    weights: list[float]
    corpus_rows: int
    corrections: list[Correction]  # used
    dropped: int  # corrections equal or nearly equal to a golden/challenge text: never trained on
    overridden: int  # corpus rows whose text a curator labelled (the curator's label wins)


def training_set(
    corpus_dir: Path = CORPUS_DIR, corrections: Sequence[Correction] = (), params: ModelParams = PARAMS
) -> TrainingSet:
    """The corpus plus `corrections` (the latest label per text wins), minus corrections of held-out texts."""
    texts, labels = load_corpus(corpus_dir)
    latest: dict[str, Correction] = {}
    for correction in corrections:  # oldest first: a later correction of the same text replaces it
        if correction.text.strip():
            latest[normalize_text(correction.text)] = correction
    candidates = [latest[key] for key in sorted(latest)]
    flags = HeldOutFilter().matches([c.text for c in candidates]) if candidates else []
    used = [c for c, held_out in zip(candidates, flags, strict=True) if not held_out]
    keys = {normalize_text(c.text) for c in used}
    kept = [(t, label) for t, label in zip(texts, labels, strict=True) if normalize_text(t) not in keys]
    return TrainingSet(
        texts=[c.text for c in used] + [t for t, _ in kept],
        labels=[c.category for c in used] + [label for _, label in kept],
        weights=[params.correction_weight] * len(used) + [1.0] * len(kept),
        corpus_rows=len(texts),
        corrections=used,
        dropped=sum(flags),
        overridden=len(texts) - len(kept),
    )


def _write_atomically(target: Path, write) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def pointer_path(model_dir: Path | None = None) -> Path:
    return (model_dir or MODEL_DIR) / POINTER_NAME


def read_pointer(model_dir: Path | None = None) -> dict | None:
    try:
        return json.loads(pointer_path(model_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class TrainingSummary:
    path: Path
    model: str  # local-tfidf-<hash>
    corpus_rows: int
    corrections_used: int
    corrections_dropped: int
    corpus_rows_overridden: int
    examples: int
    reused: bool  # the same data, parameters and code were trained before: the file was reused
    seconds: float


def train(
    corpus_dir: Path = CORPUS_DIR,
    model_dir: Path | None = None,
    params: ModelParams = PARAMS,
    corrections: Sequence[Correction] = (),
    make_current: bool = True,
) -> TrainingSummary:
    """Fit on the corpus (plus corrections), write the model file atomically and, with `make_current`, point
    `current.json` at it (workers notice the new pointer and reload)."""
    started = time.perf_counter()
    data = training_set(corpus_dir, corrections, params)
    digest = model_hash(corpus_dir, params, data.corrections)
    base = model_hash(corpus_dir, params)
    target = model_path(digest, model_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".train-{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        reused = target.exists()
        if not reused:
            pipeline = fit_pipeline(data.texts, data.labels, data.weights, params)
            bundle = {
                "pipeline": pipeline,
                "hash": digest,
                "base": base,
                "params": asdict(params),
                "examples": len(data.texts),
                "corrections": len(data.corrections),
                "classes": list(pipeline.classes_),
                "temperature": params.temperature,
            }
            _write_atomically(target, lambda tmp: joblib.dump(bundle, tmp))
    summary = TrainingSummary(
        path=target,
        model=f"local-tfidf-{digest}",
        corpus_rows=data.corpus_rows,
        corrections_used=len(data.corrections),
        corrections_dropped=data.dropped,
        corpus_rows_overridden=data.overridden,
        examples=len(data.texts),
        reused=reused,
        seconds=time.perf_counter() - started,
    )
    if make_current:
        pointer = {
            "model": summary.model,
            "hash": digest,
            "base": base,
            "file": target.name,
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "corpus_rows": data.corpus_rows,
            "corrections_used": len(data.corrections),
            "corrections_dropped": data.dropped,
        }
        text = json.dumps(pointer, ensure_ascii=False, indent=2) + "\n"
        _write_atomically(pointer_path(model_dir), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    log.info(
        "local model %s: %d examples (%d corrections, %d dropped) in %.1fs -> %s",
        digest,
        len(data.texts),
        len(data.corrections),
        data.dropped,
        summary.seconds,
        target,
    )
    return summary


_loaded: dict[Path, dict] = {}
_load_lock = threading.Lock()


def current_model_path(corpus_dir: Path = CORPUS_DIR, model_dir: Path | None = None) -> Path:
    """The file the classifier should use: the one `current.json` points to, when it was trained from this
    corpus, parameters and code; otherwise the corpus-only model (trained now if missing, once across
    processes: the others wait on a file lock)."""
    base = model_hash(corpus_dir)
    pointer = read_pointer(model_dir)
    if pointer and pointer.get("base") == base:
        path = (model_dir or MODEL_DIR) / str(pointer.get("file", ""))
        if path.name.startswith("local-") and path.is_file():
            return path
    if pointer:
        log.warning(
            "current.json aponta para %s, treinado com outro corpus, parâmetros ou código: usando o modelo só do "
            "corpus; rode `flask --app ingest_api treinar` para incluir as correções",
            pointer.get("model"),
        )
    path = model_path(base, model_dir)
    if not path.exists():
        log.info("local model %s not cached: training it now", base)
        train(corpus_dir, model_dir, make_current=False)
    return path


def load_model(corpus_dir: Path = CORPUS_DIR, model_dir: Path | None = None) -> dict:
    """The current model's bundle, from memory or its file (see `current_model_path`)."""
    with _load_lock:
        path = current_model_path(corpus_dir, model_dir)
        if path not in _loaded:
            bundle = joblib.load(path)
            # keep one model per directory in memory: a reload after training frees the previous one
            for old in [p for p in _loaded if p.parent == path.parent]:
                del _loaded[old]
            _loaded[path] = bundle
        return _loaded[path]


def pointer_stamp(model_dir: Path | None) -> tuple[int, int, int] | None:
    try:
        st = os.stat(pointer_path(model_dir))
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def load_corrections() -> tuple[list[Correction], str | None]:
    """The curators' current corrections from PostgreSQL, oldest first, and None; or no corrections and the
    reason they could not be read (no DATABASE_URL, database unreachable)."""
    try:
        from shared.classification.corrections import current_corrections
        from shared.settings import get_settings

        if not get_settings().database_url:
            return [], "DATABASE_URL não definido"
        return [Correction(text, category) for text, category in current_corrections()], None
    except Exception as exc:  # noqa: BLE001 - no database means corpus only, said in plain words
        return [], f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}".strip()


def train_current(use_corrections: bool = True, model_dir: Path | None = None) -> tuple[TrainingSummary, str | None]:
    """What `make train` and `flask treinar` do: corpus + corrections (when the database answers) -> new
    current model. Returns the summary and, when corrections could not be read, why."""
    corrections, problem = load_corrections() if use_corrections else ([], None)
    return train(model_dir=model_dir, corrections=corrections), problem
