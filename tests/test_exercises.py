"""Exercises work both ways: each skeleton fails its check, the engine's own code put into the
skeleton passes, and each common mistake fails with its hint."""
import ast
import textwrap

import pytest

from minigan import exercises
from minigan.cli import main

# The engine's code for each stub, in the order the stubs appear (copied from minigan/).
SOLUTIONS = {
    "dense": ["""
        y = x @ self.weight.data
        if self.bias is not None:
            y += self.bias.data
        return y, x""", """
        x = cache
        self.weight.grad += x.T @ dy
        if self.bias is not None:
            self.bias.grad += dy.sum(axis=0)
        return dy @ self.weight.data.T"""],
    "leaky_relu": ["""
        slope = (x > 0) * (1 - self.negative_slope) + self.negative_slope
        return x * slope, slope""", """
        return dy * cache"""],
    "bce_with_logits": ["""
    n = logits.size
    e = np.exp(-np.abs(logits))
    value = float((np.maximum(logits, 0) + np.log1p(e) - targets * logits).sum()) / n
    sigma = np.where(logits >= 0, 1 / (1 + e), e / (1 + e))
    return value, (sigma - targets) / n"""],
    "batchnorm": ["""
        mu = x.mean(axis=0)
        var = ((x - mu) ** 2).mean(axis=0)
        inv_std = (var + self.eps) ** -0.5
        x_hat = (x - mu) * inv_std
        self._update_running(mu, var, m)
        return self.gamma.data * x_hat + self.beta.data, (x_hat, inv_std)""", """
        x_hat, inv_std = cache
        m = dy.shape[0]
        d_beta, d_gamma = dy.sum(axis=0), (dy * x_hat).sum(axis=0)
        self.beta.grad += d_beta
        self.gamma.grad += d_gamma
        return self.gamma.data * inv_std / m * (m * dy - d_beta - x_hat * d_gamma)"""],
    "col2im": ["""
    n, hc, wc, c = canvas_shape
    (kh, kw), (sh, sw), (ho, wo) = kernel_hw, stride_hw, out_hw
    cols = cols.reshape(n, ho, wo, kh, kw, c)
    canvas = np.zeros(canvas_shape, dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            canvas[:, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw, :] += cols[:, :, :, i, j, :]
    return canvas"""],
}

# A planted bug: (exercise, text to replace in the solution, its replacement, the hint the check must give).
BUGS = [
    ("dense", "self.weight.grad += x.T @ dy", "self.weight.grad += (x.T @ dy).T", "dW is transposed"),
    ("dense", "self.bias.grad += dy.sum(axis=0)", "self.bias.grad += dy.mean(axis=0)", "the bias gradient is averaged"),
    ("dense", "self.weight.grad += x.T @ dy", "self.weight.grad[...] = x.T @ dy", "use += into .grad"),
    ("leaky_relu", "(x > 0) * (1 - self.negative_slope) + self.negative_slope",
     "(x <= 0) * (1 - self.negative_slope) + self.negative_slope", "applied to the positive side"),
    ("bce_with_logits", "(sigma - targets) / n", "(sigma - targets)", "misses the 1/N"),
    ("batchnorm", "self.gamma.data * inv_std / m * (m * dy - d_beta - x_hat * d_gamma)",
     "self.gamma.data * inv_std * dy", "without the m·dy − Σdy − x̂·Σ(dy·x̂) terms"),
    ("col2im", "+= cols[:, :, :, i, j, :]", "= cols[:, :, :, i, j, :]", "instead of added"),
]


def filled(name: str, bug=None) -> str:
    """The skeleton with every `raise NotImplementedError(...)` replaced by the engine's code."""
    skeleton = exercises.get(name).skeleton
    lines = skeleton.splitlines()
    raises = [node for node in ast.walk(ast.parse(skeleton)) if isinstance(node, ast.Raise)
              and isinstance(node.exc, ast.Call) and getattr(node.exc.func, "id", "") == "NotImplementedError"]
    assert len(raises) == len(SOLUTIONS[name])
    for node, body in sorted(zip(raises, SOLUTIONS[name]), key=lambda p: -p[0].lineno):
        code = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * node.col_offset)
        if bug is not None and bug[0] in code:
            code = code.replace(*bug)
        lines[node.lineno - 1:node.end_lineno] = code.splitlines()
    return "\n".join(lines) + "\n"


def check_file(tmp_path, name, text, capsys):
    (tmp_path / f"{name}.py").write_text(text)
    code = main(["exercise", "check", name, "--dir", str(tmp_path)])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("name", list(exercises.EXERCISES))
def test_the_skeleton_fails_and_says_what_to_compute(name, tmp_path, capsys):
    assert main(["exercise", "start", name, "--dir", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["exercise", "check", name, "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "not written yet" in out and "PASS" not in out.split("\n", 2)[2].split("passed")[0].replace("0 passed", "")


@pytest.mark.parametrize("name", list(exercises.EXERCISES))
def test_the_engines_own_code_passes(name, tmp_path, capsys):
    code, out = check_file(tmp_path, name, filled(name), capsys)
    assert code == 0, out
    assert "0 failed" in out and "FAIL" not in out


@pytest.mark.parametrize("name,old,new,hint", BUGS, ids=[f"{b[0]}: {b[3]}" for b in BUGS])
def test_a_planted_bug_fails_with_its_hint(name, old, new, hint, tmp_path, capsys):
    text = filled(name, bug=(old, new))
    assert new in text
    code, out = check_file(tmp_path, name, text, capsys)
    assert code == 1 and "FAIL" in out
    assert hint in out, out


def test_start_never_overwrites_and_the_other_commands_answer(tmp_path, capsys):
    assert main(["exercise", "start", "dense", "--dir", str(tmp_path)]) == 0
    (tmp_path / "dense.py").write_text("# my work\n")
    assert main(["exercise", "start", "dense", "--dir", str(tmp_path)]) == 1
    assert (tmp_path / "dense.py").read_text() == "# my work\n"
    assert "exists already" in capsys.readouterr().err
    assert main(["exercise", "list"]) == 0 and "1. dense" in capsys.readouterr().out
    assert main(["exercise", "solution", "batchnorm"]) == 0 and "docs/batchnorm.md" in capsys.readouterr().out
    assert main(["exercise", "check", "nope", "--dir", str(tmp_path)]) == 1
    assert "no exercise named 'nope'" in capsys.readouterr().err
    assert main(["exercise", "check", "col2im", "--dir", str(tmp_path)]) == 1
    assert "minigan exercise start col2im" in capsys.readouterr().err
