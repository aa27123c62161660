"""The README's Python examples build real tasks (so a DAG author can paste them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from airflow.sdk import DAG

README = (Path(__file__).parents[1] / "README.md").read_text()
#: Examples that need a live Sinch or a running receiver: hook calls and the callback receiver.
NEEDS_A_SERVER = re.compile(r"^[^#\n]*(Hook\(|os\.environ\[)", flags=re.M)


def _sections() -> list[tuple[str, list[str]]]:
    sections = []
    for chunk in re.split(r"^## ", README, flags=re.M)[1:]:
        title = chunk.splitlines()[0]
        blocks = [
            b for b in re.findall(r"```python\n(.*?)```", chunk, flags=re.S) if not NEEDS_A_SERVER.search(b)
        ]
        if blocks:
            sections.append((title, blocks))
    return sections


SECTIONS = _sections()


def test_every_api_section_has_examples():
    titles = {title for title, _ in SECTIONS}
    assert {"Campaign API", "US Short Code Campaigns API", "10DLC Campaign Registration API"} <= titles


@pytest.mark.parametrize(("title", "blocks"), SECTIONS, ids=[title for title, _ in SECTIONS])
def test_examples_build_tasks(title, blocks):
    namespace: dict = {}
    with DAG(dag_id=re.sub(r"\W+", "_", title).strip("_").lower(), schedule=None) as dag:
        for block in blocks:
            exec(compile(block, f"README: {title}", "exec"), namespace)
    assert dag.tasks, f"the examples of {title!r} build no task"
