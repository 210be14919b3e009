"""Validation and calibration of regsim (issue 7; docs/validation.md).

* :mod:`sim.validation.backcast` — simulate from a panel base year and compare shares and ratios
  with the 2005–2015 data; the calibration loss.
* :mod:`sim.validation.calibrate` — ``regsim calibrate``: fit behavioural parameters on 2005–2010.
* :mod:`sim.validation.core_periphery` — the two-region reduction is Krugman's core–periphery model.
* :mod:`sim.validation.convergence` — Solow β-convergence without factor flows.
* :mod:`sim.validation.literature` — directions from the literature.
* :mod:`sim.validation.report` — ``regsim validate``: every check, tables, figures, summary.
* :mod:`sim.validation.cli` — the two sub-commands.
"""
