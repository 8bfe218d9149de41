"""Reading a labeled dataset: any CSV with at least `texto` and `categoria` (`id`, `tags_esperadas`,
`artista`, `album`, `musica`, `nota` optional). Problems are reported with the CSV line number."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from shared.contracts import normalize_tag_code
from shared.vocabulary import CATEGORY_VALUES, Category

REQUIRED_COLUMNS = ("texto", "categoria")
TAG_SEPARATOR = ";"


class DatasetError(ValueError):
    """The dataset cannot be evaluated; the message says what to fix (in Portuguese)."""


@dataclass(frozen=True)
class EvalRow:
    id: str
    texto: str
    categoria: Category
    tags_esperadas: frozenset[str] = field(default_factory=frozenset)
    artista: str | None = None
    album: str | None = None
    musica: str | None = None
    nota: str | None = None


def _optional(row: dict[str, str | None], column: str) -> str | None:
    return (row.get(column) or "").strip() or None


def load_dataset(path: Path) -> list[EvalRow]:
    if not path.is_file():
        raise DatasetError(f"arquivo não encontrado: {path}")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            columns = [c.strip() for c in (reader.fieldnames or [])]
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise DatasetError(
                    f"{path.name}: faltam as colunas obrigatórias {', '.join(missing)} "
                    f"(colunas encontradas: {', '.join(columns) or 'nenhuma'})"
                )
            reader.fieldnames = columns
            rows = [(reader.line_num, raw) for raw in reader]
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path.name}: o arquivo não está em UTF-8 ({exc.reason})") from None
    except csv.Error as exc:
        raise DatasetError(f"{path.name}: CSV inválido: {exc}") from None

    result: list[EvalRow] = []
    seen: dict[str, int] = {}
    for line, raw in rows:
        texto = (raw.get("texto") or "").strip()
        if not texto:
            raise DatasetError(f"{path.name}, linha {line}: texto vazio")
        value = (raw.get("categoria") or "").strip()
        if value not in CATEGORY_VALUES:
            raise DatasetError(
                f"{path.name}, linha {line}: categoria desconhecida {value!r}; use uma de {', '.join(CATEGORY_VALUES)}"
            )
        row_id = _optional(raw, "id") or f"linha-{line}"
        if row_id in seen:
            raise DatasetError(f"{path.name}, linha {line}: id {row_id!r} repetido (já usado na linha {seen[row_id]})")
        seen[row_id] = line
        try:
            tags = frozenset(
                normalize_tag_code(code)
                for code in (raw.get("tags_esperadas") or "").split(TAG_SEPARATOR)
                if code.strip()
            )
        except ValueError as exc:
            raise DatasetError(f"{path.name}, linha {line}: tag esperada inválida ({exc})") from None
        result.append(
            EvalRow(
                id=row_id,
                texto=texto,
                categoria=Category(value),
                tags_esperadas=tags,
                artista=_optional(raw, "artista"),
                album=_optional(raw, "album"),
                musica=_optional(raw, "musica"),
                nota=_optional(raw, "nota"),
            )
        )
    if not result:
        raise DatasetError(f"{path.name}: nenhuma linha para avaliar")
    return result
