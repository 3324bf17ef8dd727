"""One hotkey per label across all controls of a schema, and the conflicts that make a schema invalid.

A control's `hotkeys` map is used as given (`{}`: no keys); the labels of controls without one take the
next free key of the pool in schema order, skipping the keys the labeling page and the schema's tools
use. `labelwise/web/labeling/hotkeys.js` applies the same rule in the browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["PAGE_KEYS", "assign_hotkeys", "hotkey_conflicts", "reserved_keys"]

# Submit, skip, guidelines, help, accept, retry, type, region and control navigation.
PAGE_KEYS: tuple[str, ...] = (
    "enter", "escape", "tab", "delete", "backspace", "space", "arrowleft", "arrowright", "arrowup", "arrowdown",
    "?", "[", "]", "s", "g", "a", "r", "t", "f2",
)
_CONTROL_KEYS: dict[str, tuple[str, ...]] = {
    "segments": ("m",), "keypoints": ("h", "n"), "tracks": ("k", "h", "x"), "masks": ("e", ",", "."),
    "taxonomy": ("x", "0"), "ranking": ("c",), "pairwise": ("b",), "edit": ("e",),
}
_ROTATE_KEYS = ("e", "q")
_OBJECT_KEYS: dict[str, tuple[str, ...]] = {
    "image": ("f", "+", "-", "=", "pageup", "pagedown"), "pdf": ("f", "+", "-", "=", "pageup", "pagedown"),
    "dicom": ("pageup", "pagedown", "home", "end", "v", "w"),
    "audio": (",", ".", "<", ">"), "video": (",", ".", "<", ">", "home", "end"), "timeseries": (",", ".", "<", ">", "+", "-", "="),
    "pointcloud": (",", ".", "pageup", "pagedown", "c", "n", "q", "e", "+", "-", "="),
}
_POOL: tuple[str, ...] = (
    *"1234567890", *"wyuiopdjlzv", *"bcehknqxfm",
)
_LABEL_TYPES = {"choices", "spans", "boxes", "polygons", "polylines", "keypoints", "masks", "segments", "tracks", "relations",
                "cuboids", "point_labels"}


def _get(spec: Any, key: str) -> Any:
    return spec.get(key) if isinstance(spec, Mapping) else getattr(spec, key, None)


def _labels(spec: Any) -> tuple[str, ...]:
    if _get(spec, "type") not in _LABEL_TYPES:
        return ()
    return tuple(_get(spec, "options" if _get(spec, "type") == "choices" else "labels") or ())


def reserved_keys(objects: Mapping[str, Any], controls: Mapping[str, Any]) -> dict[str, str]:
    """Key -> what uses it, for every key no label may take in this schema."""
    out = {key: "the labeling page" for key in PAGE_KEYS}
    for name, spec in controls.items():
        keys = _CONTROL_KEYS.get(_get(spec, "type"), ())
        if _get(spec, "type") == "boxes" and _get(spec, "rotatable"):
            keys = (*keys, *_ROTATE_KEYS)
        for key in keys:
            out.setdefault(key, f"control '{name}'")
    for name, spec in objects.items():
        for key in _OBJECT_KEYS.get(_get(spec, "type"), ()):
            out.setdefault(key, f"object '{name}'")
    return out


def assign_hotkeys(objects: Mapping[str, Any], controls: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """{control: {label: key}} for every control with labels or options (specs or plain dicts)."""
    labelled = {name: spec for name, spec in controls.items() if _labels(spec)}
    taken = set(reserved_keys(objects, controls))
    out: dict[str, dict[str, str]] = {}
    for name, spec in labelled.items():
        given = _get(spec, "hotkeys")
        if given is not None:
            out[name] = {label: str(key).lower() for label, key in given.items()}
            taken.update(out[name].values())
    free = [key for key in _POOL if key not in taken]
    for name, spec in labelled.items():
        if name not in out:
            out[name] = dict(zip(_labels(spec), free))
            free = free[len(out[name]):]
    return out


def hotkey_conflicts(objects: Mapping[str, Any], controls: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(control, key, message) for every explicit hotkey another label or a page/tool key already uses."""
    reserved = reserved_keys(objects, controls)
    owner: dict[str, tuple[str, str]] = {}
    out = []
    for name, spec in controls.items():
        for label, key in (_get(spec, "hotkeys") or {}).items():
            key = str(key).lower()
            if key in reserved:
                out.append((name, key, f"hotkey '{key}' of '{label}' is used by {reserved[key]}"))
            elif key in owner and owner[key][0] != name:  # twice in one control: the schema's own check
                other, other_label = owner[key]
                out.append((name, key, f"hotkey '{key}' of '{label}' is also the key of '{other_label}' in control '{other}'"))
            owner.setdefault(key, (name, label))
    return out
