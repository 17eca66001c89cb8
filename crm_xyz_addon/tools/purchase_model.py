"""The purchase model of the early warning, free of the ORM: BG/NBD.

Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "'Counting Your Customers'
the Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2),
275-284. Equation numbers below are the paper's.

While a customer is active, it buys at a rate lambda (a Poisson process); after
each repeat purchase it drops out for good with probability p. Across customers,
lambda follows a gamma distribution (shape r, rate alpha) and p a beta
distribution (a, b). A customer is described by x, its repeat purchases (here:
its sale days after the first), t_x, the time from its first to its last sale
day, and T, the time from its first sale day to the analysis date, in weeks.

The model is fitted by maximum likelihood (equation 6) over every customer of a
company. Per customer it gives the probability that it is still active
(equation 13) and the expected number of purchases in the next t weeks
(equation 10). The database computes the same closed forms when a list is read,
searched or sorted (``purchase_model_query``); these functions are the reference
that the tests hold the SQL to.

Equation 10 needs Gauss's hypergeometric function 2F1(r+x, b+x; a+b+x-1; z) with
z = t / (alpha + T + t). It is summed as a series in one of two equivalent forms,
whichever converges in fewer terms (see ``_expected_while_alive``):

* Euler's transformation, 2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z),
  gives 1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(...) = 1 - (1-z)^(a-1) F with
  F = 2F1(a+b-1-r, a-1; a+b+x-1; z), which converges in few terms for frequent
  buyers and has no singularity at a = 1;
* the series of the paper's form itself, for a dropout distribution with a large a.
"""

import math
from dataclasses import dataclass

import numpy as np

# scipy is imported where a model is fitted (once a night), not when Odoo loads the
# addon: its 300 modules and 40,000 objects would lengthen every full garbage collection
# of every Odoo worker, on every request

# fewer customers with a repeat purchase than this: too few to fit the four parameters
MIN_REPEAT_CUSTOMERS = 50
DAYS_PER_WEEK = 7.0
PARAMETERS = ("r", "alpha", "a", "b")
# the parameters are searched between these bounds (in weeks for alpha)
LOWER_BOUND = 1e-6
UPPER_BOUND = 1e6
# the series of equation 10: stop when a term no longer changes the sum
SERIES_TOLERANCE = 1e-15
SERIES_MAX_TERMS = 1_000_000
# exponents clamped so that exp() neither overflows nor underflows (as in SQL)
EXP_LIMIT = 700.0


@dataclass(frozen=True)
class PurchaseModel:
    """A fitted BG/NBD model: its parameters and how it was fitted."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")
    customer_count: int = 0
    repeat_customer_count: int = 0

    @property
    def parameters(self):
        return (self.r, self.alpha, self.a, self.b)


class ModelNotFitted(Exception):
    """No model: `reason` is "too_few_repeat_buyers" or "no_convergence", `values`
    the figures of the message (the caller translates it)."""

    def __init__(self, reason, **values):
        super().__init__(reason, values)
        self.reason = reason
        self.values = values


def weeks(days):
    """Days (int or array) as weeks (floats)."""
    return np.asarray(days, dtype=float) / DAYS_PER_WEEK


def _as_data(frequency, recency, age, counts=None):
    """(x, t_x, T, counts) as float arrays, checked: x whole, 0 <= t_x <= T, counts > 0."""
    x = np.asarray(frequency, dtype=float)
    t_x = np.asarray(recency, dtype=float)
    age = np.asarray(age, dtype=float)
    counts = np.ones_like(x) if counts is None else np.asarray(counts, dtype=float)
    if not (x.shape == t_x.shape == age.shape == counts.shape) or x.ndim != 1:
        raise ValueError("frequency, recency, age and counts must be 1-D arrays of one length")
    finite = np.isfinite(x) & np.isfinite(t_x) & np.isfinite(age) & np.isfinite(counts)
    if not finite.all():
        raise ValueError("the data must be finite numbers")
    if (x < 0).any() or (x != np.round(x)).any():
        raise ValueError("the repeat purchases must be whole numbers, 0 or more")
    if (t_x < 0).any() or (t_x > age).any() or (counts <= 0).any():
        raise ValueError("0 <= recency <= age and counts > 0 for every customer")
    return x, t_x, age, counts


def _dot(left, right):
    """The dot product of two vectors (einsum: numpy's dot hands it to a threaded BLAS,
    which is many times slower on a busy machine)."""
    return np.einsum("i,i->", left, right)


class _Likelihood:
    """The log-likelihood of equation 6 and its gradient, over grouped customers.

    The terms that depend on x alone (gamma and beta functions, their derivatives) are
    computed once per distinct x, and the customers' weights summed per distinct x: per
    customer, only a few logarithms and exponentials are computed.
    """

    def __init__(self, x, t_x, age, counts):
        self.x, self.t_x, self.age, self.counts = x, t_x, age, counts
        self.unique_x, self.index = np.unique(x, return_inverse=True)
        self.count_by_x = np.bincount(self.index, weights=counts)
        self.repeat = x > 0
        self.total = counts.sum()

    def negative(self, log_parameters):
        """(-log-likelihood, its gradient in the logarithms of the parameters)."""
        from scipy import special

        r, alpha, a, b = np.exp(log_parameters)
        ux, index, x, counts = self.unique_x, self.index, self.x, self.counts
        ux_repeat = np.maximum(ux, 1.0)  # the second term exists for x > 0 only
        log_beta_ab = special.betaln(a, b)
        # per distinct x
        first_x = special.betaln(a, b + ux) - log_beta_ab
        second_x = np.where(ux > 0, special.betaln(a + 1, b + ux_repeat - 1) - log_beta_ab, 0.0)
        gamma_x = special.gammaln(r + ux) - special.gammaln(r)
        # per customer: each one's likelihood is the sum of two terms, the second (it
        # dropped out after its last purchase) for x > 0 only
        log_alpha_age = np.log(alpha + self.age)
        log_alpha_recency = np.log(alpha + self.t_x)
        first = first_x[index] - (r + x) * log_alpha_age
        second = np.where(self.repeat, second_x[index] - (r + x) * log_alpha_recency, -np.inf)
        both = np.logaddexp(first, second)
        # the share of the second term in each customer's likelihood, and of the first
        weight_second = np.exp(second - both)
        weight_first = 1.0 - weight_second
        log_likelihood = (
            _dot(self.count_by_x, gamma_x) + self.total * r * math.log(alpha) + _dot(counts, both)
        )

        # the gradient: the derivatives of the terms of each distinct x, weighted by the
        # customers' shares summed per distinct x
        first_by_x = np.bincount(index, weights=counts * weight_first, minlength=ux.size)
        second_by_x = np.bincount(index, weights=counts * weight_second, minlength=ux.size)
        psi_ab = special.digamma(a + b)
        psi_abx = special.digamma(a + b + ux)
        psi_b = special.digamma(b)
        d_a = _dot(first_by_x, psi_ab - psi_abx) + _dot(
            second_by_x, special.digamma(a + 1) - special.digamma(a) + psi_ab - psi_abx
        )
        d_b = _dot(first_by_x, special.digamma(b + ux) - psi_abx - psi_b + psi_ab) + _dot(
            second_by_x, special.digamma(b + ux_repeat - 1) - psi_abx - psi_b + psi_ab
        )
        weighted_first, weighted_second = counts * weight_first, counts * weight_second
        d_r = (
            _dot(self.count_by_x, special.digamma(r + ux) - special.digamma(r))
            + self.total * math.log(alpha)
            - _dot(weighted_first, log_alpha_age)
            - _dot(weighted_second, log_alpha_recency)
        )
        d_alpha = self.total * r / alpha - _dot(
            counts * (r + x), weight_first / (alpha + self.age) + weight_second / (alpha + self.t_x)
        )
        gradient = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
        return -float(log_likelihood), -gradient


def log_likelihood(parameters, frequency, recency, age, counts=None):
    """The log-likelihood (equation 6) of `parameters` (r, alpha, a, b) over the customers."""
    likelihood = _Likelihood(*_as_data(frequency, recency, age, counts))
    value, _gradient = likelihood.negative(np.log(np.asarray(parameters, dtype=float)))
    return -value


def fit(frequency, recency, age, counts=None, min_repeat_customers=MIN_REPEAT_CUSTOMERS):
    """The maximum-likelihood BG/NBD model of the customers.

    :param frequency: x per customer (or per group of identical customers)
    :param recency: t_x, in weeks
    :param age: T, in weeks
    :param counts: how many customers each row stands for (default 1 each)
    :raises ModelNotFitted: too few customers with a repeat purchase, or no optimum
    """
    from scipy import optimize

    x, t_x, age, counts = _as_data(frequency, recency, age, counts)
    repeat_customers = int(counts[x > 0].sum())
    if repeat_customers < min_repeat_customers:
        raise ModelNotFitted(
            "too_few_repeat_buyers", count=repeat_customers, needed=min_repeat_customers
        )
    likelihood = _Likelihood(x, t_x, age, counts)
    bounds = [(math.log(LOWER_BOUND), math.log(UPPER_BOUND))] * 4
    # from r = alpha = a = b = 1, in logarithms: every parameter stays positive
    result = optimize.minimize(
        likelihood.negative,
        np.zeros(4),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 1000, "ftol": 1e-12, "gtol": 1e-8},
    )
    if not _is_maximum(likelihood, result.x):
        # an awkward likelihood: the simplex needs no gradient (a bounded number of steps:
        # each reads every customer)
        simplex = optimize.minimize(
            lambda point: likelihood.negative(point)[0],
            result.x if np.isfinite(result.fun) else np.zeros(4),
            method="Nelder-Mead",
            bounds=bounds,
            options={"maxiter": 1000, "xatol": 1e-10, "fatol": 1e-10},
        )
        if not np.isfinite(result.fun) or simplex.fun < result.fun:
            result = simplex
    if not _is_maximum(likelihood, result.x):
        raise ModelNotFitted("no_convergence", detail=str(result.message))
    r, alpha, a, b = (float(value) for value in np.exp(result.x))
    return PurchaseModel(
        r=r,
        alpha=alpha,
        a=a,
        b=b,
        log_likelihood=-float(result.fun),
        customer_count=int(counts.sum()),
        repeat_customer_count=repeat_customers,
    )


def _is_maximum(likelihood, log_parameters):
    """Whether the point is a maximum of the likelihood within the bounds: its gradient is
    nil but where a bound stops it (the line search of L-BFGS-B may stop there with an
    "abnormal" message when no step improves the likelihood any more)."""
    value, gradient = likelihood.negative(log_parameters)
    if not (np.isfinite(value) and np.isfinite(gradient).all()):
        return False
    at_lower = log_parameters <= math.log(LOWER_BOUND) + 1e-9
    at_upper = log_parameters >= math.log(UPPER_BOUND) - 1e-9
    # the negative log-likelihood may still fall beyond a bound: ignore that direction
    projected = np.where((at_lower & (gradient > 0)) | (at_upper & (gradient < 0)), 0.0, gradient)
    return bool(np.abs(projected).max() <= 1e-5 * max(1.0, abs(value)))


def _clamped_exp(value):
    return np.exp(np.clip(value, -EXP_LIMIT, EXP_LIMIT))


def _odds_of_dropout(model, x, t_x, age):
    """a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x) for x > 0, else 0."""
    r, alpha, a, b = model.parameters
    repeat = x > 0
    safe_x = np.where(repeat, x, 1.0)
    exponent = np.log(a / (b + safe_x - 1)) + (r + safe_x) * np.log((alpha + age) / (alpha + t_x))
    return np.where(repeat, _clamped_exp(exponent), 0.0)


def p_alive(model, frequency, recency, age):
    """P(alive | x, t_x, T) (equation 13): the probability that each customer is still
    active at the analysis date. 1 for a customer without a repeat purchase (the model
    lets customers drop out only after a repeat purchase)."""
    x, t_x, age = (np.asarray(value, dtype=float) for value in (frequency, recency, age))
    return 1.0 / (1.0 + _odds_of_dropout(model, x, t_x, age))


def _expm1_over(value):
    """(exp(value) - 1) / value, exact near 0."""
    value = np.asarray(value, dtype=float)
    small = np.abs(value) < 1e-5
    safe = np.where(small, 1.0, value)
    return np.where(small, 1 + value / 2 + value * value / 6, np.expm1(safe) / safe)


def _series(first_term, ratio, size):
    """Sum of the terms first_term * prod(ratio(k)) for k = 1, 2, ... per element, stopping
    element by element when a term no longer changes its sum; the sums are kept below
    1e250 by a power of ten returned apart. Returns (sum, exponent of ten)."""
    term = np.array(first_term, dtype=float)
    total = term.copy()
    scale = np.zeros(size)
    active = np.ones(size, dtype=bool) & (term != 0)
    k = 1
    while active.any() and k <= SERIES_MAX_TERMS:
        index = np.flatnonzero(active)
        term[index] = term[index] * ratio(index, k)
        total[index] += term[index]
        big = index[np.abs(total[index]) > 1e250]
        if big.size:
            total[big] *= 1e-250
            term[big] *= 1e-250
            scale[big] += 250
        done = (np.abs(term[index]) <= SERIES_TOLERANCE * np.abs(total[index])) | (
            np.abs(term[index]) < 1e-290
        )
        active[index[done]] = False
        k += 1
    return total, scale


def _scaled(log_factor, total, scale):
    """exp(log_factor) * total * 10^scale, without overflow or underflow."""
    magnitude = np.log(np.where(total == 0, 1.0, np.abs(total)))
    return np.where(
        total == 0,
        0.0,
        np.sign(total) * _clamped_exp(log_factor + scale * math.log(10) + magnitude),
    )


def _expected_while_alive(model, horizon, x, age):
    """E[purchases in (T, T + t] | x, T, alive at T]: the numerator of equation 10.

    Equation 10 is c/(a-1) [1 - (1-z)^(r+x) G] / D with c = a+b+x-1,
    G = 2F1(r+x, b+x; c; z) and z = t/(alpha+T+t). Two exact rewritings of the
    bracket, with L = ln(1-z), u = (a-1) L and s = r + x:

    * Euler: G = (1-z)^(a-1-s) F, F = 2F1(A, a-1; c; z), A = a+b-1-r; with
      F = 1 + (a-1) H/c the numerator is c L (1 - e^u)/u - e^u H... written as
      -c L expm1(u)/u - e^u H with H = sum_k h_k, h_1 = A z,
      h_{k+1} = h_k (A+k)(a+k-1) z / ((c+k)(k+1)); no singularity at a = 1.
      Its terms peak around k = a z/(1-z).
    * direct: the numerator is c/(a-1) [-expm1(s L) - e^(s L) S] with
      S = G - 1 = sum_k g_k, g_1 = s (b+x) z / c,
      g_{k+1} = g_k (s+k)(b+x+k) z / ((c+k)(k+1)); its terms peak around
      k = s z/(1-z).

    Each customer gets the form whose terms peak earlier: the direct one when
    a >= s + 2 (then a - 1 >= 1: no cancellation), else Euler's.
    """
    r, alpha, a, b = model.parameters
    size = x.size
    z = horizon / (alpha + age + horizon)
    log_rest = -np.log1p(horizon / (alpha + age))  # L = ln(1 - z) = -ln(1 + t/(alpha+T))
    c = a + b + x - 1
    s = r + x
    direct = a >= s + 2
    result = np.empty(size)

    euler = np.flatnonzero(~direct)
    if euler.size:
        z_e, c_e, log_rest_e = z[euler], c[euler], log_rest[euler]
        big_a = a + b - 1 - r
        u = (a - 1) * log_rest_e
        total, scale = _series(
            big_a * z_e,
            lambda index, k: (big_a + k) * (a + k - 1) * z_e[index] / ((c_e[index] + k) * (k + 1)),
            euler.size,
        )
        result[euler] = -c_e * log_rest_e * _expm1_over(u) - _scaled(u, total, scale)

    plain = np.flatnonzero(direct)
    if plain.size:
        z_d, c_d, log_rest_d = z[plain], c[plain], log_rest[plain]
        s_d, bx = s[plain], b + x[plain]
        total, scale = _series(
            s_d * bx * z_d / c_d,
            lambda index, k: (
                (s_d[index] + k) * (bx[index] + k) * z_d[index] / ((c_d[index] + k) * (k + 1))
            ),
            plain.size,
        )
        exponent = s_d * log_rest_d
        bracket = -np.expm1(exponent) - _scaled(exponent, total, scale)
        result[plain] = c_d / (a - 1) * bracket
    return result


def expected_purchases(model, horizon, frequency, recency, age):
    """E[Y(t) | x, t_x, T] (equation 10): the expected number of purchases of each
    customer in the next `horizon` weeks."""
    x, t_x, age = (
        np.atleast_1d(np.asarray(value, dtype=float)) for value in (frequency, recency, age)
    )
    horizon = float(horizon)
    while_alive = _expected_while_alive(model, horizon, x, age)
    return while_alive / (1.0 + _odds_of_dropout(model, x, t_x, age))
