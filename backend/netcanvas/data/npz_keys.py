"""Which arrays of an NPZ upload are inputs and targets, and of which split: the key conventions.

Each key starting with `x` (inputs) or `y` (targets) is read as `<side><array>[_<split>]`:

- the split: a trailing `_train`, `_test`, `_val` or `_validation` (checked once, at the end of the
  key); without one the array holds every sample and the upload's split options divide it;
- the array: nothing (`x`, `y`: the only input / target), digits (`x0`, `x1`…: several, by order)
  or `_<name>` (`x_encoder_input`, `y_decoder_dense`: several, by name — matched to the graph's
  Input / output node ids).

So `x_train` is the training split of the only input (never an input named "train"), and
`x_tokens_test` the test split of input "tokens". One side uses one style (a target may stay `y`
beside several named or numbered inputs); either every array names its split or none does; each
split has the same arrays; numbered arrays run 0, 1, 2… without gaps. Anything else is refused
with a sentence that lists the keys. Keys that start with neither `x` nor `y` in this way (`vocab`,
`xs`) are not read; they are reported in the data set's description, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .errors import DataError

Part = Literal["all", "train", "validation", "test"]
Style = Literal["single", "ordered", "named"]
SPLIT_SUFFIXES: dict[str, Part] = {"_train": "train", "_test": "test", "_val": "validation",
                                   "_validation": "validation"}
PART_ORDER: tuple[Part, ...] = ("all", "train", "validation", "test")
EXPECTED = ("needs arrays 'x' and 'y' (or 'x_train', 'y_train'[, 'x_test', 'y_test']; several inputs or "
            "targets as 'x_<name>' / 'y_<name>' or 'x0', 'x1' / 'y0', 'y1')")


@dataclass(frozen=True)
class Key:
    """One array's role, parsed from its key."""

    key: str
    side: str  # "x" or "y"
    style: Style
    name: str  # "x" / "y" (single), "x0" / "y1" (ordered), the name (named)
    index: int  # position among the side's arrays (ordered); 0 otherwise (fixed later for named)
    part: Part


@dataclass
class Side:
    """The arrays of one side (inputs or targets): their names in Split order, and each split's keys."""

    style: Style
    names: list[str]
    keys: dict[Part, list[str]] = field(default_factory=dict)  # part → the array keys, in `names` order


@dataclass
class Layout:
    parts: list[Part]  # in PART_ORDER
    x: Side
    y: Side
    ignored: list[str]


def parse_key(key: str) -> Key | None:
    """The role of `key`, or None when it follows no convention (not read)."""
    if not key or key[0] not in "xy":
        return None
    side = key[0]
    rest = key[1:]
    part: Part = "all"
    for suffix, p in SPLIT_SUFFIXES.items():
        if rest.endswith(suffix) and (rest == suffix or len(rest) > len(suffix)):
            rest, part = rest[:-len(suffix)], p
            break
    if rest == "":
        return Key(key, side, "single", side, 0, part)
    if rest.isascii() and rest.isdigit():
        return Key(key, side, "ordered", f"{side}{int(rest)}", int(rest), part)
    if rest.startswith("_") and len(rest) > 1:
        return Key(key, side, "named", rest[1:], 0, part)
    return None


def _listed(keys: list[str]) -> str:
    return ", ".join(f"'{k}'" for k in keys)


def _side(file: str, side: str, found: list[Key], parts: list[Part]) -> Side:
    styles = {k.style for k in found}
    if len(styles) > 1:
        raise DataError(
            f"{file}: the {side} arrays mix naming styles ({_listed([k.key for k in found])}): use '{side}' alone "
            f"for one, or '{side}_<name>' for each of several, or '{side}0', '{side}1'… for each of several.", 422)
    style = styles.pop()
    names: list[str] = []
    for k in sorted(found, key=lambda k: k.index) if style == "ordered" else found:
        if k.name not in names:
            names.append(k.name)
    if style == "ordered":
        numbers = sorted({k.index for k in found})
        if numbers != list(range(len(numbers))):
            raise DataError(
                f"{file}: numbered {side} arrays run {', '.join(map(str, numbers))}; they must run 0, 1, 2… "
                f"without gaps ({_listed([k.key for k in found])}).", 422)
    out = Side(style=style, names=names)
    for part in parts:
        by_name: dict[str, str] = {}
        for k in found:
            if k.part != part:
                continue
            if k.name in by_name:
                raise DataError(f"{file}: {_listed([by_name[k.name], k.key])} both name {side} array '{k.name}' "
                                f"of the {part} split; keep one.", 422)
            by_name[k.name] = k.key
        missing = [n for n in names if n not in by_name]
        if missing:
            have = [k.key for k in found if k.part == part]
            raise DataError(
                f"{file}: the {part} split has {side} arrays {_listed(have)} but not {', '.join(missing)} "
                f"(other splits have it): every split needs the same arrays.", 422)
        out.keys[part] = [by_name[n] for n in names]
    return out


def layout(file: str, keys: list[str]) -> Layout:
    """The inputs, targets and splits of an NPZ with these keys (in file order); DataError (422)
    with a sentence naming the keys for anything missing or ambiguous."""
    parsed = [(k, parse_key(k)) for k in keys]
    roles = [p for _, p in parsed if p is not None]
    ignored = [k for k, p in parsed if p is None]
    xs = [r for r in roles if r.side == "x"]
    ys = [r for r in roles if r.side == "y"]
    if not xs or not ys:
        raise DataError(f"{file}: {EXPECTED}; it has {', '.join(keys) or 'none'}.", 422)
    used = {r.part for r in roles}
    if "all" in used and len(used) > 1:
        plain = [r.key for r in roles if r.part == "all"]
        split = [r.key for r in roles if r.part != "all"]
        raise DataError(
            f"{file}: arrays {_listed(split)} name a split (_train, _test, _val) but {_listed(plain)} do not: "
            "name the split of every array, or of none (then test_split and validation_split divide them).", 422)
    if "all" not in used and "train" not in used:
        raise DataError(f"{file}: arrays {_listed([r.key for r in roles])} have no training split: add "
                        "'x_train' and 'y_train' (or drop the split suffixes).", 422)
    parts = [p for p in PART_ORDER if p in used]
    return Layout(parts=parts, x=_side(file, "x", xs, parts), y=_side(file, "y", ys, parts), ignored=ignored)
