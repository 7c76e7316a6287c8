"""The one page renderer of the sandbox: the payments pages and the wallet pages use it."""

from __future__ import annotations

import html
from collections.abc import Iterable

from aiohttp import web

__all__ = ["form", "page"]

_Fields = Iterable[tuple[str, str]]
_Buttons = Iterable[tuple[str, str, str]]
_STYLE = """
body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.3rem}.box{border:1px solid #ccc;border-radius:8px;padding:1rem;margin:1rem 0}
button{padding:.5rem 1rem;margin:.25rem;border-radius:6px;border:1px solid #555;cursor:pointer}
label{display:block;margin:.4rem 0}code{word-break:break-all}.muted{color:#666;font-size:.9rem}
"""
_FOOTER = "Pivot sandbox: test page, no real money moves."


def page(title: str, *parts: str, status: int = 200, footer: str = _FOOTER) -> web.Response:
    """An HTML page: ``title`` as heading, the (already escaped) ``parts``, then ``footer``."""
    text = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{''.join(parts)}"
        f"<p class='muted'>{html.escape(footer)}</p></body></html>"
    )
    return web.Response(text=text, status=status, content_type="text/html")


def form(
    action: str | None, fields: _Fields, buttons: _Buttons, *, extra: str = "", auto: bool = False
) -> str:
    """A POST form: hidden ``fields``, ``extra`` markup, then ``(name, value, text)`` buttons;
    with ``action`` None it posts to the page's own URL; ``auto`` submits it on load."""
    hidden = "".join(
        f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>" for k, v in fields
    )
    buttons_html = "".join(
        f"<button type='submit' name='{html.escape(n)}' value='{html.escape(v)}'>"
        f"{html.escape(t)}</button>"
        for n, v, t in buttons
    )
    form_id = " id='auto'" if auto else ""
    script = "<script>document.getElementById('auto').submit()</script>" if auto else ""
    target = "" if action is None else f" action='{html.escape(action)}'"
    return f"<form method='post'{target}{form_id}>{hidden}{extra}{buttons_html}</form>{script}"
