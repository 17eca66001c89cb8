"""The purchase model (BG/NBD) as plain functions: its fit and its closed forms, each held to
something computed another way (the paper's published fit, the model's own generative
process, numerical integration, another implementation of the hypergeometric function)."""

import csv
import math
from pathlib import Path

import numpy as np
from scipy import integrate, special

from odoo.tests import BaseCase, tagged

from ..tools import purchase_model as bgnbd

DATA = Path(__file__).resolve().parent / "data"
# Fader, Hardie & Lee (2005), the CDNOW sample: their estimates and log-likelihood
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LOG_LIKELIHOOD = -9582.4


def simulate(rng, parameters, ages, horizon=0.0):
    """Customers drawn from the model's own generative process (section 2 of the paper).

    Each customer gets a purchase rate from the gamma distribution (shape r, rate alpha)
    and a dropout probability from the beta distribution (a, b); from its first purchase
    at time 0 it buys at that rate, and after each repeat purchase drops out with that
    probability. Returns (x, t_x, alive at its T, purchases in (T, T + horizon]).
    """
    r, alpha, a, b = parameters
    size = len(ages)
    rates = rng.gamma(r, 1 / alpha, size)
    dropouts = rng.beta(a, b, size)
    frequency, recency = np.zeros(size), np.zeros(size)
    alive, future = np.ones(size, dtype=bool), np.zeros(size)
    for index in range(size):
        age, now = ages[index], 0.0
        while True:
            now += rng.exponential(1 / rates[index])
            if now > age + horizon:
                break
            if now <= age:
                frequency[index] += 1
                recency[index] = now
            else:
                future[index] += 1
            if rng.random() < dropouts[index]:
                alive[index] = now > age
                break
    return frequency, recency, alive, future


def standard_errors(model, frequency, recency, age):
    """Standard errors of the logarithms of the fitted parameters: the inverse of the
    Hessian of the negative log-likelihood, by central differences of its gradient."""
    likelihood = bgnbd._Likelihood(*bgnbd._as_data(frequency, recency, age))
    point = np.log(model.parameters)
    step = 1e-5
    hessian = np.empty((4, 4))
    for column in range(4):
        shift = np.zeros(4)
        shift[column] = step
        hessian[:, column] = (
            likelihood.negative(point + shift)[1] - likelihood.negative(point - shift)[1]
        ) / (2 * step)
    return np.sqrt(np.diag(np.linalg.inv((hessian + hessian.T) / 2)))


def by_integration(model, horizon, x, t_x, age):
    """(P(alive), expected purchases in the next `horizon` weeks) of one customer, by
    integrating over the purchase rate and the dropout probability numerically: the
    customer's likelihood given both (equation 3 of the paper) times their prior
    densities, alive or not at T, and the purchases of an alive customer."""
    r, alpha, a, b = model.parameters

    def parts(u, v):
        # below a shape of 1, rate = v^(1/r) and dropout = u^(1/a): the densities lose
        # their pole at 0
        rate = v ** (1 / r) if r < 1 else v
        dropout = u ** (1 / a) if a < 1 else u
        prior = (1 - dropout) ** (b - 1) * math.exp(-alpha * rate)
        if r >= 1:
            prior *= rate ** (r - 1)
        if a >= 1:
            prior *= dropout ** (a - 1)
        alive = (1 - dropout) ** x * rate**x * math.exp(-rate * age)
        gone = dropout * (1 - dropout) ** (x - 1) * rate**x * math.exp(-rate * t_x) if x else 0.0
        return prior, alive, gone, rate, dropout

    def integral(integrand):
        # the rate up to where its gamma density is negligible
        top = (r + 60.0) / alpha
        top = top**r if r < 1 else top
        return integrate.dblquad(
            lambda u, v: integrand(*parts(u, v)), 0, top, 0, 1, epsabs=0, epsrel=1e-10
        )[0]

    total = integral(lambda prior, alive, gone, _rate, _dropout: prior * (alive + gone))
    alive = integral(lambda prior, alive, _gone, _rate, _dropout: prior * alive)
    expected = integral(
        lambda prior, alive, _gone, rate, dropout: prior
        * alive
        * -math.expm1(-rate * dropout * horizon)
        / dropout
    )
    return alive / total, expected / total


def expected_by_scipy(model, horizon, x, t_x, age):
    """Equation 10 as printed, with scipy's hypergeometric function."""
    r, alpha, a, b = model.parameters
    z = horizon / (alpha + age + horizon)
    hypergeometric = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    bracket = 1 - ((alpha + age) / (alpha + age + horizon)) ** (r + x) * hypergeometric
    dropout = (a / (b + x - 1)) * ((alpha + age) / (alpha + t_x)) ** (r + x) if x else 0.0
    return (a + b + x - 1) / (a - 1) * bracket / (1 + dropout)


@tagged("post_install", "-at_install")
class TestPurchaseModel(BaseCase):
    def test_fit_reproduces_the_published_cdnow_estimates(self):
        with (DATA / "cdnow_customers_summary.csv").open() as data:
            rows = list(csv.DictReader(data))
        frequency = [float(row["frequency"]) for row in rows]
        recency = [float(row["recency"]) for row in rows]
        age = [float(row["T"]) for row in rows]
        model = bgnbd.fit(frequency, recency, age)
        self.assertEqual((model.customer_count, model.repeat_customer_count), (2357, 946))
        # the paper gives three decimals: the maximum lies within half a unit of the last
        for name, published in PUBLISHED.items():
            with self.subTest(parameter=name):
                self.assertAlmostEqual(getattr(model, name), published, delta=0.0006)
        self.assertAlmostEqual(model.log_likelihood, PUBLISHED_LOG_LIKELIHOOD, delta=0.05)
        # and it is the maximum: the published (rounded) estimates do not do better
        at_published = bgnbd.log_likelihood(list(PUBLISHED.values()), frequency, recency, age)
        self.assertGreaterEqual(model.log_likelihood, at_published)
        # grouped customers give the same fit
        groups = {}
        for key in zip(frequency, recency, age, strict=True):
            groups[key] = groups.get(key, 0) + 1
        grouped = bgnbd.fit(*zip(*groups.keys(), strict=True), counts=list(groups.values()))
        self.assertAlmostEqual(grouped.log_likelihood, model.log_likelihood, places=6)
        self.assertEqual(grouped.customer_count, 2357)

    def test_fit_recovers_the_parameters_of_simulated_customers(self):
        true = (0.6, 5.0, 1.2, 3.0)
        rng = np.random.default_rng(2005)
        # customers who joined over a year, observed until week 78
        ages = rng.uniform(26, 78, 8000)
        frequency, recency, _alive, _future = simulate(rng, true, ages)
        model = bgnbd.fit(frequency, recency, ages)
        errors = standard_errors(model, frequency, recency, ages)
        for name, value, estimate, error in zip(
            bgnbd.PARAMETERS, true, model.parameters, errors, strict=True
        ):
            with self.subTest(parameter=name, estimate=estimate, standard_error=error):
                # the sample is large enough to say something: each within 15 %
                self.assertLess(error, 0.15)
                # and the estimate within three standard errors of the truth
                self.assertLess(abs(math.log(estimate) - math.log(value)), 3 * error)
        self.assertGreaterEqual(
            model.log_likelihood, bgnbd.log_likelihood(true, frequency, recency, ages)
        )

    def test_closed_forms_against_numerical_integration(self):
        # the paper's CDNOW fit, shapes above 1, and a dropout that the paper's series sums
        for parameters in (
            (0.243, 4.414, 0.793, 2.426),
            (1.5, 2.0, 3.0, 5.0),
            (0.5, 2.0, 6.0, 10.0),
        ):
            model = bgnbd.PurchaseModel(*parameters)
            for x, t_x, age, horizon in (
                (0, 0.0, 38.86, 39.0),
                (2, 30.43, 38.86, 12.86),
                (1, 1.71, 38.86, 39.0),
                (5, 10.0, 35.0, 52.0),
            ):
                with self.subTest(parameters=parameters, x=x, t_x=t_x, age=age):
                    p_alive, expected = by_integration(model, horizon, x, t_x, age)
                    self.assertAlmostEqual(
                        bgnbd.p_alive(model, [x], [t_x], [age])[0] / p_alive, 1, delta=1e-8
                    )
                    self.assertAlmostEqual(
                        bgnbd.expected_purchases(model, horizon, [x], [t_x], [age])[0] / expected,
                        1,
                        delta=1e-8,
                    )

    def test_expected_purchases_against_scipy_hypergeometric(self):
        rng = np.random.default_rng(10)
        for parameters in (
            (0.243, 4.414, 0.793, 2.426),
            (1.5, 2.0, 5.0, 20.0),  # a large enough for the paper's own series
            (2.0, 1.0, 0.3, 0.5),
            (0.05, 0.2, 2.5, 1.2),
        ):
            model = bgnbd.PurchaseModel(*parameters)
            age = rng.uniform(0, 100, 200)
            x = rng.integers(0, 40, 200).astype(float)
            t_x = np.where(x > 0, rng.uniform(0, 1, 200) * age, 0.0)
            for horizon in (1 / 7, 12.86, 52.0):
                ours = bgnbd.expected_purchases(model, horizon, x, t_x, age)
                theirs = [
                    expected_by_scipy(model, horizon, *row) for row in zip(x, t_x, age, strict=True)
                ]
                with self.subTest(parameters=parameters, horizon=horizon):
                    np.testing.assert_allclose(ours, theirs, rtol=1e-9)

    def test_closed_forms_against_the_simulation(self):
        """Over a simulated population, the sum of P(alive) is the number of customers
        alive at T and the sum of the expected purchases the number made in the next
        weeks, within sampling error (the model's parameters are the true ones)."""
        true = (0.8, 4.0, 0.9, 2.5)
        horizon = 26.0
        rng = np.random.default_rng(42)
        ages = rng.uniform(10, 60, 20000)
        frequency, recency, alive, future = simulate(rng, true, ages, horizon)
        model = bgnbd.PurchaseModel(*true)
        p_alive = bgnbd.p_alive(model, frequency, recency, ages)
        expected = bgnbd.expected_purchases(model, horizon, frequency, recency, ages)
        # each customer's outcome is a draw given its figures: the sums differ by about
        # the square root of the sum of the variances
        self.assertLess(
            abs(alive.sum() - p_alive.sum()), 3 * math.sqrt((p_alive * (1 - p_alive)).sum())
        )
        self.assertLess(
            abs(future.sum() - expected.sum()), 3 * math.sqrt(((future - expected) ** 2).sum())
        )
        # and they are not trivially close: the customers are not all alive or all gone
        self.assertTrue(0.2 < alive.mean() < 0.8)

    def test_edges(self):
        model = bgnbd.PurchaseModel(0.8, 3.0, 1.0, 2.0)  # a = 1: no singularity
        near = bgnbd.PurchaseModel(0.8, 3.0, 1.0 + 1e-7, 2.0)
        ours = bgnbd.expected_purchases(model, 12.86, [2, 0], [10.0, 0.0], [20.0, 20.0])
        nearby = bgnbd.expected_purchases(near, 12.86, [2, 0], [10.0, 0.0], [20.0, 20.0])
        np.testing.assert_allclose(ours, nearby, rtol=1e-6)
        # a customer on its first day, and one that bought on one day only: alive
        self.assertEqual(list(bgnbd.p_alive(model, [0, 0], [0.0, 0.0], [0.0, 30.0])), [1.0, 1.0])
        # a very frequent buyer gone long ago: P(alive) all but 0, not an overflow
        self.assertLess(bgnbd.p_alive(model, [500], [1.0], [100.0])[0], 1e-300)
        # too few repeat buyers to fit
        with self.assertRaises(bgnbd.ModelNotFitted) as raised:
            bgnbd.fit([1] * 49 + [0] * 500, [1.0] * 49 + [0.0] * 500, [10.0] * 549)
        self.assertEqual(raised.exception.reason, "too_few_repeat_buyers")
        self.assertEqual(raised.exception.values, {"count": 49, "needed": 50})
        with self.assertRaises(ValueError):
            bgnbd.fit([1.5], [1.0], [2.0])
        with self.assertRaises(ValueError):
            bgnbd.fit([1], [3.0], [2.0])  # t_x after T
