"""``import pivot_async`` leaves the heavy, rarely needed modules for their first use
(benchmarks/import_time.py measures what that saves)."""

from __future__ import annotations

import json
import subprocess
import sys

LAZY = ("Crypto", "cffi", "pycparser", "multiprocessing", "concurrent.futures.process")


def _loaded_after(statement: str) -> list[str]:
    code = (
        f"import json, sys; {statement}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({LAZY!r}))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


def test_importing_the_package_and_building_a_client_loads_no_crypto_nor_multiprocessing() -> None:
    assert _loaded_after(
        "import pivot_async; pivot_async.PivotClient(client_id='i', client_secret='s')"
    ) == []


def test_encryption_in_a_fresh_interpreter_loads_the_cipher_on_first_use() -> None:
    loaded = _loaded_after(
        "import base64; from Crypto.PublicKey import RSA; "
        "key = base64.b64encode(RSA.generate(2048).publickey().export_key('DER')).decode(); "
        "import pivot_async, datetime; "
        "card = pivot_async.Card('4440000112200001', 1, 2099, '123'); "
        "assert pivot_async.encrypt_card(key, card)"
    )
    assert "Crypto.Cipher.AES" in loaded
