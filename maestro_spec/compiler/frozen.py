"""Frozen records for the compile path: what `@dataclass(frozen=True,
slots=True)` gives the AST, the API table and diagnostics (fields from the
annotations, defaults, __init__, ==, hash, repr, pickling, immutability,
__match_args__), made without generating source code.

Why not dataclasses: a dataclass compiles the source of six methods when its
class is made, ~1 ms a class on Python 3.11, and the compile path makes about
forty of them: ~45 ms of a ~270 ms cold `maestro compile` (measured). A
Frozen class is made in ~0.03 ms; an instance made with positional
arguments costs what a dataclass's does (~1.1 us for six fields), with
keywords or defaults ~1.6x, and == and hash ~1.5-2x (still well under a
microsecond): a spec makes a few nodes per line. Everything else in the
package keeps using dataclasses.

    class Span(Frozen):
        line: int
        column: int = 1

Annotations are read as written (modules use `from __future__ import
annotations`); only their names matter here. A class may list extra
`__slots__` that are not fields (a memo a method fills in once).
"""

from __future__ import annotations

from operator import attrgetter


class FrozenError(AttributeError):
    """An attempt to assign to or delete a field of a Frozen record."""


class _FrozenMeta(type):
    def __new__(mcls, name, bases, ns):
        if "__annotations__" not in ns and "__annotate__" in ns:
            # Python 3.14 defers annotations (PEP 649) unless the module says
            # `from __future__ import annotations`; without them no field is seen.
            raise TypeError(f"{name}: a module defining Frozen records needs `from __future__ import annotations`")
        names = tuple(n for n, a in ns.get("__annotations__", {}).items() if "ClassVar" not in str(a).split("[")[0])
        if any(getattr(b, "_fields", ()) for b in bases):
            raise TypeError(f"{name}: a Frozen record cannot extend another one that has fields")
        defaults = {n: ns.pop(n) for n in names if n in ns}
        required = [n for n in names if n not in defaults]
        if required and names.index(required[-1]) > min((names.index(n) for n in defaults), default=len(names)):
            raise TypeError(f"{name}: field {required[-1]!r} without a default follows one with a default")
        ns["__slots__"] = names + tuple(ns.get("__slots__", ()))
        ns["__match_args__"] = names
        cls = super().__new__(mcls, name, bases, ns)
        cls._fields = names
        cls._defaults = defaults
        cls._setters = tuple(cls.__dict__[n].__set__ for n in names)
        if len(names) > 1:
            values = attrgetter(*names)
        elif names:
            one = attrgetter(names[0])
            values = lambda record: (one(record),)  # noqa: E731
        else:
            values = lambda record: ()  # noqa: E731
        cls._values = staticmethod(values)  # record -> its field values, as a tuple
        return cls


class Frozen(metaclass=_FrozenMeta):
    __slots__ = ()

    def __init__(self, *args, **kwargs):
        setters, given = self._setters, len(args)
        if given == len(setters) and not kwargs:
            for put, value in zip(setters, args):
                put(self, value)
            return
        names = self._fields
        if given > len(names):
            raise TypeError(f"{type(self).__qualname__}() takes {len(names)} arguments but {given} were given")
        for put, value in zip(setters, args):
            put(self, value)
        defaults = self._defaults
        for name, put in zip(names[given:], setters[given:]):
            if name in kwargs:
                value = kwargs.pop(name)
            elif name in defaults:
                value = defaults[name]
            else:
                raise TypeError(f"{type(self).__qualname__}() missing required argument {name!r}")
            put(self, value)
        if kwargs:
            name = next(iter(kwargs))
            problem = "multiple values for argument" if name in names else "an unexpected keyword argument"
            raise TypeError(f"{type(self).__qualname__}() got {problem} {name!r}")

    def __setattr__(self, name, value):
        raise FrozenError(f"cannot assign to field {name!r} of a frozen {type(self).__qualname__}")

    def __delattr__(self, name):
        raise FrozenError(f"cannot delete field {name!r} of a frozen {type(self).__qualname__}")

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values(self) == other._values(other)

    def __hash__(self):
        return hash(self._values(self))

    def __repr__(self):
        values = self._values(self)
        return f"{type(self).__qualname__}(" + ", ".join(f"{n}={v!r}" for n, v in zip(self._fields, values)) + ")"

    def __reduce__(self):
        # pickle and copy rebuild through __init__: __setattr__ refuses.
        return type(self), self._values(self)


def fields(record) -> tuple[str, ...]:
    """The field names of a Frozen record or class, in order."""
    return record._fields


def replace(record: Frozen, **changes) -> Frozen:
    """A copy of record with some fields changed (dataclasses.replace)."""
    unknown = set(changes) - set(record._fields)
    if unknown:
        raise TypeError(f"{type(record).__qualname__} has no field {sorted(unknown)[0]!r}")
    return type(record)(*(changes.get(n, v) for n, v in zip(record._fields, record._values(record))))
