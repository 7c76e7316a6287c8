"""A batch job: many payment sessions at bounded concurrency, journaled, resumable."""

import asyncio
import tempfile
from pathlib import Path

from pivot_async import PivotClient
from pivot_async.batch import BatchRunner, Operation
from pivot_async.sandbox import Sandbox


def orders(count: int) -> list[Operation]:
    return [
        Operation.create_payment(row, {
            "clientReferenceId": f"invoice{row:06d}",  # unique per row and across jobs
            "amount": {"value": 10000 + row, "currency": "IDR"},
            "mode": "API",
            "paymentMethod": {"type": "QR"},
            "redirectUrl": {
                "successReturnUrl": "https://shop.example/ok",
                "failureReturnUrl": "https://shop.example/fail",
                "expirationReturnUrl": "https://shop.example/expired",
            },
        })
        for row in range(1, count + 1)
    ]


async def main() -> int:
    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url
    ) as client:
        with tempfile.TemporaryDirectory() as tmp:
            journal = Path(tmp) / "invoices.journal.sqlite"
            results = Path(tmp) / "invoices.results.csv"
            runner = BatchRunner(client, concurrency=16, rate=200, journal=journal)

            # A first run that stops after 60 of 100 rows (think: the process was killed).
            first = await runner.run(orders(60), job_id="invoices", results_path=results)
            print(first.format())

            # The same job resumed with all 100 rows: the 60 done rows are not sent again.
            summary = await runner.run(orders(100), job_id="invoices", resume=True,
                                       results_path=results)
            print(summary.format())
            lines = results.read_text().splitlines()
            print(f"{len(lines) - 1} rows in {results.name}; header: {lines[0]}")
            return summary.skipped


if __name__ == "__main__":
    asyncio.run(main())
