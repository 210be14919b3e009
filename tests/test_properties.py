"""Property tests: over the ranges of the core levers (and the seed) a short run keeps every
table finite and non-negative, conserves population, balances the ledger and conserves capital
and firms."""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import RegionalModel

N_FIRMS = 400
END = 2023

levers = st.fixed_dictionaries({
    "migration__hukou_cost": st.floats(0.0, 10.0),
    "firms__entry_barrier": st.floats(0.0, 5.0),
    "trade__interprovincial_barrier": st.floats(0.0, 2.0),
    "fiscal__equalising_intensity": st.floats(0.0, 1.0),
    "public_services__migrant_access": st.floats(0.0, 1.0),
    "capital__mobile_share": st.floats(0.0, 1.0),
})
# A lever that changes after the start year (levels in 2020 are partly absorbed by calibration).
paths = st.tuples(st.floats(0.0, 10.0), st.floats(0.0, 2.0), st.floats(0.0, 1.0))
seeds = st.integers(0, 2**32 - 1)

# REGSIM_PROPERTY_EXAMPLES=200 explores further (e.g. before a release).
SETTINGS = settings(deadline=None, max_examples=int(os.environ.get("REGSIM_PROPERTY_EXAMPLES", 10)),
                    suppress_health_check=[HealthCheck.too_slow])


def _build(seed: int, **kw) -> RegionalModel:
    return RegionalModel(n_firms=N_FIRMS, end_year=END, rng=seed, **kw)


@SETTINGS
@given(kw=levers, seed=seeds)
def test_invariants_over_lever_ranges(kw, seed, record_run, invariants):
    model = _build(seed, **kw)
    recs = record_run(model)
    assert model.year == END and len(recs) == END - 2020 + 1
    invariants.all(model, recs)


@SETTINGS
@given(path=paths, seed=seeds)
def test_invariants_when_levers_move(path, seed, record_run, invariants):
    hukou, barrier, intensity = path
    model = _build(seed, migration__hukou_cost={2020: 2.0, 2022: hukou},
                   trade__interprovincial_barrier={2020: 0.3, 2022: barrier},
                   fiscal__equalising_intensity={2020: 0.5, 2022: intensity})
    recs = record_run(model)
    invariants.all(model, recs)
    # Labour markets clear whatever the levers do.
    for r in recs:
        assert np.abs(r.labour.sum(axis=1) / r.employment - 1.0).max() < 1e-9
