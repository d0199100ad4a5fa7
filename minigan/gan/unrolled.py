"""Unrolled GAN (Metz et al. 2017): the generator steps against D as it will be after k more steps.

The look-ahead is k steps of gradient descent on D's loss, from D's current parameters θ⁰, on the
D step's real batch and G's fakes x̃ = G(z) (Metz et al., eq. 2):

    θᵏ⁺¹ = θᵏ − η ∇θ L_D(θᵏ, x̃)                                    k = 0 … K−1

and G minimizes its loss against the last one, f_K = L_G(D_θᴷ(x̃)). θᴷ depends on x̃ through
every step, so the gradient G needs has a second-order part (reverse mode through the K updates;
derivation in docs/unrolled-gan.md):

    λᴷ = ∂L_G/∂θᴷ
    λᵏ = λᵏ⁺¹ − η Hₖ λᵏ⁺¹                     Hₖ = ∇²θ L_D(θᵏ)         (the Hessian-vector product)
    df_K/dx̃ = ∂L_G/∂x̃ |θᴷ − η Σₖ ∂/∂x̃ ⟨∇θ L_D(θᵏ, x̃), λᵏ⁺¹⟩          (the mixed term)

Both second-order quantities come from one double backward of L_D with λᵏ⁺¹ as the adjoint of
D's parameter gradients (:func:`hessian_vector_product`). A generator step so costs one pass of D
for L_G, plus, per look-ahead step, a forward and backward (the step) and a forward, backward and
double backward (its Hessian-vector product): measured in docs/unrolled-gan.md#cost.

D is not changed: the look-ahead is thrown away, D trains as usual, and only G's objective
changes. K = 0 is the ordinary generator step. Gradient check: tests/test_unrolled.py and the
"unrolled" rows of ``minigan gradcheck``.
"""
from __future__ import annotations

from minigan.backend import get_array_module
from minigan.checks import check_fits
from .discriminator_pass import discriminator_pass


def check_unrollable(D):
    """Raise ValueError naming the first layer of D whose parameter gradients cannot be differentiated."""
    reason = D.second_order_problem()
    if reason is not None:
        raise ValueError(f"unrolled GAN (--unroll): the look-ahead differentiates D's gradient steps (second order), "
                         f"which this discriminator cannot: {reason}")


def hessian_vector_product(D, loss, real, fake, v, real_target: float = 1.0):
    """Second derivatives of L_D(θ, real, fake) at D's current θ, along ``v`` (one array per parameter).

    With P = ⟨∇θ L_D, v⟩, returns (∂P/∂θ = H v, one array per parameter; ∂P/∂fake, shaped like
    ``fake``). D's ``.grad`` is zeroed and left holding H v.

    One forward, one backward kept for the double backward, then the two sweeps of the double
    backward with v as the adjoint of the parameter gradients. L_D's own derivative dL_D/d out
    depends on D's output, so between the sweeps ∂P/∂(dL_D/d out) becomes ∂P/∂out through the
    loss's second derivative (``loss.curvature``).
    """
    xp = get_array_module(real)
    params = D.parameters()
    _, out = discriminator_pass(D, loss, real, fake, real_target, keep_for_double_backward=True)
    D.zero_grad()                                  # from here .grad collects ∂P/∂θ
    for p, vp in zip(params, v):
        p.grad_adjoint = vp
    try:
        d_dout = D.double_backward_up(None)                           # ∂P/∂(dL_D/d out), (2B, 1)
        half = out.shape[0] // 2
        curvature = xp.concatenate([loss.curvature(out[:half]), loss.curvature(out[half:])])
        d_x = D.double_backward_down(curvature * d_dout)              # ∂P/∂[real; fake]
    except Exception:
        D.clear_cache()                            # no half-swept double backward left behind
        raise
    finally:
        for p in params:
            p.grad_adjoint = None
    if d_x is None:
        d_x = xp.zeros((real.shape[0] + fake.shape[0],) + tuple(fake.shape[1:]), dtype=fake.dtype)
    return [p.grad.copy() for p in params], d_x[real.shape[0]:]


class UnrolledObjective:
    """L_G against D after ``steps`` look-ahead steps of gradient descent with learning rate ``lr``,
    differentiated through them. A generator objective (minigan/gan/objectives.py)."""

    def __init__(self, loss, steps: int, lr: float, real_target: float = 1.0):
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise ValueError(f"UnrolledObjective: expected steps >= 1 look-ahead steps, got {steps!r}")
        if not (isinstance(lr, (int, float)) and 0 < lr < float("inf")):
            raise ValueError(f"UnrolledObjective: expected a look-ahead learning rate lr > 0, got {lr!r}")
        self.loss, self.steps, self.lr, self.real_target = loss, steps, float(lr), real_target

    def __call__(self, D, real, fake, check=lambda out: out, auxiliary=None):
        if auxiliary is not None:
            raise ValueError(f"{type(self).__name__}: not written for a discriminator with extra heads (AC-GAN, InfoGAN)")
        params = D.parameters()
        # The look-ahead keeps every θᵏ for the way back: K copies of D's weights.
        check_fits(type(self).__name__, self.steps * sum(p.data.nbytes for p in params),
                   f"{self.steps} look-ahead copies of D's weights", "unroll fewer steps (--unroll)")
        start = [p.data for p in params]               # θ⁰, put back at the end: D does not keep the look-ahead
        saved_grads = [p.grad.copy() for p in params]
        try:
            # Look ahead: θᵏ⁺¹ = θᵏ − η ∇θ L_D(θᵏ). Each step makes new arrays, so θᵏ stays intact.
            trajectory = []
            for _ in range(self.steps):
                trajectory.append([p.data for p in params])
                D.zero_grad()
                discriminator_pass(D, self.loss, real, fake, self.real_target, check=check)
                for p in params:
                    p.data = p.data - self.lr * p.grad

            # G's loss against θᴷ: its gradient toward the fakes, and toward θᴷ (λᴷ).
            D.zero_grad()
            g_loss, d_out = self.loss.generator(check(D.forward(fake)))
            d_fake = D.backward(d_out)                 # ∂L_G/∂x̃ at θᴷ; D's .grad now holds λᴷ = ∂L_G/∂θᴷ
            lam = [p.grad.copy() for p in params]

            # Back through the look-ahead: each step adds its mixed term and carries λ one step back.
            for theta in reversed(trajectory):
                for p, data in zip(params, theta):
                    p.data = data
                h_lam, mixed = hessian_vector_product(D, self.loss, real, fake, lam, self.real_target)
                d_fake = d_fake - self.lr * mixed                        # −η ∂/∂x̃ ⟨∇θ L_D(θᵏ), λᵏ⁺¹⟩
                lam = [l - self.lr * h for l, h in zip(lam, h_lam)]      # λᵏ = λᵏ⁺¹ − η Hₖ λᵏ⁺¹
        except Exception:
            D.clear_cache()
            raise
        finally:
            for p, data, grad in zip(params, start, saved_grads):
                p.data = data
                p.grad[...] = grad
        return g_loss, d_fake
