"""Decoding a retrieve-session response with four charges: msgspec Structs (the library's own
decoder) against pydantic v2 models and ``json.loads`` to dicts, in one run.

Usage::

    python benchmarks/decode.py [--quick] [--rounds 15] [--loops 5000]

The payload is the documented retrieve-session response (``benchmarks/data/
payments__retrieve_by_client_reference_id__response.json``): its one session object is the
``data`` of a retrieve-by-id answer, and its ``chargeDetails`` list (one documented card charge)
is extended to four by copying that charge three times with new ids. The payload is compacted.

Contenders (interleaved rounds, median CPU time per decode via ``time.process_time``):

- ``msgspec_structs``: the cached lenient ``msgspec.json.Decoder`` the library builds for
  ``Envelope[PaymentSession]`` (``_codec.decoder_for``), decoding into the library's Structs.
- ``pivot_decode_path``: ``_codec.decode(raw, Envelope[PaymentSession])`` exactly as
  ``PivotClient._request`` calls it for every response (the generic alias is subscripted and
  used as the cache key on each call, plus the error mapping wrapper).
- ``pydantic_v2``: ``Envelope[PaymentSession].model_validate_json(raw)`` with models that
  mirror the library's fields (``benchmarks/_pydantic_models.py``).
- ``json_loads_dicts``: ``json.loads(raw)``, untyped dicts, no validation.
- ``msgspec_dicts`` (reference): ``msgspec.json.decode(raw)``, untyped.

Goals (reported, not asserted): msgspec Structs >= 5x pydantic v2 and faster than
``json.loads`` to dicts (reported for ``msgspec_structs`` and for ``pivot_decode_path``).
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import _common
import _pydantic_models as pm
import msgspec
from _common import emit, goal_line, median, ratio, table

from pivot_async import _codec
from pivot_async.models import Envelope, PaymentSession


def payload() -> bytes:
    doc = _common.load_json("payments__retrieve_by_client_reference_id__response.json")
    session = doc["data"][0]
    base = session["chargeDetails"][0]
    charges = [base]
    for k in range(1, 4):
        extra = copy.deepcopy(base)
        extra["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"charge-{k}"))
        charges.append(extra)
    session["chargeDetails"] = charges
    envelope = {"code": doc["code"], "message": doc["message"], "data": session}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def contenders(raw: bytes) -> dict[str, Callable[[], Any]]:
    decoder = _codec.decoder_for(Envelope[PaymentSession])
    pyd = pm.SessionEnvelope
    return {
        "msgspec_structs": lambda: decoder.decode(raw),
        "pivot_decode_path": lambda: _codec.decode(
            raw, Envelope[PaymentSession]  # type: ignore[valid-type]
        ),
        "pydantic_v2": lambda: pyd.model_validate_json(raw),
        "json_loads_dicts": lambda: json.loads(raw),
        "msgspec_dicts": lambda: msgspec.json.decode(raw),
    }


def check(raw: bytes) -> dict[str, Any]:
    """Every contender decodes the same content (four charges, same ids and amounts)."""
    s = _codec.decode(raw, Envelope[PaymentSession]).data
    p = pm.SessionEnvelope.model_validate_json(raw).data
    d = json.loads(raw)["data"]
    if s is None or p is None or s.amount is None or p.amount is None:
        raise RuntimeError("payload did not decode into a session")
    ids = [c.id for c in s.charges]
    same = (
        ids == [c.id for c in p.charge_details or []] == [c["id"] for c in d["chargeDetails"]]
        and len(set(ids)) == 4
        and s.amount.value == p.amount.value == d["amount"]["value"]
        and [c.card.last4 if c.card else None for c in s.charges]
        == [c.card.last4 if c.card else None for c in p.charge_details or []]
    )
    if not same:
        raise RuntimeError("the contenders decoded different content")
    return {"charges": len(ids), "bytes": len(raw)}


def time_loop(fn: Callable[[], Any], loops: int) -> float:
    """CPU microseconds per call over ``loops`` calls."""
    gc.collect()
    c0 = time.process_time()
    for _ in range(loops):
        fn()
    return (time.process_time() - c0) / loops * 1e6


def bench(args: argparse.Namespace) -> dict[str, Any]:
    raw = payload()
    info = check(raw)
    fns = contenders(raw)
    for fn in fns.values():  # warm-up: decoders built, caches filled
        time_loop(fn, max(100, args.loops // 10))
    per: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for r in range(args.rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            per[name].append(time_loop(fns[name], args.loops))
    us = {name: median(v) for name, v in per.items()}
    ratios = {}
    goals = {}
    for name in ("msgspec_structs", "pivot_decode_path"):
        ratios[f"{name}_over_pydantic_speed"] = ratio(us["pydantic_v2"], us[name])
        ratios[f"{name}_over_json_loads_speed"] = ratio(us["json_loads_dicts"], us[name])
        goals[f"{name}_ge_5x_pydantic"] = ratios[f"{name}_over_pydantic_speed"] >= 5.0
        goals[f"{name}_faster_than_json_loads"] = ratios[f"{name}_over_json_loads_speed"] > 1.0
    ratios["msgspec_structs_over_msgspec_dicts_speed"] = ratio(us["msgspec_dicts"],
                                                               us["msgspec_structs"])
    return {
        "benchmark": "decode",
        "payload": info,
        "rounds": args.rounds,
        "loops": args.loops,
        "machine": _common.machine(),
        "versions": _common.versions("msgspec", "pydantic", "pydantic-core"),
        "us_per_decode": us,
        "us_per_decode_rounds": {k: [round(x, 2) for x in v] for k, v in per.items()},
        "ratios": ratios,
        "goals_met": goals,
    }


def report(r: dict[str, Any]) -> None:
    print(f"decode: retrieve-session response, {r['payload']['charges']} charges, "
          f"{r['payload']['bytes']} bytes; {r['rounds']} rounds x {r['loops']} decodes "
          f"(median CPU time)")
    base = r["us_per_decode"]["msgspec_structs"]
    rows = [(name, us, ratio(us, base)) for name, us in r["us_per_decode"].items()]
    print(table(rows, ["contender", "us/decode", "x msgspec_structs"]))
    print()
    rt, met = r["ratios"], r["goals_met"]
    for name in ("msgspec_structs", "pivot_decode_path"):
        print(goal_line(f"{name}_ge_5x_pydantic", rt[f"{name}_over_pydantic_speed"], ">= 5",
                        met[f"{name}_ge_5x_pydantic"]))
        print(goal_line(f"{name}_faster_than_json_loads", rt[f"{name}_over_json_loads_speed"],
                        "> 1", met[f"{name}_faster_than_json_loads"]))
    emit(r)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="5 rounds x 2000 decodes")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--loops", type=int, default=None)
    args = parser.parse_args()
    if args.rounds is None:
        args.rounds = 5 if args.quick else 15
    if args.loops is None:
        args.loops = 2000 if args.quick else 5000
    report(bench(args))


if __name__ == "__main__":
    main()
