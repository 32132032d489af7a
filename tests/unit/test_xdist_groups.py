"""How `make test` shares the suite between its two pytest-xdist workers (tests/conftest.py): every file is
a group of its own, e2e files included (a new one needs no registration), the infra tests share one
synth, and the e2e files go out first, the short api and unit files last."""

from __future__ import annotations

from tests.conftest import _group, _rank


def test_each_e2e_file_is_a_group_of_its_own_so_both_workers_run_stacks() -> None:
    names = ["tests/e2e/test_make_run.py::test_x", "tests/e2e/test_import_bulk.py::test_y",
             "tests/e2e/test_some_screen_added_later.py::test_z[hi]"]
    groups = [_group(n) for n in names]
    assert groups == ["tests/e2e/test_make_run.py", "tests/e2e/test_import_bulk.py",
                      "tests/e2e/test_some_screen_added_later.py"]
    assert _group("tests/e2e/test_make_run.py::test_a") == _group("tests/e2e/test_make_run.py::test_b")


def test_the_infra_tests_share_one_group_and_other_files_are_their_own() -> None:
    assert _group("tests/infra/test_a.py::t") == _group("tests/infra/sub/test_b.py::t") == "infra"
    assert _group("tests/api/test_calls.py::test_x") == "tests/api/test_calls.py"
    assert _group("tests/unit/test_core.py::test_x") == "tests/unit/test_core.py"


def test_the_e2e_files_go_out_first_then_infra_api_and_unit() -> None:
    order = sorted(["tests/unit/test_core.py::t", "tests/api/test_calls.py::t", "tests/infra/test_a.py::t",
                    "tests/e2e/test_web.py::t", "tests/e2e/test_fuzz.py::t"], key=_rank)
    assert order == ["tests/e2e/test_web.py::t", "tests/e2e/test_fuzz.py::t", "tests/infra/test_a.py::t",
                     "tests/api/test_calls.py::t", "tests/unit/test_core.py::t"]
