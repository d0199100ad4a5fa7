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
    "gan_losses": ["""
    n = fake_logits.size
    e = np.exp(-np.abs(fake_logits))
    sigma = np.where(fake_logits >= 0, 1 / (1 + e), e / (1 + e))
    return -float((np.maximum(fake_logits, 0) + np.log1p(e)).sum()) / n, -sigma / n""", """
    n = fake_logits.size
    e = np.exp(-np.abs(fake_logits))
    sigma = np.where(fake_logits >= 0, 1 / (1 + e), e / (1 + e))
    return float((np.maximum(-fake_logits, 0) + np.log1p(e)).sum()) / n, (sigma - 1) / n"""],
    "adam": ["""
        b1, b2 = self.betas
        m, v = self.slots["m"][i], self.slots["v"][i]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        m_hat = m / (1 - b1 ** self.step_count)
        v_hat = v / (1 - b2 ** self.step_count)
        p.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)"""],
    "conv2d": ["""
        canvas = place_on_canvas(x.transpose(0, 2, 3, 1), (h + sum(ph), w + sum(pw)), (ph[0], pw[0]))
        cols = im2col(canvas, self.kernel_size, self.stride, (ho, wo))
        out = cols @ self._weight_matrix()
        if self.bias is not None:
            out += self.bias.data
        y = out.reshape(n, ho, wo, self.out_channels).transpose(0, 3, 1, 2)
        return y, (cols, canvas.shape, (h, w), (ph, pw), (ho, wo))""", """
        cols, canvas_shape, (h, w), (ph, pw), (ho, wo) = cache
        dy_mat = dy.transpose(0, 2, 3, 1).reshape(-1, self.out_channels)
        f, c, kh, kw = self.weight.data.shape
        self.weight.grad += (cols.T @ dy_mat).reshape(kh, kw, c, f).transpose(3, 2, 0, 1)
        if self.bias is not None:
            self.bias.grad += dy_mat.sum(axis=0)
        dcanvas = col2im(dy_mat @ self._weight_matrix().T, canvas_shape, self.kernel_size, self.stride, (ho, wo))
        return dcanvas[:, ph[0]:ph[0] + h, pw[0]:pw[0] + w, :].transpose(0, 3, 1, 2)"""],
    "conv_transpose2d": ["""
        x_mat = x.transpose(0, 2, 3, 1).reshape(n * h * w, c)
        cols = x_mat @ self._weight_matrix()
        canvas = col2im(cols, (n, *canvas_hw, self.out_channels), self.kernel_size, self.stride, (h, w))
        y = canvas[:, top:top + ho, left:left + wo, :]
        if self.bias is not None:
            y = y + self.bias.data
        return y.transpose(0, 3, 1, 2), (x_mat, (h, w), (top, left), canvas_hw)""", """
        x_mat, (h, w), (top, left), canvas_hw = cache
        n, f = dy.shape[:2]
        dy_nhwc = dy.transpose(0, 2, 3, 1)
        if self.bias is not None:
            self.bias.grad += dy_nhwc.sum(axis=(0, 1, 2))
        dcols = im2col(place_on_canvas(dy_nhwc, canvas_hw, (top, left)), self.kernel_size, self.stride, (h, w))
        c, _, kh, kw = self.weight.data.shape
        self.weight.grad += (x_mat.T @ dcols).reshape(c, kh, kw, f).transpose(0, 3, 1, 2)
        return (dcols @ self._weight_matrix().T).reshape(n, h, w, self.in_channels).transpose(0, 3, 1, 2)"""],
    "gan_step": ["""
    batch = real.shape[0]
    fake = G.forward(noise)
    opt_d.zero_grad()
    logits = D.forward(np.concatenate([real, fake]))
    d_loss, d_real, d_fake = loss.discriminator(logits[:batch], logits[batch:])
    D.backward(np.concatenate([d_real, d_fake]))
    opt_d.step()
    opt_g.zero_grad()
    g_loss, d_logits = loss.generator(D.forward(fake))
    with D.frozen():
        d_fake_points = D.backward(d_logits)
    G.backward(d_fake_points)
    opt_g.step()
    return d_loss, g_loss"""],
    "gradient_penalty": ["""
    out = D.forward(x_hat)
    with D.frozen():
        g = D.backward(np.ones_like(out), keep_for_double_backward=True)
    n = x_hat.shape[0]
    norms = np.sqrt((g * g).reshape(n, -1).sum(axis=1))
    value = weight * float(((norms - 1) ** 2).mean())
    dg = (2 * weight * (norms - 1) / (n * np.maximum(norms, 1e-30))).reshape((n,) + (1,) * (g.ndim - 1)) * g
    D.double_backward(dg)
    return value"""],
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
    ("gan_losses", "(sigma - 1) / n", "(1 - sigma) / n", "the wrong sign"),
    ("adam", "m_hat = m / (1 - b1 ** self.step_count)", "m_hat = m", "no bias correction"),
    ("adam", "v_hat = v / (1 - b2 ** self.step_count)", "v_hat = v", "no bias correction"),
    ("gan_step", "with D.frozen():", "if True:", "D was not frozen"),
    ("gan_step", "    opt_g.zero_grad()\n", "", "zero each network's gradients"),
    ("gradient_penalty", "norms = np.sqrt((g * g).reshape(n, -1).sum(axis=1))",
     "norms = np.full(n, np.sqrt((g * g).sum()))", "over the whole batch"),
    ("gradient_penalty", "    D.double_backward(dg)\n", "    D.clear_cache()\n", "never reached D's .grad"),
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
    assert "not written yet" in out and "\n0 passed, " in out
    assert not any(line.startswith("PASS") for line in out.splitlines())


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


# The learner's file runs in a process of its own: nothing in it can end, stall or fool the grader.
def _forward_loops(text):
    return text.replace("        raise NotImplementedError(", "        while True:\n            pass\n        raise NotImplementedError(", 1)


@pytest.mark.parametrize("case,make,words", [
    ("sys.exit at import", lambda t: "import sys\nsys.exit(0)\n" + t, ["it called sys.exit(0) (at ", "dense.py:2)"]),
    ("exit inside a method", lambda t: t.replace("        raise NotImplementedError(", "        raise SystemExit(0)\n"
                                                 "        raise NotImplementedError(", 1), ["it called sys.exit(0)"]),
    ("endless loop at import", lambda t: "while True:\n    pass\n" + t, ["did not finish within 3 s"]),
    ("endless loop in a method", _forward_loops, ["did not finish within 3 s"]),
    ("empty file", lambda t: "", ["defines no 'Dense'", "keep the skeleton's name 'Dense'"]),
    ("another name", lambda t: t.replace("class Dense", "class MyDense"), ["defines no 'Dense'"]),
    ("syntax error", lambda t: t + "\ndef broken(:\n", ["SyntaxError", "dense.py:"]),
    ("an error in the learner's code", lambda t: t.replace("        raise NotImplementedError(", "        1 / 0\n"
                                                           "        raise NotImplementedError(", 1),
     ["ZeroDivisionError", "(at "]),
])
def test_the_grader_cannot_be_ended_stalled_or_fooled(case, make, words, tmp_path, capsys):
    text = make(exercises.get("dense").skeleton)
    (tmp_path / "dense.py").write_text(text)
    code = main(["exercise", "check", "dense", "--dir", str(tmp_path), "--timeout", "3"])
    out = capsys.readouterr().out
    assert code == 1 and "FAIL" in out, out
    for w in words:
        assert w in out, out
    if case == "an error in the learner's code":           # at the learner's line, not at the grader's
        line = text.splitlines().index("        1 / 0") + 1
        assert f"dense.py:{line})" in out and "grading.py" not in out


def test_dir_naming_a_file_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    for action in ("start", "check"):
        assert main(["exercise", action, "dense", "--dir", str(tmp_path / "afile")]) == 1
        assert "is a file; give " in capsys.readouterr().err


# What the skeletons used to state: the result of the derivation the exercise asks for (issue 23).
GIVEAWAYS = {
    "dense": ["x.T @ dy", "dy @ W.T"],
    "leaky_relu": ["dy·a elsewhere", "dy/dx is 1"],
    "bce_with_logits": ["(sigmoid(l) - t)", "(σ(ℓ) − t)"],
    "gan_losses": ["-sigmoid(l) / N", "(sigmoid(l) - 1) / N"],
    "batchnorm": ["m*dy - sum(dy)", "dγ = Σ dy·x̂"],
    "col2im": ["ADD each window onto a zero"],
    "conv2d": ["colsᵀ @ dy_mat", "colsᵀ·dy_mat"],
    "conv_transpose2d": ["x_matᵀ @ dcols", "x_matᵀ·dcols"],
    "gradient_penalty": ["dP/dg = 2"],
}


@pytest.mark.parametrize("name", list(exercises.EXERCISES))
def test_the_skeleton_says_what_to_compute_never_the_result(name):
    skeleton = exercises.get(name).skeleton
    for answer in GIVEAWAYS.get(name, []):
        assert answer not in skeleton, f"the {name} skeleton gives the answer away: {answer!r}"


@pytest.mark.parametrize("name", list(exercises.EXERCISES))
def test_hints_come_in_levels_one_more_per_call(name, tmp_path, capsys):
    hints = exercises.get(name).hints
    assert len(hints) >= 3 and len(set(hints)) == len(hints)
    for call in range(1, len(hints) + 2):                    # one call past the last: the last again
        assert main(["exercise", "hint", name, "--dir", str(tmp_path)]) == 0
        out = capsys.readouterr().out
        level = min(call, len(hints))
        assert out.startswith(f"hint {level} of {len(hints)} for {name}: {hints[level - 1]}")
    assert "That was the last hint" in out and f"minigan exercise solution {name}" in out


def test_a_failed_check_suggests_the_next_hint(tmp_path, capsys):
    assert main(["exercise", "start", "dense", "--dir", str(tmp_path)]) == 0
    assert main(["exercise", "check", "dense", "--dir", str(tmp_path)]) == 1
    assert f"stuck? minigan exercise hint dense --dir {tmp_path} (hint 1 of 3)" in capsys.readouterr().out
    assert main(["exercise", "hint", "dense", "--dir", str(tmp_path)]) == 0
    assert main(["exercise", "check", "dense", "--dir", str(tmp_path)]) == 1
    assert "(hint 2 of 3)" in capsys.readouterr().out
    code, out = check_file(tmp_path, "dense", filled("dense"), capsys)
    assert code == 0 and "stuck?" not in out


@pytest.mark.parametrize("name", list(exercises.EXERCISES))
def test_the_solution_is_the_installed_engines_own_code(name, tmp_path, capsys, monkeypatch):
    import importlib
    import inspect
    monkeypatch.chdir(tmp_path)                                # from any folder, not only the repository
    assert main(["exercise", "solution", name]) == 0
    out = capsys.readouterr().out
    exercise = exercises.get(name)
    for reference in exercise.code:
        module_name, _, qualified = reference.partition(":")
        target = importlib.import_module(module_name)
        for attribute in qualified.split("."):
            target = getattr(target, attribute)
        assert textwrap.dedent(inspect.getsource(target)).strip() in out
        assert f"# {qualified}: " in out
    page = exercise.derivation.partition("#")[0]
    assert f"site/{page[:-3]}.html" in out


def test_a_transposed_weight_gradient_is_not_told_to_use_plus_equals(tmp_path, capsys):
    code, out = check_file(tmp_path, "dense", filled("dense", bug=("self.weight.grad += x.T @ dy",
                                                                    "self.weight.grad += (x.T @ dy).T")), capsys)
    assert code == 1 and "dW is transposed" in out
    assert "use += into .grad" not in out and "PASS  gradients accumulate" in out
