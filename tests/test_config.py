"""Scenario config: loading, extends, overrides, one-line errors, hashing, dumping, flat params and
the generated reference."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from pydantic import Field

from sim.config import (
    ConfigError,
    Scenario,
    config_hash,
    dump_config,
    flat_params,
    from_flat,
    load_config,
    path_value,
)
from sim.config.params import Section, param
from sim.config.reference import REGENERATE, reference_markdown

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
LEVERS = (
    "migration.hukou_cost",
    "public_services.migrant_access",
    "public_services.hukou_conversion_rate",
    "firms.entry_barrier",
    "trade.interprovincial_barrier",
    "fiscal.equalising_intensity",
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def error_of(*args, **kwargs) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith("config error: "), message
    return message


# --- loading --------------------------------------------------------------------------------


def test_defaults_validate():
    s = load_config()
    assert s == Scenario()
    assert s.end_year > s.start_year
    assert Scenario.model_validate(Scenario().model_dump()) == s


def test_baseline_loads_with_levers_at_their_defaults():
    s = load_config(CONFIGS / "baseline.yaml")
    assert s.name == "baseline"
    assert "2020" in s.description
    assert (s.start_year, s.end_year) == (2020, 2050)
    defaults = flat_params(Scenario())
    ours = flat_params(s)
    # Everything but the mechanisms in force in 2020 is at the schema defaults.
    def core(d: dict) -> dict:
        return {k: v for k, v in d.items()
                if k not in ("name", "description") and not k.startswith("mechanisms.")}
    assert core(ours) == core(defaults)
    in_force = {"counterpart_support", "eco_compensation", "cooperation", "transfer_zones",
                "regional_strategies", "monitoring"}
    for key in type(s.mechanisms).model_fields:
        assert getattr(s.mechanisms, key).enabled is (key in in_force), key
    text = (CONFIGS / "baseline.yaml").read_text(encoding="utf-8")
    for lever in LEVERS:  # written out explicitly, each with its guideline clause
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(lever.split(".")[1] + ":"))
        assert "§" in line, line


def test_example_custom_extends_baseline():
    s = load_config(CONFIGS / "example_custom.yaml")
    base = load_config(CONFIGS / "baseline.yaml")
    assert s.name != "baseline"
    assert isinstance(s.migration.hukou_cost, dict)
    assert path_value(s.migration.hukou_cost, 2020) == path_value(base.migration.hukou_cost, 2020)
    assert path_value(s.migration.hukou_cost, 2050) < path_value(base.migration.hukou_cost, 2050)
    assert s.seed == base.seed and s.trade == base.trade and s.n_firms == base.n_firms


def test_extends_deep_merges(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path / "grand.yaml", "name: grand\nseed: 7\ntrade: {sigma: 4.0, distance_elasticity: 0.3}\n")
    write(
        tmp_path / "sub" / "parent.yaml",
        "extends: ../grand.yaml\nname: parent\n"
        "migration: {hukou_cost: {2020: 2.0, 2030: 1.0, 2040: 0.5}, elasticity: 2.0}\n"
        "production: {capital_share: {agriculture: 0.3, resources: 0.6, labour_manufacturing: 0.35,"
        " capital_manufacturing: 0.55, high_tech: 0.45, services: 0.45}}\n",
    )
    child = write(
        tmp_path / "sub" / "child.yaml",
        "extends: parent.yaml\ntrade: {sigma: 6.0}\n"
        "migration: {hukou_cost: {2020: 2.0, 2035: 0.0}}\n"
        "production: {capital_share: {agriculture: 0.4}}\n",
    )
    s = load_config(child)
    assert s.name == "parent"  # inherited
    assert s.seed == 7  # from the grandparent
    assert s.trade.sigma == 6.0 and s.trade.distance_elasticity == 0.3  # merged section
    assert s.migration.elasticity == 2.0
    assert s.migration.hukou_cost == {2020: 2.0, 2035: 0.0}  # a lever path is replaced whole
    assert s.production.capital_share["agriculture"] == 0.4  # plain mapping merged key by key
    assert s.production.capital_share["resources"] == 0.6


def test_extends_cycle_is_an_error(tmp_path):
    write(tmp_path / "a.yaml", "extends: b.yaml\nseed: 1\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\nseed: 2\n")
    message = error_of(tmp_path / "a.yaml")
    assert "extends" in message and "cycle" in message and "a.yaml" in message
    write(tmp_path / "self.yaml", "extends: self.yaml\n")
    assert "cycle" in error_of(tmp_path / "self.yaml")


def test_extends_missing_parent(tmp_path):
    child = write(tmp_path / "child.yaml", "extends: nowhere.yaml\n")
    message = error_of(child)
    assert "child.yaml" in message and "extends" in message and "nowhere.yaml" in message


def test_overrides_and_seed():
    s = load_config(
        CONFIGS / "baseline.yaml",
        overrides=[
            "trade.sigma=4",
            "migration.hukou_cost={2020: 2, 2035: 0.5}",
            "output.figures=false",
            "name=2050",  # text field: kept as text
            "production.capital_share.agriculture=0.4",  # into a mapping, over its default
            "migration__elasticity=2",  # keyword form
        ],
        seed=42,
    )
    assert s.trade.sigma == 4.0 and isinstance(s.trade.sigma, float)
    assert s.migration.hukou_cost == {2020: 2.0, 2035: 0.5}
    assert path_value(s.migration.hukou_cost, 2035) == 0.5
    assert s.output.figures is False
    assert s.name == "2050"
    assert s.production.capital_share["agriculture"] == 0.4
    assert s.production.capital_share["services"] == 0.45
    assert s.migration.elasticity == 2.0
    assert s.seed == 42
    assert load_config(overrides=["seed=5"], seed=6).seed == 6


def test_override_unknown_key_is_like_a_file_error(tmp_path):
    message = error_of(overrides=["migration.hukou_cst=1"])
    assert message.startswith("config error: overrides: migration.hukou_cst: unknown key")
    assert "did you mean 'hukou_cost'?" in message and "(allowed: " in message
    bad = write(tmp_path / "bad.yaml", "migration:\n  hukou_cst: 1\n")
    from_file = error_of(bad)
    assert from_file.replace(str(bad), "overrides") == message


@pytest.mark.parametrize("text", ["trade.sigma", "=4", "trade..sigma=4"])
def test_malformed_override(text):
    message = error_of(overrides=[text])
    assert message.startswith("config error: overrides: ") and "(allowed: " in message


# --- one-line errors ------------------------------------------------------------------------


def test_unknown_top_level_key_suggests(tmp_path):
    f = write(tmp_path / "s.yaml", "migraton:\n  hukou_cost: 1\n")
    message = error_of(f)
    assert message.startswith(f"config error: {f}: migraton: unknown key; did you mean 'migration'?")
    assert "(allowed: name, description, " in message and "migration" in message


def test_unknown_key_without_close_match(tmp_path):
    message = error_of(write(tmp_path / "s.yaml", "zzzzzz: 1\n"))
    assert "zzzzzz: unknown key (allowed: " in message and "did you mean" not in message


def test_unknown_nested_key(tmp_path):
    f = write(tmp_path / "s.yaml", "trade:\n  sigmaa: 4\n")
    message = error_of(f)
    assert f"{f}: trade.sigmaa: unknown key; did you mean 'sigma'?" in message
    assert "(allowed: sigma, distance_elasticity, interprovincial_barrier" in message


def test_wrong_type(tmp_path):
    message = error_of(write(tmp_path / "s.yaml", "trade:\n  sigma: abc\n"))
    assert "trade.sigma: wrong type: expected a number, got 'abc' (allowed: 1 < x ≤ 20)" in message
    message = error_of(overrides=["n_firms=1.5"])
    assert "n_firms: wrong type: expected an integer, got 1.5 (allowed: 186 ≤ x ≤ " in message
    message = error_of(overrides=["trade=5"])
    assert "trade: wrong type: expected a section" in message and "allowed: keys sigma" in message


def test_wrong_type_of_a_lever():
    message = error_of(overrides=["trade.interprovincial_barrier=abc"])
    assert "trade.interprovincial_barrier: wrong type: expected a number or a {year: value} path" in message
    assert "(allowed: " in message and "0–3" in message
    message = error_of(overrides=["trade.interprovincial_barrier={2020: abc}"])
    assert "trade.interprovincial_barrier.2020: wrong type: expected a number, got 'abc'" in message


def test_out_of_range_param(tmp_path):
    f = write(tmp_path / "s.yaml", "capital:\n  depreciation: 7\n")
    message = error_of(f)
    assert message == (
        f"config error: {f}: capital.depreciation: value 7.0 out of range (allowed: 0 ≤ x ≤ 0.3)"
    )


@pytest.mark.parametrize(
    ("override", "key", "allowed"),
    [
        ("migration.hukou_cost=70", "migration.hukou_cost", "0.0 ≤ x ≤ 30.0"),
        ("migration.hukou_cost={2020: 2, 2035: 31}", "migration.hukou_cost", "0.0 ≤ x ≤ 30.0"),
        ("firms.entry_barrier=9", "firms.entry_barrier", "0.0 ≤ x ≤ 5.0"),
        ("trade.interprovincial_barrier={2020: 0.3, 2030: 4}", "trade.interprovincial_barrier", "0.0 ≤ x ≤ 3.0"),
        ("fiscal.equalising_intensity=1.5", "fiscal.equalising_intensity", "0.0 ≤ x ≤ 1.0"),
        ("public_services.migrant_access=-1", "public_services.migrant_access", "0.0 ≤ x ≤ 1.0"),
        ("production.capital_share.agriculture=5", "production.capital_share.agriculture", "0.05 ≤ x ≤ 0.9"),
    ],
)
def test_out_of_range_lever_path(override, key, allowed):
    message = error_of(overrides=[override])
    assert message.startswith(f"config error: overrides: {key}: value "), message
    assert message.endswith(f"out of range (allowed: {allowed})"), message


def test_end_year_not_after_start_year(tmp_path):
    f = write(tmp_path / "s.yaml", "start_year: 2020\nend_year: 2020\n")
    message = error_of(f)
    assert message.startswith(f"config error: {f}: end_year: ")
    assert "start_year" in message and "(allowed: " in message


def test_invalid_choice():
    message = error_of(overrides=["gdp_vintage=1999"])
    assert "gdp_vintage: invalid value '1999'" in message and "'csy2021'" in message


def test_bad_yaml(tmp_path):
    f = write(tmp_path / "s.yaml", "trade:\n  sigma: [4\nseed: 1\n")
    message = error_of(f)
    assert message.startswith(f"config error: {f}: invalid YAML at line ")
    f = write(tmp_path / "dup.yaml", "migration: {hukou_cost: 1}\nmigration: {elasticity: 2}\n")
    assert "duplicate key 'migration'" in error_of(f)


@pytest.mark.parametrize("text", ["- 1\n- 2\n", "just text\n", "42\n"])
def test_file_not_a_mapping(tmp_path, text):
    f = write(tmp_path / "s.yaml", text)
    assert error_of(f).startswith(f"config error: {f}: the file must be a mapping of settings")


def test_empty_file_and_empty_section_are_defaults(tmp_path):
    assert load_config(write(tmp_path / "s.yaml", "# nothing\n")) == Scenario()
    assert load_config(write(tmp_path / "t.yaml", "trade:\n  # sigma: 4\n")) == Scenario()


def test_missing_file(tmp_path):
    f = tmp_path / "nope.yaml"
    assert error_of(f) == f"config error: {f}: file not found (allowed: an existing YAML file)"


def test_error_names_the_file_that_set_the_value(tmp_path):
    write(tmp_path / "parent.yaml", "trade: {sigma: 50}\n")
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\nseed: 3\n")
    assert error_of(child).startswith(f"config error: {tmp_path / 'parent.yaml'}: trade.sigma: ")
    assert error_of(child, overrides=["trade.sigma=0"]).startswith(
        "config error: overrides: trade.sigma: value 0.0 out of range"
    )


def test_config_error_is_a_value_error_and_pickles():
    err = ConfigError("f.yaml", "a.b", "unknown key", "a, b", "b")
    assert isinstance(err, ValueError)
    assert str(err) == "config error: f.yaml: a.b: unknown key; did you mean 'b'? (allowed: a, b)"
    assert str(pickle.loads(pickle.dumps(err))) == str(err)


# --- hash, dump, flat -----------------------------------------------------------------------


def test_hash_stable_and_sensitive():
    h = config_hash(Scenario())
    assert len(h) == 16 and int(h, 16) >= 0
    assert h == config_hash(load_config())
    assert h == config_hash(Scenario.model_validate(Scenario().model_dump(mode="json")))
    assert config_hash(load_config(overrides=["migration.hukou_cost=1.5"])) != h
    assert config_hash(load_config(overrides=["name=other"])) != h
    a = load_config(overrides=["migration.hukou_cost={2020: 2, 2035: 0.5}"])
    b = load_config(overrides=["migration.hukou_cost={2035: 0.5, 2020: 2.0}"])
    assert config_hash(a) == config_hash(b)


@pytest.mark.parametrize("name", ["baseline.yaml", "example_custom.yaml"])
def test_dump_load_round_trip(tmp_path, name):
    s = load_config(
        CONFIGS / name, overrides=["fiscal.transfers_share_of_central_revenue=1.1", "trade.solver_tolerance=1e-9"]
    )
    out = dump_config(s, tmp_path / "out" / "resolved.yaml")
    again = load_config(out)
    assert again == s
    assert config_hash(again) == config_hash(s)
    text = out.read_text(encoding="utf-8")
    assert "extends" not in text
    # keys in schema order
    top = [ln.split(":")[0] for ln in text.splitlines() if ln and not ln.startswith(("#", " "))]
    assert top == list(Scenario.model_fields)


def test_flat_params_round_trip():
    s = load_config(CONFIGS / "example_custom.yaml", overrides=["n_firms=5000"])
    flat = flat_params(s)
    assert flat["n_firms"] == 5000
    assert flat["migration.hukou_cost"] == s.migration.hukou_cost
    assert all(not isinstance(v, Section) for v in flat.values())
    assert from_flat(flat) == s
    assert from_flat({k.replace(".", "__"): v for k, v in flat.items()}) == s
    changed = from_flat({"migration.hukou_cost": 1.0, "n_firms": 5000, "trade__sigma": 4}, base=s)
    assert changed.migration.hukou_cost == 1.0 and changed.trade.sigma == 4.0
    assert changed.name == s.name and changed.public_services == s.public_services
    assert from_flat({}) == Scenario()


def test_from_flat_accepts_numpy_and_reports_errors():
    np = pytest.importorskip("numpy")
    s = from_flat({"migration__hukou_cost": np.float64(0.5), "n_firms": np.int64(1000)})
    assert s.migration.hukou_cost == 0.5 and s.n_firms == 1000 and type(s.n_firms) is int
    with pytest.raises(ConfigError, match=r"^config error: overrides: migration\.hukou_cst: unknown key"):
        from_flat({"migration__hukou_cst": 1.0})


# --- generic over the schema ----------------------------------------------------------------


class _Inner(Section):
    """An inner section."""

    depth: float = param(1.0, unit="m", ge=0.0, le=10.0, source="assumption", description="Depth.")


class _Outer(Section):
    """An outer section."""

    inner: _Inner = Field(default_factory=_Inner)
    width: int = Field(3, ge=1, description="Width.")


class _Toy(Section):
    """A toy schema."""

    outer: _Outer = Field(default_factory=_Outer)


def test_works_for_any_schema(tmp_path):
    f = write(tmp_path / "t.yaml", "outer:\n  inner:\n    depth: 2\n")
    t = load_config(f, overrides=["outer.width=4"], model_cls=_Toy)
    assert t.outer.inner.depth == 2.0 and t.outer.width == 4
    assert flat_params(t) == {"outer.inner.depth": 2.0, "outer.width": 4}
    assert from_flat({"outer__inner__depth": 2.0, "outer.width": 4}, base=_Toy()) == t
    message = error_of(overrides=["outer.inner.dept=1"], model_cls=_Toy)
    assert message == (
        "config error: overrides: outer.inner.dept: unknown key; did you mean 'depth'? (allowed: depth)"
    )
    assert "outer.inner.depth: value 11.0 out of range (allowed: 0 ≤ x ≤ 10)" in error_of(
        overrides=["outer.inner.depth=11"], model_cls=_Toy
    )
    doc = reference_markdown(_Toy)
    assert "## outer" in doc and "### outer.inner" in doc and "`outer.inner.depth`" in doc


# --- reference ------------------------------------------------------------------------------


def test_reference_lists_every_key_and_lever():
    doc = reference_markdown()
    for key in flat_params(Scenario()):
        assert f"`{key}`" in doc, key
    for lever in LEVERS:
        row = next(ln for ln in doc.splitlines() if ln.startswith(f"| `{lever}` |"))
        assert "lever" in row
    assert all(ln.count(" | ") == 6 for ln in doc.splitlines() if ln.startswith("| `"))


def test_reference_doc_in_sync():
    path = ROOT / "docs" / "config_reference.md"
    assert path.exists(), f"docs/config_reference.md is missing; regenerate it: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == reference_markdown(), (
        f"docs/config_reference.md is out of date with sim/config/schema.py; regenerate it: {REGENERATE}"
    )
