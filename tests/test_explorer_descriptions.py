"""Every explorer's figure says in words what it shows and the numbers it shows now (its alt text), kept current."""

import pytest

import lesson_utils.explorers  # noqa: F401  (registers every explorer)
from lesson_utils.widgets import REGISTRY, format_number


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_the_figure_is_described_with_its_settings_and_numbers(name):
    explorer = REGISTRY[name]()
    described = explorer.describe()
    assert described.startswith(f"Figure: {explorer.title or ''}")
    for control in explorer.controls.values():
        assert f"{control.description} = " in described
    for reading in explorer.readings:
        assert f"{reading.label} = {format_number(reading.value)}" in described
    assert explorer.image.tooltip == described, "the <img> carries the description as its title"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_the_description_follows_every_change(name):
    explorer = REGISTRY[name]()
    control = next(control for control in explorer.controls.values() if hasattr(control, "max"))
    before = explorer.describe()
    control.value = control.max
    assert explorer.image.tooltip == explorer.describe() != before
