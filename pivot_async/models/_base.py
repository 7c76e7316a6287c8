"""The one base for every msgspec model.

Field names are snake_case in Python and lower camelCase on the wire (``rename="camel"``).
Response models never forbid unknown fields: the gateway adds fields over time. Enumerated
values are plain ``str`` fields so that a value the gateway adds later is kept, not rejected;
the ``*Status`` classes in :mod:`pivot_async.models` hold the known values for comparison.

Models are not tracked by Python's cyclic garbage collector (``gc=False``): a decoded
response is a tree of Structs, strings, numbers, lists and dicts that reference counting
frees, so tracking its Structs only made allocation and every young-generation collection
dearer. The library never makes a model reference itself (directly or through a list or dict
it holds); code that does so builds a cycle the collector cannot break (a leak).
"""

import msgspec

__all__ = ["Model"]


class Model(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True, gc=False):
    """Base of all request and response models (untracked by the cyclic GC: module docs)."""
