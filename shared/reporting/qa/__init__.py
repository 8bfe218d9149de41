"""Questions about the last weeks (`POST /insights/perguntar`), answered from SQL aggregates.

- `aggregates`: the numbers of the asked ISO weeks (rollups; a few safe quotes);
- `intents`: what the question asks about (category, trend, artist, tag, weeks), read offline;
- `writing`: the offline answer in Portuguese;
- `answer`: Gemini over the same aggregates when enabled, the offline answer otherwise or on failure.
"""

from shared.reporting.qa.answer import Answer, answer_question

__all__ = ["Answer", "answer_question"]
