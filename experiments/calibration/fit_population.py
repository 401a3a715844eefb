"""Fit the population's mortality curve and smooth age distribution to Danish figures.

Two fits, both weighted least squares with ``scipy.optimize.least_squares``:

1. **Gompertz-Makeham mortality per sex**, hazard ``mu(a) = A + B*exp(C*a)`` per year, to life
   expectancy at birth and at 60 (DST 2019/2020) and the share of newborns reaching 80, 90 and 100
   (DST 2017/2018 mortality). Life expectancies are integrals of the survival function up to age 120,
   computed with Simpson's rule on a 0.05-year grid.
2. **Age distribution shape**: single-year ages 0..105 with density
   ``f(a) = Sbar(a) * exp(-r*a) * (1 + tilt_b*(a - mid_b)/half_b) * w_b`` per band b (0-64, 65-79, 80+),
   evaluated as ``sim.population.ages.age_density`` does, band shares fixed to DST 2019, fitted to the
   90+ share of the population (DST 2019) and the projected +59 % growth of the 80+ group from 2020 to
   2030 (DST projection 2020): the fitted distribution is the starting population, everyone ages 10
   years under the fitted sex-specific survival (by default with no migration and the hazard integrated
   over time; ``--death-rule yearly --immigration 3`` mimics what ``sim`` does now), and the 80+ count
   after is compared with before. r and the 0-64 tilt have no target and are pulled towards 0 by soft
   priors; |tilt| <= 0.95.

The figures are copied from ``sim/data/sources/denmark.yaml`` (entry names in the comments).
The script prints tables of the fit and a YAML snippet for ``configs/population/*.yaml``.

Since issue 11 only the mortality part is the default: the default population takes the real
single-year ages of 1 January 2021 (``population.ages: denmark_2021``, table built by
``build_age_table.py``), and the fitted age shape (fit 2) applies only with ``population.ages:
bands``. Do not paste the snippet's ``age_bands`` into ``national.yaml`` (see README.md).

Run from the repository root::

    .venv/bin/python experiments/calibration/fit_population.py
    .venv/bin/python experiments/calibration/fit_population.py --monte-carlo 4000000   # cross-check
    .venv/bin/python experiments/calibration/fit_population.py --death-rule yearly --immigration 3
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.integrate import simpson
from scipy.optimize import brentq, least_squares

from sim.population.mortality import FEMALE_AT_BIRTH  # the model's sex ratio at birth

# --------------------------------------------------------------------------------------------------------
# Calibration figures (sim/data/sources/denmark.yaml)
# --------------------------------------------------------------------------------------------------------

# life_expectancy_2019_2020 (value: e0; note: remaining life expectancy at 60), DST Middellevetid 2019/2020.
# survival_to_80_90_100: share of newborns reaching 80 / 90 / 100 under 2017/2018 mortality, DST via Ritzau.
MORTALITY_TARGETS: dict[str, dict[str, float]] = {
    "male": {"e0": 79.5, "e60": 22.3, "S80": 0.57, "S90": 0.19, "S100": 0.010},
    "female": {"e0": 83.6, "e60": 25.4, "S80": 0.69, "S90": 0.31, "S100": 0.033},
}
# Standard deviations of the weighted least squares (weight = 1 / sd^2). Life expectancies are the
# calibration targets (tolerance +-1 year) and are published to 0.1 year: sd 0.1 year, weight 100 per
# squared year. The survival shares are rounded to 1 point (0.1 at 100) and describe 2017/2018
# mortality, two years older than the life expectancies: sd 1 point at 80 and 90 (weight 1 per squared
# point) and 0.3 point at 100 (the figure is small, so 0.3 point is already about 10-30 % of it).
MORTALITY_SD: dict[str, float] = {"e0": 0.1, "e60": 0.1, "S80": 0.01, "S90": 0.01, "S100": 0.003}
MORTALITY_UNITS: dict[str, tuple[float, str]] = {  # display factor and unit per figure
    "e0": (1.0, "years"),
    "e60": (1.0, "years"),
    "S80": (100.0, "%"),
    "S90": (100.0, "%"),
    "S100": (100.0, "%"),
}

POP_TOTAL_2019 = 5_806_081  # pop_total_2019 (DST FOLK1A via Bolius)
POP_65PLUS_2019 = 1_136_063  # pop_65plus_2019
POP_65PLUS_WOMEN_2019 = 613_543  # pop_65plus_2019 note
POP_80PLUS_2019 = 263_746  # pop_80plus_2019
POP_80PLUS_WOMEN_2019 = 159_926  # pop_80plus_2019 note
POP_90PLUS_2019 = 44_743  # pop_90plus_2019
POP_80PLUS_2020 = 272_326  # pop_80plus_2020 (DST via Politiken): used only as an untargeted check
GROWTH_80PLUS_2020_2030 = 0.59  # proj_80plus_growth_2020_2030 (DST Befolkningsfremskrivning 2020)
# Assumptions of configs/population/national.yaml, used only in checks (births about 61,000 a year).
BIRTHS_PER_1000 = 10.5
NET_MIGRATION_PER_1000 = 3.0

# Band shares as in configs/population/national.yaml (DST FOLK1A 1 Jan 2019, rounded to add to 1).
BANDS: dict[str, tuple[int, int, float]] = {
    "0-64": (0, 64, 0.8043),
    "65-79": (65, 79, 0.1502),
    "80+": (80, 105, 0.0455),
}
MAX_AGE = 105

# Regularisation and target weights of the age fit (standard deviations).
SD_SHARE_90PLUS = 0.02  # relative: 2 % of the 90+ share (about 900 persons nationally)
SD_GROWTH_80PLUS = 0.01  # 1 point of growth (calibration tolerance is +-10 points)
SD_R = 0.005  # prior on r: 0 +- 0.5 % a year (0-64 has no target of its own)
SD_TILT_0_64 = 0.25  # prior on the 0-64 tilt: 0 +- 0.25 (no target either)
SD_BOOM = 0.001  # "boom" variant: ages 70-74 at least 1 % more than 65-69 and 75-79 (log ratio)
BOOM_MARGIN = 0.01
TILT_BOUND = 0.95  # |tilt| < 1 keeps the density positive at the band edges


# --------------------------------------------------------------------------------------------------------
# Mortality
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GM:
    """Gompertz-Makeham parameters: hazard A + B*exp(C*a) per year."""

    A: float
    B: float
    C: float

    def hazard(self, age: np.ndarray | float) -> np.ndarray:
        return self.A + self.B * np.exp(self.C * np.asarray(age, dtype=float))

    def survival(self, age: np.ndarray | float) -> np.ndarray:
        """Probability of surviving from birth to ``age`` (closed-form integral of the hazard)."""
        a = np.asarray(age, dtype=float)
        return np.exp(-self.A * a - self.B / self.C * np.expm1(self.C * a))

    def rounded(self) -> GM:
        """The values as printed in the YAML snippet (4 significant digits for A and B, 5 decimals for C)."""
        return GM(float(f"{self.A:.4g}"), float(f"{self.B:.4g}"), round(self.C, 5))


def life_table(p: GM, step: float = 0.05, top: float = 120.0) -> dict[str, float]:
    """Life expectancy at 0 and 60 (Simpson's rule on the survival curve to ``top``) and S(80/90/100)."""
    n = round(top / step)
    if n % 2:  # Simpson's rule wants an even number of intervals
        n += 1
    h = top / n
    grid = np.arange(n + 1) * h
    s = p.survival(grid)
    i60 = round(60.0 / h)
    if abs(i60 * h - 60.0) > 1e-9:
        raise ValueError(f"step {step} does not put a grid point at age 60")
    return {
        "e0": float(simpson(s, x=grid)),
        "e60": float(simpson(s[i60:], x=grid[i60:]) / s[i60]),
        "S80": float(p.survival(80.0)),
        "S90": float(p.survival(90.0)),
        "S100": float(p.survival(100.0)),
    }


def fit_gm(targets: dict[str, float], step: float, use: tuple[str, ...] | None = None) -> GM:
    """Weighted least-squares fit of (A, B, C) to ``targets`` (all figures unless ``use`` names some)."""
    keys = tuple(targets) if use is None else use
    t = np.array([targets[k] for k in keys])
    sd = np.array([MORTALITY_SD[k] for k in keys])

    def params(x: np.ndarray) -> GM:  # A in units of 1e-4 per year, log B, C
        return GM(x[0] * 1e-4, float(np.exp(x[1])), x[2])

    def residuals(x: np.ndarray) -> np.ndarray:
        fig = life_table(params(x), step)
        return (np.array([fig[k] for k in keys]) - t) / sd

    best = None
    for a0, c0 in [(5.0, 0.10), (1.0, 0.11), (10.0, 0.09), (0.0, 0.12)]:
        b0 = np.log(1e-5) - 10 * (c0 - 0.10)
        fit = least_squares(
            residuals,
            x0=[a0, b0, c0],
            bounds=([0.0, np.log(1e-9), 0.03], [100.0, np.log(1e-2), 0.25]),
            x_scale=[1.0, 1.0, 0.01],
            xtol=1e-12,
            ftol=1e-12,
            gtol=1e-12,
        )
        if best is None or fit.cost < best.cost:
            best = fit
    assert best is not None
    return params(best.x)


# --------------------------------------------------------------------------------------------------------
# Age distribution
# --------------------------------------------------------------------------------------------------------


def female_share(male: GM, female: GM, age: np.ndarray) -> np.ndarray:
    """The sex-mix rule: share of women at exact ``age`` in a population shaped by the life table."""
    f = FEMALE_AT_BIRTH * female.survival(age)
    return f / (f + (1 - FEMALE_AT_BIRTH) * male.survival(age))


class AgeModel:
    """The model's age density, sex-mix rule and survival, to age a starting population.

    Conventions of ``sim.population.ages.age_density``: single-year ages a = 0..105 are evaluated at
    their middle a + 0.5 (survival, growth factor and tilt), a band low..high is the interval
    [low, high + 1) with centre (low + high + 1)/2 and half-width (high + 1 - low)/2, and a person's exact
    age is a + U(0, 1). Sex is drawn by the rule at the exact age.

    ``rule`` is how deaths accumulate: ``"continuous"`` integrates the hazard over time (the life table
    itself), ``"yearly"`` applies, at each yearly tick, a death probability 1 - exp(-mu(age at tick)) for
    the whole year (what ``sim.population.dynamics.plan_year`` does now). ``immigration`` (per 1000 a
    year) adds immigrants with the population's age mix when the 80+ group is aged forward.
    """

    def __init__(
        self, male: GM, female: GM, rule: str = "continuous", immigration: float = 0.0, n_sub: int = 20
    ):
        if rule not in ("continuous", "yearly"):
            raise ValueError(f"unknown death rule {rule!r}")
        self.male, self.female, self.rule, self.immigration = male, female, rule, immigration
        self._cache: dict[tuple[int, float, str], np.ndarray] = {}
        self.ages = np.arange(MAX_AGE + 1, dtype=float)
        self.mid = self.ages + 0.5
        self.sbar = 0.5 * (male.survival(self.mid) + female.survival(self.mid))
        self.exact = self.ages[:, None] + ((np.arange(n_sub) + 0.5) / n_sub)[None, :]
        self.pf_exact = female_share(male, female, self.exact)
        self.p_female = self.pf_exact.mean(axis=1)
        self.surv10 = self.survival_ahead(10)
        self.surv1 = self.survival_ahead(1)
        self.masks = {b: (self.ages >= lo) & (self.ages <= hi) for b, (lo, hi, _) in BANDS.items()}

    def survival_ahead(self, years: int, decline: float = 0.0, rule: str | None = None) -> np.ndarray:
        """Probability that a person of each single-year age is alive ``years`` later (sex mix per age).

        ``decline`` is an optional yearly rate at which the Gompertz term B falls over calendar time
        (mortality improvement); 0 is the static life table the model uses.
        """
        rule = rule or self.rule
        x = self.exact

        def one(p: GM) -> np.ndarray:
            if rule == "continuous":
                c = p.C - decline
                gomp = np.expm1(c * years) / c if abs(c) > 1e-12 else float(years)
                cum = p.A * years + p.B * np.exp(p.C * x) * gomp
            else:
                cum = sum(p.A + p.B * np.exp(-decline * j) * np.exp(p.C * (x + j)) for j in range(years))
            return np.exp(-cum)

        return (self.pf_exact * one(self.female) + (1 - self.pf_exact) * one(self.male)).mean(axis=1)

    def position(self, band: str) -> np.ndarray:
        """(a + 0.5 - centre_b) / half_b for the band's single-year ages (about -1 to +1)."""
        lo, hi, _ = BANDS[band]
        return (self.mid[self.masks[band]] - (lo + hi + 1) / 2) / ((hi + 1 - lo) / 2)

    def density(self, r: float, tilts: dict[str, float]) -> np.ndarray:
        """Share of the population at each single-year age (sums to 1, band shares exact)."""
        g = self.sbar * np.exp(-r * self.mid)
        f = np.empty_like(g)
        for b, m in self.masks.items():
            gb = g[m] * np.clip(1.0 + tilts[b] * self.position(b), 0.0, None)
            f[m] = gb / gb.sum() * BANDS[b][2]
        return f

    def steps(self, f: np.ndarray, r: float) -> dict[str, float]:
        """Log step in the cohort size f / (Sbar*exp(-r a)) from the last age of a band to the next age."""
        c = f / (self.sbar * np.exp(-r * self.mid))
        return {
            f"{BANDS[b][0] - 1}/{BANDS[b][0]}": float(np.log(c[BANDS[b][0]] / c[BANDS[b][0] - 1]))
            for b in ("65-79", "80+")
        }

    def growth_80plus(
        self,
        f: np.ndarray,
        years: int = 10,
        decline: float = 0.0,
        rule: str | None = None,
        immigration: float | None = None,
    ) -> float:
        """Relative growth of the 80+ count after ``years`` of ageing and dying.

        No births (they cannot reach 80). ``immigration`` (per 1000 population a year, default the
        model's) adds immigrants with the same age mix at each yearly tick, as ``plan_year`` does;
        approximate: they arrive at the tick and the total population is taken as constant.
        """
        imm = self.immigration if immigration is None else immigration
        later = (f * self.ahead(years, decline, rule))[80 - years :].sum()
        for j in range(years if imm else 0):
            left = years - j
            later += imm / 1000 * (f * self.ahead(left, decline, rule))[80 - left :].sum()
        return float(later / f[80:].sum() - 1.0)

    def ahead(self, years: int, decline: float = 0.0, rule: str | None = None) -> np.ndarray:
        """``survival_ahead`` with a cache (the fit asks for the same few horizons many times)."""
        key = (years, decline, rule or self.rule)
        if key not in self._cache:
            self._cache[key] = self.survival_ahead(years, decline, rule)
        return self._cache[key]

    def decline_for_growth(self, f: np.ndarray, target: float = GROWTH_80PLUS_2020_2030) -> float:
        """Yearly decline of B that would make the 10-year 80+ growth equal ``target``."""
        return float(brentq(lambda k: self.growth_80plus(f, 10, k) - target, -0.05, 0.2, xtol=1e-8))

    def summary(self, f: np.ndarray) -> dict[str, float]:
        n80 = f[80:].sum()
        five = {f"{lo}-{lo + 4}": float(f[lo : lo + 5].sum()) for lo in range(65, 100, 5)}
        five["100+"] = float(f[100:].sum())
        return {
            "share_90plus": float(f[90:].sum()),
            "growth_80plus_10y": self.growth_80plus(f),
            "growth_80plus_1y": float((f * self.surv1)[79:].sum() / n80 - 1.0),
            "female_65plus": float((f * self.p_female)[65:].sum() / f[65:].sum()),
            "female_80plus": float((f * self.p_female)[80:].sum() / n80),
            "mean_age": float((f * self.mid).sum()),
            "deaths_per_1000_1y": float(1000 * (f * (1.0 - self.surv1)).sum()),
            **{f"share_{k}": v for k, v in five.items()},
        }


TILT_NAMES = tuple(BANDS)


@dataclass(frozen=True)
class AgeFit:
    r: float
    tilts: dict[str, float]
    residuals: np.ndarray  # weighted: 90+, growth (if fitted), r, tilt 0-64, boom (if used)

    def rounded(self) -> AgeFit:
        """The values as printed in the YAML snippet."""
        return AgeFit(
            round(self.r, 5) + 0.0, {b: round(v, 4) + 0.0 for b, v in self.tilts.items()}, self.residuals
        )


def fit_ages(
    model: AgeModel, *, growth: bool = True, boom: bool = False, fixed: dict[str, float] | None = None
) -> AgeFit:
    """Fit r and the band tilts by weighted least squares.

    ``growth`` includes the 10-year 80+ growth target; ``boom`` adds the soft constraint that ages 70-74
    are at least as many as 65-69 and 75-79; ``fixed`` holds tilts kept at a given value.
    """
    target_90 = POP_90PLUS_2019 / POP_TOTAL_2019
    fixed = fixed or {}
    free = [b for b in TILT_NAMES if b not in fixed]

    def unpack(x: np.ndarray) -> tuple[float, dict[str, float]]:
        return float(x[0]), {**fixed, **dict(zip(free, map(float, x[1:]), strict=True))}

    def residuals(x: np.ndarray) -> np.ndarray:
        r, tilts = unpack(x)
        f = model.density(r, tilts)
        s = model.summary(f)
        res = [(s["share_90plus"] / target_90 - 1.0) / SD_SHARE_90PLUS]
        if growth:
            res.append((s["growth_80plus_10y"] - GROWTH_80PLUS_2020_2030) / SD_GROWTH_80PLUS)
        res += [r / SD_R, tilts["0-64"] / SD_TILT_0_64]
        if boom:
            others = max(s["share_65-69"], s["share_75-79"])
            res.append(max(0.0, float(np.log(others / s["share_70-74"])) + BOOM_MARGIN) / SD_BOOM)
        return np.array(res)

    lo = [-0.05] + [-TILT_BOUND] * len(free)
    hi = [0.05] + [TILT_BOUND] * len(free)
    fit = least_squares(
        residuals, x0=np.zeros(1 + len(free)), bounds=(lo, hi), xtol=1e-12, ftol=1e-12, gtol=1e-12
    )
    r, tilts = unpack(fit.x)
    return AgeFit(r, tilts, fit.fun)


# --------------------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------------------


def pct(x: float, nd: int = 2) -> str:
    return f"{round(100 * x, nd) + 0.0:.{nd}f}%"


def mortality_table(fits: dict[str, GM], step: float) -> tuple[str, dict[str, dict[str, float]]]:
    """Markdown table of each figure: target, fitted value, residual, sd and weighted residual."""
    rows = ["| sex | figure | DST | fitted | residual | sd | weighted residual |", "|---" * 7 + "|"]
    figs = {}
    for sex, p in fits.items():
        fig = figs[sex] = life_table(p, step)
        for k, t in MORTALITY_TARGETS[sex].items():
            scale, unit = MORTALITY_UNITS[k]
            rows.append(
                f"| {sex} | {k} | {t * scale:.2f} {unit} | {fig[k] * scale:.2f} | "
                f"{(fig[k] - t) * scale:+.2f} | {MORTALITY_SD[k] * scale:g} | "
                f"{(fig[k] - t) / MORTALITY_SD[k]:+.2f} |"
            )
    return "\n".join(rows), figs


def e0_gain(p: GM, decline: float, years: float = 10.0) -> float:
    """Period life expectancy gain after ``years`` of a yearly decline ``decline`` in B."""
    later = GM(p.A, p.B * float(np.exp(-decline * years)), p.C)
    return life_table(later)["e0"] - life_table(p)["e0"]


def age_table(model: AgeModel, variants: dict[str, AgeFit]) -> str:
    """Markdown table of the age-distribution variants against the DST figures and checks."""
    names = list(variants)
    rows = ["| quantity | DST / prior | " + " | ".join(names) + " |", "|---" * (2 + len(names)) + "|"]
    dens = {n: model.density(v.r, v.tilts) for n, v in variants.items()}
    sums = {n: model.summary(dens[n]) for n in names}
    steps = {n: model.steps(dens[n], variants[n].r) for n in names}
    decline = {n: model.decline_for_growth(dens[n]) for n in names}

    def add(label: str, target: str, fmt: Callable[[str], str]) -> None:
        rows.append(f"| {label} | {target} | " + " | ".join(fmt(n) for n in names) + " |")

    add("r (age_growth_rate)", f"prior 0 ± {SD_R}", lambda n: f"{variants[n].r:+.5f}")
    for b in TILT_NAMES:
        prior = f"prior 0 ± {SD_TILT_0_64}" if b == "0-64" else f"\\|tilt\\| ≤ {TILT_BOUND}"
        add(f"tilt {b}", prior, lambda n, b=b: f"{variants[n].tilts[b] + 0.0:+.4f}")
    add(
        "**90+ share of population**",
        pct(POP_90PLUS_2019 / POP_TOTAL_2019, 3),
        lambda n: pct(sums[n]["share_90plus"], 3),
    )
    add(
        "**80+ growth in 10 years (2020-2030)**",
        f"+{pct(GROWTH_80PLUS_2020_2030, 0)}",
        lambda n: f"+{pct(sums[n]['growth_80plus_10y'], 1)}",
    )

    def sim_growth(n: str, imm: float) -> str:
        return f"+{pct(model.growth_80plus(dens[n], rule='yearly', immigration=imm), 1)}"

    add("80+ growth in 10 years, sim's yearly death rule", "", lambda n: sim_growth(n, 0.0))
    add(
        f"... and immigration {NET_MIGRATION_PER_1000:g}/1000 with the age mix",
        "",
        lambda n: sim_growth(n, NET_MIGRATION_PER_1000),
    )
    add(
        "80+ growth in 1 year (check)",
        f"+{pct(POP_80PLUS_2020 / POP_80PLUS_2019 - 1, 1)} (2019-2020)",
        lambda n: f"+{pct(sums[n]['growth_80plus_1y'], 1)}",
    )
    add(
        "deaths per 1000 in the first year",
        "about 9 (national.yaml)",
        lambda n: f"{sums[n]['deaths_per_1000_1y']:.1f}",
    )
    add(
        "80+ share after one year",
        f"{pct(BANDS['80+'][2])} now, ± 1 point",
        lambda n: pct(
            BANDS["80+"][2]
            * (1 + sums[n]["growth_80plus_1y"])
            / (1 + (BIRTHS_PER_1000 + NET_MIGRATION_PER_1000 - sums[n]["deaths_per_1000_1y"]) / 1000)
        ),
    )
    add("yearly decline in B that gives +59%", "", lambda n: pct(decline[n], 2))
    add(
        "e0 gain in 10 years at that decline, men / women",
        "",
        lambda n: " / ".join(
            f"{round(e0_gain(p, decline[n]), 1) + 0.0:.1f}" for p in (model.male, model.female)
        ),
    )
    add("log step in cohort size at 64/65", "", lambda n: f"{steps[n]['64/65']:+.3f}")
    add("log step in cohort size at 79/80", "", lambda n: f"{steps[n]['79/80']:+.3f}")
    add(
        "share aged 0",
        f"{pct(BIRTHS_PER_1000 / 1000)} (births, national.yaml)",
        lambda n: pct(float(dens[n][0])),
    )
    for k in ("65-69", "70-74", "75-79", "80-84", "85-89", "90-94", "95-99", "100+"):
        add(f"share aged {k}", "", lambda n, k=k: pct(sums[n][f"share_{k}"]))
    add(
        "largest 5-year group among 65+",
        "70-74 (1946-50 boom)",
        lambda n: max(("65-69", "70-74", "75-79"), key=lambda k: sums[n][f"share_{k}"]),
    )
    add(
        "female share of 65+",
        pct(POP_65PLUS_WOMEN_2019 / POP_65PLUS_2019, 1),
        lambda n: pct(sums[n]["female_65plus"], 1),
    )
    add(
        "female share of 80+",
        pct(POP_80PLUS_WOMEN_2019 / POP_80PLUS_2019, 1),
        lambda n: pct(sums[n]["female_80plus"], 1),
    )
    add("mean age", "", lambda n: f"{sums[n]['mean_age']:.1f}")
    return "\n".join(rows)


def yaml_snippet(fits: dict[str, GM], figs: dict[str, dict[str, float]], model: AgeModel, fit: AgeFit) -> str:
    """Config lines for configs/population/*.yaml, each value with its sources and fit in a comment."""
    f = model.density(fit.r, fit.tilts)
    s, st = model.summary(f), model.steps(f, fit.r)
    largest = max(("65-69", "70-74", "75-79"), key=lambda k: s[f"share_{k}"])
    how = "hazard integrated over time" if model.rule == "continuous" else "hazard at each yearly tick"
    how += (
        f", immigrants {model.immigration:g}/1000 with the age mix" if model.immigration else ", no migration"
    )

    def fitline(sex: str) -> str:
        got, t = figs[sex], MORTALITY_TARGETS[sex]
        return (
            f"e0 {got['e0']:.2f} (DST {t['e0']}), e60 {got['e60']:.2f} ({t['e60']}), S80/90/100 "
            f"{100 * got['S80']:.1f}/{100 * got['S90']:.1f}/{100 * got['S100']:.2f}% "
            f"({100 * t['S80']:g}/{100 * t['S90']:g}/{100 * t['S100']:g}%)"
        )

    lines = [
        "# Fitted by experiments/calibration/fit_population.py (weighted least squares, see its README).",
        "mortality:",
        "  # Gompertz-Makeham hazard A + B*exp(C*age) per year, fitted per sex to DST life expectancy",
        "  # 2019/2020 at birth and at 60 (calibration life_expectancy_2019_2020; sd 0.1 year) and survival",
        "  # from birth to 80/90/100 under 2017/2018 mortality (survival_to_80_90_100; sd 1/1/0.3 points).",
        "  # Model vs DST:",
        *(f"  #   {sex}: {fitline(sex)}" for sex in ("male", "female")),
        *(f"  {sex}: {{A: {p.A:.4g}, B: {p.B:.4g}, C: {p.C:.5f}}}" for sex, p in fits.items()),
        "# Age density f(a) = Sbar(a)*exp(-r*a)*(1 + tilt*(a - mid)/half)*w per band over single-year ages",
        "# 0..105, band shares DST FOLK1A 1 Jan 2019 (pop_0_64_2019, pop_65_79_2019, pop_80plus_2019).",
        "# Tilts fitted to the 90+ share (pop_90plus_2019 / pop_total_2019: "
        f"DST {pct(POP_90PLUS_2019 / POP_TOTAL_2019, 3)}, model {pct(s['share_90plus'], 3)})",
        "# and the 80+ growth 2020-2030 (proj_80plus_growth_2020_2030: DST +59%, model "
        f"+{pct(s['growth_80plus_10y'], 1)} with static",
        f"# mortality, {how}); r and the 0-64 tilt have no target and are",
        f"# regularised to 0 (sd {SD_R} and {SD_TILT_0_64}).",
        f"# Not fitted: 80+ growth in one year +{pct(s['growth_80plus_1y'], 1)} (DST 2019-2020 "
        f"+{pct(POP_80PLUS_2020 / POP_80PLUS_2019 - 1, 1)}, pop_80plus_2020);",
        f"# largest 5-year group among 65+ {largest} (expected 70-74, the 1946-50 baby boom);",
        f"# density step {pct(float(np.expm1(st['79/80'])), 0)} from age 79 to 80 beyond mortality.",
        f"age_growth_rate: {fit.r + 0.0:.5f}",
        "age_bands:",
    ]
    for b, (lo, hi, share) in BANDS.items():
        pad = " " * (7 - len(b))
        note = f"  # centre {(lo + hi + 1) / 2:g}, half-width {(hi + 1 - lo) / 2:g}" if b == "80+" else ""
        entry = f"{{low: {lo}, high: {hi}, share: {share}, tilt: {fit.tilts[b] + 0.0:.4f}}}"
        lines.append(f'  "{b}":{pad}{entry}{note}')
    return "\n".join(lines)


def monte_carlo(model: AgeModel, fit: AgeFit, n: int, seed: int = 2019) -> dict[str, float]:
    """Cross-check by simulation (no immigration): draw ``n`` persons (single-year age + U(0,1), sex by the
    rule at the exact age), let them die under the model's death rule for 10 years, count the 80+."""
    rng = np.random.default_rng(seed)
    f = model.density(fit.r, fit.tilts)
    age = rng.choice(len(f), size=n, p=f / f.sum()) + rng.random(n)
    female = rng.random(n) < female_share(model.male, model.female, age)
    alive = np.ones(n, dtype=bool)
    for p, who in ((model.female, female), (model.male, ~female)):
        x = age[who]
        if model.rule == "continuous":  # dies once the cumulative hazard has grown by an Exp(1) draw
            cum = p.A * 10.0 + p.B / p.C * np.exp(p.C * x) * np.expm1(10.0 * p.C)
            alive[who] = cum < rng.exponential(size=x.size)
        else:  # a Bernoulli draw at each yearly tick with the hazard at the age then
            ok = np.ones(x.size, dtype=bool)
            for j in range(10):
                ok &= rng.random(x.size) >= -np.expm1(-p.hazard(x + j))
            alive[who] = ok
    n80 = np.count_nonzero(age >= 80)
    return {
        "growth_80plus_10y": np.count_nonzero(alive & (age >= 70)) / n80 - 1.0,
        "share_90plus": float(np.mean(age >= 90)),
        "female_65plus": float(female[age >= 65].mean()),
        "female_80plus": float(female[age >= 80].mean()),
    }


def e0_yearly(p: GM, n_sub: int = 20, top: float = 120.0, step: float = 0.01) -> float:
    """Life expectancy at birth under the yearly death rule: the hazard at the age at each yearly tick
    holds for the whole year (ticks at ages u, u+1, ..., u ~ U(0,1); no deaths before the first tick)."""
    grid = np.arange(0.0, top + step / 2, step)
    out = []
    for u in (np.arange(n_sub) + 0.5) / n_sub:
        tick = np.where(grid < u, -1.0, u + np.floor(grid - u))
        rate = np.where(tick < 0, 0.0, p.hazard(np.maximum(tick, 0.0)))
        cum = np.concatenate([[0.0], np.cumsum(rate[:-1] * step)])
        out.append(simpson(np.exp(-cum), x=grid))
    return float(np.mean(out))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--step", type=float, default=0.05, help="integration step in years (<= 0.05)")
    ap.add_argument(
        "--monte-carlo",
        type=int,
        default=0,
        metavar="N",
        help="also check the fitted age distribution by simulating N persons",
    )
    ap.add_argument(
        "--death-rule",
        choices=("continuous", "yearly"),
        default="continuous",
        help="how the 10-year ageing accumulates deaths (default: the life table itself; "
        "yearly = the hazard at each yearly tick held for the year, as sim does now)",
    )
    ap.add_argument(
        "--immigration",
        type=float,
        default=0.0,
        metavar="PER_1000",
        help="immigrants per 1000 a year with the population's age mix in the ageing (default 0)",
    )
    args = ap.parse_args(argv)
    if not 0 < args.step <= 0.05:
        ap.error("--step must be in (0, 0.05]")

    # 1. Mortality. Everything after the fit uses the values as rounded for the snippet.
    fits = {sex: fit_gm(t, args.step).rounded() for sex, t in MORTALITY_TARGETS.items()}
    table, figs = mortality_table(fits, args.step)
    print("## Gompertz-Makeham fit\n")
    print("| sex | A | B | C | hazard at 80 (per 1000 per year) |\n|---|---|---|---|---|")
    for sex, p in fits.items():
        print(f"| {sex} | {p.A:.4g} | {p.B:.4g} | {p.C:.5f} | {1000 * float(p.hazard(80.0)):.1f} |")
    print()
    print(table)
    print("\nDiagnostic, the same curve fitted to the survival shares only (2017/2018 mortality):")
    for sex, t in MORTALITY_TARGETS.items():
        fig = life_table(fit_gm(t, args.step, use=("S80", "S90", "S100")), args.step)
        print(
            f"  {sex}: e0 {fig['e0']:.2f}, e60 {fig['e60']:.2f}, S80/90/100 "
            f"{100 * fig['S80']:.1f}/{100 * fig['S90']:.1f}/{100 * fig['S100']:.2f}%"
        )
    print("Diagnostic, life expectancy at birth if the hazard at each yearly tick holds for the whole year:")
    for sex, p in fits.items():
        print(f"  {sex}: e0 {e0_yearly(p):.2f} (life table {figs[sex]['e0']:.2f})")

    # 2. Age distribution
    model = AgeModel(fits["male"], fits["female"], rule=args.death_rule, immigration=args.immigration)
    print(f"\n(death rule in the ageing: {args.death_rule}; immigration {args.immigration:g} per 1000)")
    variants = {
        "fit": fit_ages(model).rounded(),
        "boom variant": fit_ages(model, boom=True).rounded(),
        "flat 65-79, no growth target": fit_ages(model, growth=False, fixed={"65-79": 0.0}).rounded(),
    }
    print("\n## Age distribution (targets in bold)\n")
    print(age_table(model, variants))
    print("\nweighted residuals before rounding (90+ share, 80+ growth if fitted, r, tilt 0-64, boom):")
    for name, v in variants.items():
        print(f"  {name}: {np.round(v.residuals, 3).tolist()}")

    if args.monte_carlo:
        print(f"\nMonte Carlo check of the fit with {args.monte_carlo:,} persons (simulated vs computed):")
        f = model.density(variants["fit"].r, variants["fit"].tilts)
        computed = model.summary(f)
        computed["growth_80plus_10y"] = model.growth_80plus(f, immigration=0.0)  # the simulation has none
        for k, v in monte_carlo(model, variants["fit"], args.monte_carlo).items():
            print(f"  {k}: {pct(v, 3)} vs {pct(computed[k], 3)}")

    # 3. Snippet
    print("\n## YAML snippet for configs/population/*.yaml\n")
    print(yaml_snippet(fits, figs, model, variants["fit"]))


if __name__ == "__main__":
    main()
