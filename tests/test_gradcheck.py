"""Every backward pass against float64 finite differences: the same rows `minigan gradcheck` prints."""

import numpy
import pytest

from minigan import gradcheck, nn

from minigan.gradcheck import suite
from minigan.cli import main


@pytest.mark.parametrize("case", suite.LAYER_CASES, ids=lambda c: c.name)
def test_layer_gradients(case):
    results = suite.run_layer_case(case)
    checked = {r.wrt for r in results}
    module, x = case.build()
    # every float input (x, or x0, x1, ... for several inputs; integer labels have no gradient) and every parameter
    inputs = {f"x{k}" for k, part in enumerate(x) if part.dtype.kind == "f"} if isinstance(x, tuple) \
        else {"x"} if x.dtype.kind == "f" else set()
    assert checked == inputs | {name for name, _ in module.named_parameters()}
    assert {r.mode for r in results} == set(case.modes) == {"train", "eval"}
    for r in results:
        assert r.max_rel_error <= gradcheck.THRESHOLD, f"{r.name} ({r.mode}) d/d{r.wrt}: {r.max_rel_error:.2e}"


@pytest.mark.parametrize("name,fn,logits", suite.LOSS_CASES, ids=[c[0] for c in suite.LOSS_CASES])
def test_loss_gradients(name, fn, logits):
    r = suite.run_loss_case(name, fn, logits)
    assert r.max_rel_error <= gradcheck.THRESHOLD, f"{name}: {r.max_rel_error:.2e}"


class WrongTanh(nn.Tanh):
    """A plausible bug: forgetting to square y in 1 − y²."""

    def _backward(self, dy, y):
        return dy * (1 - y)


class ForgetsBias(nn.Dense):
    """A plausible bug: the bias gradient is the batch mean of dy instead of its sum."""

    def _backward(self, dy, x, input_grad=True):
        dx = super()._backward(dy, x, input_grad)
        self.bias.grad[...] = dy.mean(axis=0)
        return dx


@pytest.mark.parametrize("method", ["elementwise", "direction"])
def test_the_checker_catches_wrong_backward_passes(method):
    x = numpy.random.default_rng(0).standard_normal((4, 3))
    r = gradcheck.check_module(WrongTanh(), x, method=method)
    assert not r[0].passed and r[0].max_rel_error > 1e-3
    results = {c.wrt: c for c in gradcheck.check_module(ForgetsBias(3, 2), x, method=method)}
    assert results["x"].passed and results["weight"].passed
    assert not results["bias"].passed


def test_the_checker_catches_a_wrong_loss_gradient():
    def half_gradient(z):
        value, grad = suite.losses.generator_loss_nonsaturating(z)
        return value, grad / 2
    assert not gradcheck.check_loss(half_gradient, numpy.linspace(-2, 2, 8).reshape(8, 1)).passed


def test_rel_error_is_symmetric_and_floored():
    assert gradcheck.rel_error(1.0, 1.1) == gradcheck.rel_error(1.1, 1.0) == pytest.approx(0.1 / 2.1)
    assert gradcheck.rel_error(0.0, 0.0) == 0.0
    assert gradcheck.rel_error(0.0, 1e-10) == pytest.approx(1e-2)   # the 1e-8 floor


def test_gradcheck_command_prints_the_table_and_exits_0(capsys):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["name", "mode", "tensor", "shape", "max", "rel", "error", "PASS/FAIL"]
    assert not [line for line in out.splitlines() if line.endswith("FAIL") and "PASS/FAIL" not in line]
    names = table_names(out)
    for case in suite.LAYER_CASES:
        assert case.name in names
    assert "0 failed" in out
    assert max(len(line) for line in out.splitlines()) <= 100          # fits a 100-column terminal


def table_names(out: str) -> list:
    """The name column of a printed table, a name wrapped over several lines joined again (a row's
    columns are parted by two spaces; a wrapped name's next line holds only the rest of the name)."""
    names = []
    for line in out.splitlines()[2:]:
        if not line.strip() or " gradients checked in float64 " in line:
            continue
        if "  " in line.rstrip():
            names.append(line.split("  ")[0].strip())
        else:
            names[-1] += " " + line.strip()
    return names


def test_gradcheck_filters_by_name_and_can_show_only_the_failures(monkeypatch, capsys):
    assert main(["gradcheck", "--filter", "leakyrelu"]) == 0
    names = table_names(capsys.readouterr().out)
    assert names and all("leakyrelu" in name.lower() for name in names) and "LeakyReLU 0.2" in names
    broken = suite.Case("Wrong tanh", lambda: (WrongTanh(), numpy.linspace(-1, 1, 6).reshape(2, 3)))
    monkeypatch.setattr(suite, "LAYER_CASES", suite.LAYER_CASES + [broken])
    assert main(["gradcheck", "--filter", "tanh", "--failed"]) == 1
    out = capsys.readouterr().out
    table = [line for line in out.splitlines()[2:] if line.strip() and " gradients checked " not in line]
    assert table and all(line.startswith("Wrong tanh") and line.endswith("FAIL") for line in table)
    assert "2 failed" in out and "only the failed rows are shown" in out
    assert main(["gradcheck", "--filter", "nothing-like-this"]) == 1
    assert "--filter 'nothing-like-this' matches no case" in capsys.readouterr().err


def test_a_long_name_wraps_inside_its_column():
    row = gradcheck.CheckResult("a case with a very long name " * 4, "x", (2, 3), 1e-9, "train")
    lines = suite.format_table([row]).splitlines()
    assert max(len(line) for line in lines) <= 100 and len([l for l in lines if l.startswith("a case")]) == 1


def test_gradcheck_command_exits_non_zero_when_a_row_fails(monkeypatch, capsys):
    broken = suite.Case("Wrong tanh", lambda: (WrongTanh(), numpy.linspace(-1, 1, 6).reshape(2, 3)))
    monkeypatch.setattr(suite, "LAYER_CASES", suite.LAYER_CASES + [broken])
    assert main(["gradcheck", "--filter", "wrong tanh"]) == 1          # (the whole table: the test above)
    out = capsys.readouterr().out
    assert "Wrong tanh" in out and "FAIL" in out and "2 failed" in out   # its train and eval rows
