"""docs/api.md is what docs/gen_api.py generates, and the generator's name lists are sound."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _gen_api() -> Any:
    """``docs/gen_api.py``, loaded as a module (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("gen_api", ROOT / "docs" / "gen_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen_api() -> Any:
    return _gen_api()


def test_api_doc_is_current(gen_api: Any) -> None:
    current = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert current == gen_api.render(), \
        "docs/api.md is stale: run `python docs/gen_api.py`"


def test_every_category_is_nonempty_and_titled_once(gen_api: Any) -> None:
    empty = [c.heading for c in gen_api.CATEGORIES if not c.names]
    assert not empty, f"categories without names: {empty}"
    headings = Counter(c.heading for c in gen_api.CATEGORIES)
    assert all(n == 1 for n in headings.values()), \
        f"headings used twice: {[h for h, n in headings.items() if n > 1]}"


def test_no_name_appears_twice_in_a_category(gen_api: Any) -> None:
    for category in gen_api.CATEGORIES:
        twice = [n for n, k in Counter(category.names).items() if k > 1]
        assert not twice, f"{category.heading}: listed twice: {twice}"


def test_differs_entries_are_listed_names(gen_api: Any) -> None:
    listed = {n for c in gen_api.CATEGORIES for n in c.full_names()}
    unknown = sorted(set(gen_api.DIFFERS) - listed)
    assert not unknown, f"DIFFERS names that no category lists: {unknown}"
    for name, text in gen_api.DIFFERS.items():
        assert text and "|" not in text and "\n" not in text, \
            f"DIFFERS[{name!r}] must be one line without '|' (it is a table cell)"


def test_check_mode_reports_a_stale_page(gen_api: Any, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "api.md"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr(gen_api, "OUT", stale)
    assert gen_api.main(["--check"]) == 1
    assert "run `python docs/gen_api.py`" in capsys.readouterr().err
    assert gen_api.main([]) == 0
    assert gen_api.main(["--check"]) == 0
