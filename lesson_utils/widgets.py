"""Explorers: controls, a live readout and a figure that updates in place fast enough to feel held.

A subclass declares its controls as class attributes (``w = slider(...)``), draws its figure once in
:meth:`Explorer.draw` and returns the artists that move; on each control change :meth:`Explorer.update` moves
them and returns the :class:`Reading` s to show. :class:`lesson_utils.frames.Frames` draws only what moves again
and the explorer sends a cheaply encoded PNG to an Image widget.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import html
import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import ipywidgets as widgets
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lesson_utils.frames import Frames, artists_in

#: Every explorer class by name, so benchmarks and tests cover new lessons without being edited.
REGISTRY: dict[str, type[Explorer]] = {}
#: The key, in a stored explorer output's metadata, that holds the explorer's class name: the output is live in a
#: kernel, even after the widget view was dropped from the notebook (scripts/execute_notebooks.py).
EXPLORER_OUTPUT = "loss_lab_explorer"


def register(cls: type[Explorer]) -> type[Explorer]:
    """Class decorator: list an explorer in :data:`REGISTRY`; a name taken by another class is refused."""
    if not cls.controls_declared:
        raise TypeError(f"{cls.__name__} declares no controls: declare at least one, e.g. `w = slider(...)`.")
    taken = REGISTRY.get(cls.__name__)
    if taken is not None and (taken.__module__, taken.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ValueError(
            f"An explorer named {cls.__name__!r} is already registered, from {taken.__module__}; "
            f"rename the class in {cls.__module__} (explorer names are unique across the lessons)."
        )
    REGISTRY[cls.__name__] = cls  # the same class again, or reloaded from its module: replace it
    return cls


def format_number(value: float) -> str:
    """A readout number: four significant digits, a real minus sign, and words for the non-finite."""
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "\u221e" if value > 0 else "\u2212\u221e"
    return f"{value:.4g}".replace("-", "\u2212")


@dataclasses.dataclass(frozen=True)
class Reading:
    """One number of the readout: ``name`` for code and tests, ``label`` for learners, and its ``value``."""

    name: str
    label: str
    value: float


class Slider(widgets.FloatSlider):
    """A float slider that refuses what it cannot show (None, NaN, infinities, values out of its range)."""

    @traitlets.validate("value")
    def _validate_value(self, proposal: Any) -> float:
        value = proposal["value"]
        slack = 1e-9 * (self.max - self.min)  # a browser's rounding at an end (min + n * step) is no mistake
        if not (math.isfinite(value) and self.min - slack <= value <= self.max + slack):
            raise traitlets.TraitError(
                f"{self.description!r} takes a number from {self.min:g} to {self.max:g}; got {value!r}."
            )
        return min(max(value, self.min), self.max)


class FigureImage(widgets.Image):
    """An Image whose ``tooltip`` becomes the <img>'s title, its text alternative.

    ipywidgets' view reads the ``description`` of any widget it gives a tooltip, and Image has none: without this
    empty one the view fails to render.
    """

    description = traitlets.Unicode("").tag(sync=True)


class _Option(traitlets.Any):
    """Any value but None, which a choice never holds (it would select nothing)."""

    allow_none = False


class Choice(widgets.ToggleButtons):
    """Toggle buttons that refuse a value that is not one of their options (None included)."""

    value = _Option(help="Selected value")

    @traitlets.validate("value")
    def _validate_value(self, proposal: Any) -> Any:
        value = proposal["value"]
        for option in self._options_values:
            if value is not None and not isinstance(value, bool) and value == option:
                return option
        options = ", ".join(map(repr, self._options_values))
        raise traitlets.TraitError(f"{self.description!r} takes one of {options}; got {value!r}.")


class Control:
    """A control declared on an :class:`Explorer` class; each explorer makes its own widget from it.

    On an explorer, the attribute reads and sets the control's current value (``explorer.w = 1.5``).
    """

    def __init__(self, make: Callable[[], widgets.ValueWidget]) -> None:
        self.make = make
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, explorer: Explorer | None, owner: type | None = None) -> Any:
        return self if explorer is None else explorer.controls[self.name].value

    def __set__(self, explorer: Explorer, value: Any) -> None:
        explorer.controls[self.name].value = value


def _shown(control: widgets.ValueWidget) -> str:
    """A control's value as the learner sees it: a slider's number, a choice's label."""
    if isinstance(control, widgets.ToggleButtons):
        return str(control.label)
    return format_number(control.value) if isinstance(control.value, float) else str(control.value)


def slider(
    description: str, *, value: float, min: float, max: float, step: float, readout_format: str = ".2f"
) -> Control:
    """A float slider that updates while dragged, with room for its label."""
    return Control(
        lambda: Slider(
            value=value,
            min=min,
            max=max,
            step=step,
            description=description,
            readout_format=readout_format,
            continuous_update=True,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="28em"),
        )
    )


def choice(description: str, options: Sequence[Any], *, value: Any) -> Control:
    """One of a few options, as toggle buttons."""
    return Control(lambda: Choice(options=list(options), value=value, description=description))


def recompute_on_change(method: Callable[..., Any]) -> Callable[..., Any]:
    """Method decorator: run again only when the arguments differ from the last call's, else return its result.

    For what is costly and depends on a few settings only (the curves over a grid, a whole surface): pass
    exactly those settings, ``self.curves(s.target)``, and dragging any other control reuses the result.
    """

    @functools.wraps(method)
    def cached(self: Explorer, *args: Any, **kwargs: Any) -> Any:
        key = (args, sorted(kwargs.items()))
        last = self._last_results.get(method.__name__)
        if last is None or last[0] != key:
            last = self._last_results[method.__name__] = (key, method(self, *args, **kwargs))
        return last[1]

    return cached


#: What every explorer sets on itself, which a control's name would hide.
_EXPLORER_ATTRIBUTES = frozenset({"art", "controls", "figure", "image", "readout", "readings"})


class _DrawnAfterInit(type(widgets.VBox)):  # type: ignore[misc]
    """Draws an explorer once every ``__init__`` in its class chain has run, so their order never matters."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        explorer = super().__call__(*args, **kwargs)
        explorer._start()
        return explorer


class Explorer(widgets.VBox, metaclass=_DrawnAfterInit):
    """Controls, a readout of the numbers that matter and a figure; subclasses declare controls, draw, update.

    ``draw(fig)`` draws everything once and returns the artists that move (an Artist, bars, or a dataclass,
    dict, list or tuple of them); ``update(art, s)`` moves them for the settings ``s`` (``s.w`` is the value of
    control ``w``) and returns the readings. Everything ``draw`` does not return stays still: changing a
    still artist costs a full redraw.
    """

    title: ClassVar[str] = ""
    figsize: ClassVar[tuple[float, float]] = (8.0, 3.5)
    dpi: ClassVar[int] = 96
    #: The declared controls by name, in order (this class's and its bases').
    controls_declared: ClassVar[dict[str, Control]] = {}
    #: The settings passed to :meth:`update`: a frozen dataclass with one field per control.
    Settings: ClassVar[type]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "make_controls" in vars(cls):
            raise TypeError(
                f"{cls.__name__}: declare each control as a class attribute (`w = slider(...)`, "
                "`kind = choice(...)`) instead of returning them from make_controls."
            )
        own = {name: value for name, value in vars(cls).items() if isinstance(value, Control)}
        reserved = sorted(name for name in own if hasattr(Explorer, name) or name in _EXPLORER_ATTRIBUTES)
        if reserved:
            raise TypeError(
                f"{cls.__name__}: a control may not be named {', '.join(map(repr, reserved))}: Explorer uses "
                "that name. Rename the control."
            )
        cls.controls_declared = {**cls.controls_declared, **own}
        cls.Settings = dataclasses.make_dataclass(f"{cls.__name__}Settings", list(cls.controls_declared), frozen=True)
        if "update" in vars(cls):
            parameters = list(inspect.signature(cls.update).parameters.values())
            if len(parameters) != 3 or any(p.kind != p.POSITIONAL_OR_KEYWORD for p in parameters):
                reads = ", ".join(f"s.{name}" for name in cls.controls_declared) or "s.<control>"
                raise TypeError(
                    f"{cls.__name__}.update must be `def update(self, art, s)`: it gets every control's value in "
                    f"one argument and reads {reads}."
                )

    def draw(self, fig: Figure) -> Any:
        """Draw everything once; return the artists that move (an Artist, or a dataclass, dict or list of them)."""
        raise NotImplementedError(f"{type(self).__name__} must define draw(self, fig)")

    def update(self, art: Any, s: Any) -> Sequence[Reading]:
        """Move the artists ``draw`` returned for the settings ``s``; return the readings to show."""
        raise NotImplementedError(f"{type(self).__name__} must define update(self, art, s)")

    def __init__(self, **values: Any) -> None:
        cls = type(self)
        if not cls.controls_declared:
            raise TypeError(f"{cls.__name__} declares no controls: declare at least one, e.g. `w = slider(...)`.")
        self._last_results: dict[str, tuple[Any, Any]] = {}
        self.controls = {name: control.make() for name, control in cls.controls_declared.items()}
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise TypeError(
                f"{cls.__name__} has no control named {', '.join(map(repr, unknown))}; "
                f"its controls are {', '.join(map(repr, self.controls))}."
            )
        for name, value in values.items():
            self.controls[name].value = value
        self.figure = Figure(figsize=self.figsize, dpi=self.dpi, layout="constrained")
        FigureCanvasAgg(self.figure)
        self.readings: tuple[Reading, ...] = ()
        self.image = FigureImage(format="png", layout=widgets.Layout(max_width="100%", height="auto"))
        self.readout = widgets.HTML()
        header = [widgets.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
        super().__init__([*header, widgets.VBox(list(self.controls.values())), self.readout, self.image])
        # Stable hooks for browser tests and styling: every explorer, and which one it is.
        self.add_class("loss-lab-explorer")
        self.add_class(f"loss-lab-{cls.__name__}")
        self.readout.add_class("loss-lab-readout")
        self.image.add_class("loss-lab-figure")

    def _start(self) -> None:
        """Draw the figure once, then follow the controls (called when construction is complete)."""
        self.art = self.draw(self.figure)
        self._frames = Frames(self.figure, moving=artists_in(self.art))
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.refresh()

    def values(self) -> dict[str, Any]:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def settings(self) -> Any:
        """The current values as the :attr:`Settings` that :meth:`update` reads."""
        return self.Settings(**self.values())

    @property
    def shown(self) -> dict[str, float]:
        """The value of every reading shown now, by name."""
        return {reading.name: reading.value for reading in self.readings}

    def refresh(self) -> None:
        """Update the artists for the current control values, then the readout and the image."""
        self.readings = self._checked(self.update(self.art, self.settings()))
        self.readout.value = " &nbsp;&middot;&nbsp; ".join(
            f"{html.escape(r.label)} = <b>{format_number(r.value)}</b>" for r in self.readings
        )
        self.image.value = self.render()
        self.image.tooltip = self.describe()  # the <img>'s title: its text alternative, and a tooltip

    def describe(self) -> str:
        """The figure in words, for readers who cannot see it: what it shows, the settings, the numbers shown now."""
        what = self.title or (inspect.getdoc(type(self)) or type(self).__name__).splitlines()[0]
        settings = ", ".join(f"{control.description} = {_shown(control)}" for control in self.controls.values())
        numbers = ", ".join(f"{r.label} = {format_number(r.value)}" for r in self.readings)
        return f"Figure: {what}{'' if what.endswith(('.', '?', '!')) else '.'} Settings: {settings}. Shown: {numbers}."

    def _checked(self, readings: Any) -> tuple[Reading, ...]:
        """The readings ``update`` returned, as a tuple of Readings with float values and distinct names."""
        if not isinstance(readings, Sequence) or not all(isinstance(r, Reading) for r in readings):
            raise TypeError(
                f"{type(self).__name__}.update must return a list of Reading(name, label, value); got {readings!r}"
            )
        names = [r.name for r in readings]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"{type(self).__name__}.update returned readings named {repeated} more than once")
        return tuple(dataclasses.replace(r, value=float(r.value)) for r in readings)

    def render(self) -> bytes:
        """The figure as it is now, as PNG bytes (only what moved is drawn again)."""
        return self._frames.render()

    def _on_change(self, _change: dict[str, Any]) -> None:
        self.refresh()

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={value!r}" for name, value in self.values().items())
        return f"{type(self).__name__}({settings})"

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """The live widget, plus the current frame as a PNG, with its description as alt text, for readers who have
        no kernel; the output's metadata names the explorer (:data:`EXPLORER_OUTPUT`), so a static page can say
        where it is live."""
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        return bundle, {"image/png": {"alt": self.describe()}, EXPLORER_OUTPUT: type(self).__name__}
