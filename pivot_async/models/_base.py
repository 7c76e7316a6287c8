"""The one base for every msgspec model.

Field names are snake_case in Python and lower camelCase on the wire (``rename="camel"``).
Response models never forbid unknown fields: the gateway adds fields over time. Enumerated
values are plain ``str`` fields so that a value the gateway adds later is kept, not rejected;
the ``*Status`` classes in :mod:`pivot_async.models` hold the known values for comparison.
"""

import msgspec

__all__ = ["Model"]


class Model(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """Base of all request and response models."""
