"""The question types: one module per type, found and registered here.

Each module in this package (but ``base``) defines ``TYPE``, an instance of its
:class:`~quizapp.domain.types.base.QuestionType` subclass, which holds everything about that type: its
part of the bank format, how an answer is read from a form, graded and stored, what the question page
shows, its flashcard faces and its label. The rest of the app asks the registry (:func:`get`) and never
tests a type's name. Adding a type is adding a module here and its template,
``templates/types/<name>.html``: see ``docs/question-types.md``.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import QuestionType


def _discover() -> dict[str, QuestionType]:
    found = []
    for module in pkgutil.iter_modules(__path__):
        if module.name == "base" or module.name.startswith("_"):
            continue
        kind = getattr(importlib.import_module(f"{__name__}.{module.name}"), "TYPE", None)
        if not isinstance(kind, QuestionType):
            raise TypeError(f"{__name__}.{module.name} defines no TYPE, an instance of QuestionType")
        if kind.name != module.name:
            raise TypeError(f"{__name__}.{module.name} defines the type {kind.name!r}; name the module after it")
        found.append(kind)
    return {kind.name: kind for kind in sorted(found, key=lambda k: (k.order, k.name))}


REGISTRY: dict[str, QuestionType] = _discover()
QUESTION_TYPES: tuple[str, ...] = tuple(REGISTRY)  # bank order
QUIZ_TYPES: tuple[str, ...] = tuple(name for name, kind in REGISTRY.items() if kind.quiz)


def get(name: str) -> QuestionType:
    """The type called ``name``.

    Raises:
        KeyError: no such type.
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown question type {name!r}") from None


def label(name: str) -> str:
    """What pages call a type; an unknown name as it is."""
    kind = REGISTRY.get(name)
    return kind.label if kind is not None else name
