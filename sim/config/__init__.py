"""Scenario configuration: the schema, loading (YAML, ``extends``, overrides), hashing, dumping
and flat parameter dicts. ``python -m sim.config.reference`` prints the config reference."""

from sim.config.errors import ConfigError
from sim.config.loader import config_hash, dump_config, flat_params, from_flat, load_config
from sim.config.schema import Scenario, path_value

__all__ = [
    "ConfigError",
    "Scenario",
    "config_hash",
    "dump_config",
    "flat_params",
    "from_flat",
    "load_config",
    "path_value",
]
