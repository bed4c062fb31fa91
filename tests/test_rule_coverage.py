"""Traceability: which tests prove which rule of REQUIREMENTS.md.

The test sources under tests/ are read, never imported. A test function (or a method of a Test class) proves a
rule when it carries `@pytest.mark.rule("PG-ELIG-4")` (one or several ids, on the function, its class or the
module's `pytestmark`, or on a `pytest.param(..., marks=...)`), or when its name holds the id in snake case
(`test_pg_elig_4_social_insurance_run`). Names are matched against the ids REQUIREMENTS.md defines: a snake-case
id is only read as one when its letters are those of a known rule family (`pg_elig`, `x_id`, ...).

The catalogue is `../shared/REQUIREMENTS.md` beside the repository (as CI lays it out), or the file named by the
INTAKE_REQUIREMENTS environment variable.

    python -m tests.test_rule_coverage     prints every rule, in the catalogue's order, with the tests proving it
"""

from __future__ import annotations

import ast
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
ENV_VAR = "INTAKE_REQUIREMENTS"
DEFAULT_REQUIREMENTS = ROOT.parent / "shared" / "REQUIREMENTS.md"

# The rules of this round of work: each must have at least one test.
ROUND_RULES: tuple[str, ...] = (
    "PG-ELIG-1", "PG-ELIG-2", "PG-ELIG-3", "PG-ELIG-4", "PG-ELIG-5", "PG-ELIG-6",
    "PG-MAT-4", "PG-MAT-6", "PG-MAT-7", "PG-MAT-8", "PG-MAT-9", "PG-MAT-10", "PG-MAT-11", "PG-MAT-12",
    "SC-RULE-1", "SC-RULE-2", "SC-RULE-3", "SC-ELIG-1",
    "CG-FORM-1", "CG-FORM-2", "CG-MAT-1",
    "ED-ACC-1", "ED-FORM-1", "ED-FORM-2",
    "X-ID-1",
    # photo geometry and document legibility
    "PG-MAT-1", "PG-MAT-2", "ED-MAT-2", "CG-MAT-3",
)

# A rule is defined by a list item that starts with its id in bold: `- **PG-ELIG-1** The applicant ...`.
_DEFINITION = re.compile(r"^\s*[-*+]\s+\*\*([A-Z]+(?:-[A-Z]+)+-\d+)\*\*", re.MULTILINE)


# ------------------------------------------------------------------------------------------------ catalogue

def requirements_path() -> Path | None:
    """Where REQUIREMENTS.md is, or None when it is not there."""
    configured = os.environ.get(ENV_VAR)
    path = Path(configured) if configured else DEFAULT_REQUIREMENTS
    return path if path.is_file() else None


def _missing_catalogue_message() -> str:
    configured = os.environ.get(ENV_VAR)
    where = f"{ENV_VAR}={configured}" if configured else f"{DEFAULT_REQUIREMENTS} (or set {ENV_VAR})"
    return f"REQUIREMENTS.md not found at {where}: cannot trace tests to rules"


def rule_ids(text: str) -> list[str]:
    """The rule ids a requirements catalogue defines, in document order, each once."""
    return list(dict.fromkeys(_DEFINITION.findall(text)))


# ------------------------------------------------------------------------------------------------ test scan

@dataclass(frozen=True)
class ProvingTest:
    path: str
    """The test file, relative to the repository root, with forward slashes."""
    name: str
    """The function, or `Class::method`."""
    rules: tuple[str, ...]
    """Rule ids the test proves (marks and name), in the order found."""
    unknown: tuple[str, ...]
    """Ids the test names that the catalogue does not define (typos)."""

    @property
    def node(self) -> str:
        return f"{self.path}::{self.name}"


def _is_rule_mark(func: ast.expr) -> bool:
    """`pytest.mark.rule`, `mark.rule` (after `from pytest import mark`) or `_pytest.mark.rule`."""
    if not (isinstance(func, ast.Attribute) and func.attr == "rule"):
        return False
    owner = func.value
    return (isinstance(owner, ast.Attribute) and owner.attr == "mark") or (
        isinstance(owner, ast.Name) and owner.id == "mark")


def marked_rules(nodes: Iterable[ast.AST]) -> list[str]:
    """Every string given to a `mark.rule(...)` call anywhere inside `nodes` (decorators, `pytestmark`)."""
    found = []
    for node in nodes:
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and _is_rule_mark(call.func):
                found += [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return found


def named_rules(name: str, families: set[str]) -> list[str]:
    """Rule ids written in snake case in a function name: `test_pg_elig_4_run` → `PG-ELIG-4`.

    Each run of lower-case words followed by a number is read; its longest tail of two or more words that is a
    known family (`pg_elig`) gives the id. Words that are no family (`test`, `and`) are never an id."""
    tokens = name.split("_")
    found = []
    for i, token in enumerate(tokens):
        if not token.isdigit():
            continue
        start = i
        while start > 0 and re.fullmatch(r"[a-z]+", tokens[start - 1]):
            start -= 1
        for first in range(start, i - 1):
            family = "_".join(tokens[first:i])
            if family in families:
                found.append(f"{family.upper().replace('_', '-')}-{token}")
                break
    return found


def _families(known: Iterable[str]) -> set[str]:
    return {rule.rsplit("-", 1)[0].lower().replace("-", "_") for rule in known}


def _tests_in(body: list[ast.stmt], prefix: str, inherited: list[str]) -> Iterator[tuple[str, list[str]]]:
    """(name, marks) of every test function in a module or class body, as pytest collects them by default."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            yield prefix + node.name, inherited + marked_rules(node.decorator_list)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            marks = inherited + marked_rules(node.decorator_list) + marked_rules(_pytestmark(node.body))
            yield from _tests_in(node.body, f"{prefix}{node.name}::", marks)


def _pytestmark(body: list[ast.stmt]) -> list[ast.expr]:
    values = []
    for node in body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        if node.value is not None and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in targets):
            values.append(node.value)
    return values


def scan_source(source: str, path: str, known: Iterable[str]) -> list[ProvingTest]:
    """The tests of one test module's source, with the rules each proves."""
    known = set(known)
    families = _families(known)
    tree = ast.parse(source, filename=path)
    refs = []
    for name, marks in _tests_in(tree.body, "", marked_rules(_pytestmark(tree.body))):
        ids = list(dict.fromkeys(marks + named_rules(name.rsplit("::", 1)[-1], families)))
        refs.append(ProvingTest(path=path, name=name, rules=tuple(i for i in ids if i in known),
                            unknown=tuple(i for i in ids if i not in known)))
    return refs


def find_test_files(root: Path = TESTS) -> list[Path]:
    """`test_*.py` under tests/, skipping hidden and cache folders."""
    return sorted(p for p in root.rglob("test_*.py")
                  if not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(root).parts))


def scan_tests(known: Iterable[str], root: Path = TESTS) -> list[ProvingTest]:
    known = list(known)
    refs = []
    for path in find_test_files(root):
        relative = path.relative_to(root.parent).as_posix()
        refs += scan_source(path.read_text(encoding="utf-8"), relative, known)
    return refs


def coverage(known: list[str], refs: list[ProvingTest]) -> dict[str, list[str]]:
    """Every known rule, in catalogue order, with the tests (`file::name`) that prove it."""
    proofs: dict[str, list[str]] = {rule: [] for rule in known}
    for ref in refs:
        for rule in ref.rules:
            proofs[rule].append(ref.node)
    return proofs


def table(proofs: dict[str, list[str]]) -> str:
    width = max(len(rule) for rule in proofs) + 2
    lines = []
    for rule, nodes in proofs.items():
        lines.append(f"{rule:<{width}}{nodes[0] if nodes else '—'}")
        lines += [f"{'':<{width}}{node}" for node in nodes[1:]]
    covered = sum(1 for nodes in proofs.values() if nodes)
    lines.append(f"\n{covered} of {len(proofs)} rules have at least one test.")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ the tests

@pytest.fixture(scope="module")
def known_rules() -> list[str]:
    path = requirements_path()
    if path is None:
        pytest.skip(_missing_catalogue_message())
    rules = rule_ids(path.read_text(encoding="utf-8"))
    assert rules, f"{path} defines no rule ids (expected list items like '- **PG-ELIG-1** ...')"
    return rules


@pytest.fixture(scope="module")
def refs(known_rules: list[str]) -> list[ProvingTest]:
    return scan_tests(known_rules)


def test_this_rounds_rule_list_names_rules_of_the_catalogue(known_rules):
    unknown = [rule for rule in ROUND_RULES if rule not in known_rules]
    assert not unknown, f"ROUND_RULES names rules REQUIREMENTS.md does not define: {', '.join(unknown)}"


def test_every_rule_of_this_round_has_a_test(known_rules, refs):
    proofs = coverage(known_rules, refs)
    untested = [rule for rule in ROUND_RULES if rule in proofs and not proofs[rule]]
    assert not untested, (
        f"no test proves {', '.join(untested)}: add @pytest.mark.rule(\"…\") or put the id in the test's name")


def test_tests_name_only_rules_that_exist(refs):
    typos = [f"{ref.node}: {rule}" for ref in refs for rule in ref.unknown]
    assert not typos, "tests name rule ids REQUIREMENTS.md does not define:\n" + "\n".join(typos)


_SAMPLE = '''
import pytest
from pytest import mark

pytestmark = [pytest.mark.filterwarnings("ignore"), pytest.mark.rule("X-ID-1")]

@pytest.mark.rule("PG-ELIG-4")
@pytest.mark.rule("PG-MAT-4", "PG-MAT-6")
def test_several_marks(): ...

@mark.rule("PG-ELIG-44")
def test_typo_in_mark(): ...

def test_pg_elig_2_and_pg_mat_10_by_name(): ...

async def test_sc_rule_3_async(): ...

def test_pg_elig_7_typo_in_name(): ...

def test_test_pg_elig_1_and_tax_id_1_and_words_2(): ...

@pytest.mark.parametrize("x", [pytest.param(1, marks=pytest.mark.rule("CG-MAT-1"))])
def test_param_marks(x): ...

def helper_pg_elig_3(): ...

@pytest.mark.rule("CG-FORM-2")
class TestHistory:
    pytestmark = pytest.mark.rule("CG-FORM-1")

    def test_ed_form_1_method(self):
        def test_nested_is_not_collected(): ...

    def helper(self): ...

class Helper:
    def test_not_collected(self): ...
'''
_SAMPLE_KNOWN = ["PG-ELIG-1", "PG-ELIG-2", "PG-ELIG-3", "PG-ELIG-4", "PG-MAT-4", "PG-MAT-6", "PG-MAT-10",
                 "SC-RULE-3", "CG-FORM-1", "CG-FORM-2", "CG-MAT-1", "ED-FORM-1", "X-ID-1"]


def test_the_scanner_reads_marks_names_classes_and_module_marks():
    refs = {r.name: r for r in scan_source(_SAMPLE, "tests/unit/test_sample.py", _SAMPLE_KNOWN)}
    assert list(refs) == [
        "test_several_marks", "test_typo_in_mark", "test_pg_elig_2_and_pg_mat_10_by_name", "test_sc_rule_3_async",
        "test_pg_elig_7_typo_in_name", "test_test_pg_elig_1_and_tax_id_1_and_words_2", "test_param_marks",
        "TestHistory::test_ed_form_1_method",
    ]
    got = {name: (ref.rules, ref.unknown) for name, ref in refs.items()}
    assert got == {
        "test_several_marks": (("X-ID-1", "PG-ELIG-4", "PG-MAT-4", "PG-MAT-6"), ()),
        "test_typo_in_mark": (("X-ID-1",), ("PG-ELIG-44",)),
        "test_pg_elig_2_and_pg_mat_10_by_name": (("X-ID-1", "PG-ELIG-2", "PG-MAT-10"), ()),
        "test_sc_rule_3_async": (("X-ID-1", "SC-RULE-3"), ()),
        "test_pg_elig_7_typo_in_name": (("X-ID-1",), ("PG-ELIG-7",)),
        "test_test_pg_elig_1_and_tax_id_1_and_words_2": (("X-ID-1", "PG-ELIG-1"), ()),
        "test_param_marks": (("X-ID-1", "CG-MAT-1"), ()),
        "TestHistory::test_ed_form_1_method": (("X-ID-1", "CG-FORM-2", "CG-FORM-1", "ED-FORM-1"), ()),
    }
    method = refs["TestHistory::test_ed_form_1_method"]
    assert method.node == "tests/unit/test_sample.py::TestHistory::test_ed_form_1_method"


def test_the_catalogue_is_read_in_document_order():
    text = "# R\n\n- **PG-ELIG-2** b, unlike PG-ELIG-9\n- **PG-ELIG-1** a (see **PG-ELIG-2**)\n* **X-ID-1** c\n"
    assert rule_ids(text) == ["PG-ELIG-2", "PG-ELIG-1", "X-ID-1"]


def test_a_missing_catalogue_is_a_skip_that_says_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere.md"))
    assert requirements_path() is None
    assert "nowhere.md" in _missing_catalogue_message()
    (tmp_path / "nowhere.md").write_text("- **X-ID-1** ids\n", encoding="utf-8")
    assert requirements_path() == tmp_path / "nowhere.md"


def main() -> int:
    path = requirements_path()
    if path is None:
        print(_missing_catalogue_message(), file=sys.stderr)
        return 2
    known = rule_ids(path.read_text(encoding="utf-8"))
    refs = scan_tests(known)
    print(table(coverage(known, refs)))
    typos = [f"{ref.node}: {rule}" for ref in refs for rule in ref.unknown]
    if typos:
        print("\nTests naming rule ids REQUIREMENTS.md does not define:\n" + "\n".join(typos))
    untested = [rule for rule in ROUND_RULES if rule in known and not any(rule in ref.rules for ref in refs)]
    if untested:
        print(f"\nThis round's rules without a test: {', '.join(untested)}")
    return 1 if typos or untested else 0


if __name__ == "__main__":
    sys.exit(main())
