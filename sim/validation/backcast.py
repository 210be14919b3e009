"""Backcasts against the 2005–2015 panel: simulate from a base year and compare with the data.

Only shares and ratios are compared (the panel GDP is a mix of pre-revision yearbook vintages at
current prices, ``sim/data/SOURCES.md``): provincial GDP shares, provincial population shares, the
CV and Theil T of GDP per capita by year (defined as in the core: GDP per capita = GDP /
population, CV unweighted with ddof 0, Theil T population-weighted; ``sim.metrics``), GDP shares
by plate and the rank correlation of provincial population growth.

**Loss** (:func:`fit_statistics`). Four components, each the mean squared error of the model
divided by that of the *persistence forecast* (every statistic stays at its base-year value), so
that a component is 1 when the model is no better than assuming no change and 0 when it is exact:

* ``cv``: CV of GDP per capita in every year after the base year;
* ``theil``: Theil T of GDP per capita in every year after the base year;
* ``gdp_share``: the 31 provincial GDP shares in the end year;
* ``pop_share``: the 31 provincial population shares in the end year.

The loss is their unweighted sum (0 = perfect, 4 = no better than persistence). Model statistics
are averaged over seeds (common random numbers: the same seeds for every parameter vector, so the
loss is a smooth function of the parameters up to the firms' discrete choices).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from sim import metrics
from sim.config import Scenario, from_flat, load_config
from sim.config.names import PLATES
from sim.data.loader import Dataset, load_dataset

COMPONENTS: tuple[str, ...] = ("cv", "theil", "gdp_share", "pop_share")


def observed(ds: Dataset, years: Iterable[int]) -> pd.DataFrame:
    """Panel GDP (100 million yuan, current prices) and population (persons) by province-year."""
    years = list(years)
    p = ds.panel.loc[ds.panel["year"].isin(years)].sort_values(["year", "idx"])
    plates = ds.provinces["region_plate"].to_numpy(str)
    return pd.DataFrame({
        "year": p["year"].to_numpy(np.int64),
        "province": p["province"].to_numpy(object),
        "plate": plates[p["idx"].to_numpy()],
        "gdp": p["gdp_100m_yuan"].to_numpy(float),
        "population": p["population_10k"].to_numpy(float) * 1e4,
    }).reset_index(drop=True)


def yearly_statistics(frame: pd.DataFrame) -> pd.DataFrame:
    """CV and Theil T of GDP per capita, national GDP and population by year."""
    rows = []
    for year, g in frame.groupby("year", sort=True):
        gdp, pop = g["gdp"].to_numpy(float), g["population"].to_numpy(float)
        rows.append({"year": int(year), "cv": metrics.cv(gdp / pop),
                     "theil_t": metrics.theil_t(gdp, pop), "gdp": gdp.sum(),
                     "population": pop.sum()})
    return pd.DataFrame(rows)


def shares(frame: pd.DataFrame, year: int, column: str) -> np.ndarray:
    """Provincial shares of ``column`` in ``year`` (province order of the frame)."""
    v = frame.loc[frame["year"] == year, column].to_numpy(float)
    return v / v.sum()


def plate_shares(frame: pd.DataFrame, year: int, column: str = "gdp") -> dict[str, float]:
    g = frame.loc[frame["year"] == year].groupby("plate")[column].sum()
    return {p: float(g[p] / g.sum()) for p in PLATES}


@dataclass
class Simulation:
    """Province-year GDP and population of one configuration, one frame per seed."""

    frames: list[pd.DataFrame]
    config: Scenario
    seeds: tuple[int, ...]
    overrides: dict[str, Any] = field(default_factory=dict)

    def mean_statistics(self) -> pd.DataFrame:
        """CV, Theil T, GDP and population by year, averaged over seeds."""
        stats = [yearly_statistics(f) for f in self.frames]
        return pd.concat(stats).groupby("year", as_index=False).mean()

    def sd_statistics(self) -> pd.DataFrame:
        """Standard deviation across seeds of the yearly statistics (0 for one seed)."""
        stats = [yearly_statistics(f) for f in self.frames]
        return pd.concat(stats).groupby("year", as_index=False).std(ddof=0)

    def mean_shares(self, year: int, column: str) -> np.ndarray:
        return np.mean([shares(f, year, column) for f in self.frames], axis=0)

    def mean_plate_shares(self, year: int) -> dict[str, float]:
        per = [plate_shares(f, year) for f in self.frames]
        return {p: float(np.mean([d[p] for d in per])) for p in PLATES}

    def mean_growth(self, start: int, end: int, column: str = "population") -> np.ndarray:
        return np.mean([growth(f, start, end, column) for f in self.frames], axis=0)


def growth(frame: pd.DataFrame, start: int, end: int, column: str = "population") -> np.ndarray:
    """Provincial growth factor of ``column`` from ``start`` to ``end``."""
    a = frame.loc[frame["year"] == start, column].to_numpy(float)
    b = frame.loc[frame["year"] == end, column].to_numpy(float)
    return b / a


def scenario(start: int, end: int, base: Scenario | str | None = None,
             overrides: Mapping[str, Any] | None = None, n_firms: int | None = None) -> Scenario:
    """The scenario of a backcast: ``base`` (default: the schema defaults) with the start and end
    year, the firm count and the parameter ``overrides`` (dotted keys)."""
    if base is None or isinstance(base, str):
        base = load_config(base)
    flat: dict[str, Any] = {"start_year": start, "end_year": end}
    if n_firms is not None:
        flat["n_firms"] = n_firms
    flat.update({k.replace(".", "__"): v for k, v in (overrides or {}).items()})
    return from_flat(flat, base=base)


def simulate(start: int, end: int, seeds: Sequence[int], base: Scenario | str | None = None,
             overrides: Mapping[str, Any] | None = None, n_firms: int | None = None,
             data: Dataset | None = None) -> Simulation:
    """Run the model from ``start`` to ``end`` once per seed; keep GDP and population."""
    from sim.model import RegionalModel

    ds = data if data is not None else load_dataset()
    cfg = scenario(start, end, base, overrides, n_firms)
    frames = []
    for seed in seeds:
        m = RegionalModel(cfg, rng=int(seed), data=ds)
        m.run()
        p = m.province_table()
        frames.append(pd.DataFrame({
            "year": p["year"].to_numpy(np.int64), "province": p["province"].to_numpy(object),
            "plate": p["plate"].to_numpy(object), "gdp": p["gdp_100m_yuan"].to_numpy(float),
            "population": p["population"].to_numpy(float)}))
    return Simulation(frames=frames, config=cfg, seeds=tuple(int(s) for s in seeds),
                      overrides=dict(overrides or {}))


def _mse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean((np.asarray(a, float) - np.asarray(b, float)) ** 2))


def fit_statistics(sim: Simulation, obs: pd.DataFrame, start: int, end: int) -> dict[str, Any]:
    """Fit of a simulation to the data over ``start`` → ``end`` (module docstring): per component
    the model's MSE, the persistence forecast's MSE and their ratio; the loss; and the headline
    statistics (CV, Theil T by year; end-year plate GDP shares; population growth rank
    correlation)."""
    years = list(range(start + 1, end + 1))
    ms = sim.mean_statistics().set_index("year")
    sd = sim.sd_statistics().set_index("year")
    ds_ = yearly_statistics(obs).set_index("year")
    out: dict[str, Any] = {"start": start, "end": end, "components": {}}
    for comp, col in (("cv", "cv"), ("theil", "theil_t")):
        model, data = ms.loc[years, col].to_numpy(), ds_.loc[years, col].to_numpy()
        naive = np.full(len(years), ds_.loc[start, col])
        out["components"][comp] = _ratio(_mse(model, data), _mse(naive, data))
    for comp, col in (("gdp_share", "gdp"), ("pop_share", "population")):
        model, data = sim.mean_shares(end, col), shares(obs, end, col)
        naive = shares(obs, start, col)
        out["components"][comp] = _ratio(_mse(model, data), _mse(naive, data))
    out["loss"] = float(sum(c["ratio"] for c in out["components"].values()))
    out["by_year"] = pd.DataFrame({
        "year": [start, *years],
        "cv_data": ds_.loc[[start, *years], "cv"].to_numpy(),
        "cv_model": ms.loc[[start, *years], "cv"].to_numpy(),
        "theil_data": ds_.loc[[start, *years], "theil_t"].to_numpy(),
        "theil_model": ms.loc[[start, *years], "theil_t"].to_numpy(),
        "cv_model_sd": sd.loc[[start, *years], "cv"].to_numpy(),
        "theil_model_sd": sd.loc[[start, *years], "theil_t"].to_numpy(),
    })
    g_model = sim.mean_growth(start, end)
    g_data = growth(obs, start, end)
    out["pop_growth_rank_corr"] = float(spearmanr(g_model, g_data).statistic)
    out["plate_gdp_share"] = {"data": plate_shares(obs, end), "model": sim.mean_plate_shares(end),
                              "base": plate_shares(obs, start)}
    out["gdp_share_corr"] = float(np.corrcoef(sim.mean_shares(end, "gdp") - shares(obs, start, "gdp"),
                                              shares(obs, end, "gdp") - shares(obs, start, "gdp"))[0, 1])
    return out


def _ratio(model: float, naive: float) -> dict[str, float]:
    return {"mse": model, "mse_persistence": naive, "ratio": model / naive if naive > 0 else np.inf}
