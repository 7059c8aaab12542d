"""Server-rendered HTML. Every value from outside (the user's name and email, messages) goes through escape."""

from __future__ import annotations

import html
import urllib.parse

UNAVAILABLE = "The account service cannot be reached just now, so you appear signed out. Try again in a moment."


def escape(value: object) -> str:
    """HTML-escapes text and attribute values (quotes included)."""
    return html.escape(str(value), quote=True)


def layout(title: str, main: str, *, service_url: str, user: dict | None, notice: str | None = None, path: str = "/", box_client_id: str | None = None) -> str:
    # Signed out, the box offers Sign in (and pages their own link); signed in, this ends the host session too.
    # "Switch account" asks the service's account chooser, then this server signs in as the account chosen.
    switch = "/login?" + urllib.parse.urlencode({"prompt": "select_account", "return_to": path})
    account = (
        f'<a class="switch" href="{escape(switch)}">Switch account</a>\n  '
        '<form method="post" action="/logout"><button type="submit">Sign out</button></form>\n  '
        if user
        else ""
    )
    notice_html = f'<p class="notice" role="status">{escape(notice)}</p>\n' if notice else ""
    # Beside a confidential back end, the box signs in (token mode, on another site) as its own public client.
    box_attributes = f' client-id="{escape(box_client_id)}"' if box_client_id else ""
    # The name this page renders, so userbox-host-sync.js can tell when the box knows a newer one.
    name = user.get("name") if user else None
    name_attribute = f' data-user-name="{escape(name)}"' if isinstance(name, str) else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · Python</title>
<link rel="stylesheet" href="/page.css">
<script type="module" src="{escape(service_url)}/userbox-host-sync.js"></script>
<script type="module" src="/account-switch.js"></script>
</head>
<body data-user-sub="{escape(user["sub"] if user else "")}"{name_attribute}>
<header>
  <a class="brand" href="/">Python</a>
  <nav><a href="/">Home</a> <a href="/orders">Orders</a></nav>
  {account}<script type="module" src="{escape(service_url)}/userbox.js"></script>
  <user-box{box_attributes}></user-box>
</header>
<main>
{notice_html}{main}
</main>
</body>
</html>
"""


def display_name(user: dict) -> str:
    return str(user.get("name") or user.get("email") or "there")


def home_page(*, service_url: str, user: dict | None, notice: str | None = None, box_client_id: str | None = None) -> str:
    if user:
        main = (
            f"<h1>Hello, {escape(display_name(user))}</h1>\n"
            "<p>This page was rendered by Python, which knows you from your sign-in at the account service.</p>"
        )
    else:
        main = (
            "<h1>Hello, guest</h1>\n"
            '<p>You are not signed in. <a href="/login?return_to=%2F">Sign in</a> to see your '
            '<a href="/orders">orders</a>.</p>'
        )
    return layout("Home", main, service_url=service_url, user=user, notice=notice, box_client_id=box_client_id)


def orders_page(*, service_url: str, user: dict, box_client_id: str | None = None) -> str:
    who = escape(user.get("email") or display_name(user))
    main = f"""<h1>Your orders</h1>
<p>Signed in as {who}.</p>
<table>
<thead><tr><th>Order</th><th>Item</th><th>Total</th></tr></thead>
<tbody>
<tr><td>#2001</td><td>Kettle</td><td>€34.00</td></tr>
</tbody>
</table>"""
    return layout("Orders", main, service_url=service_url, user=user, path="/orders", box_client_id=box_client_id)


def error_page(title: str, message: str, *, service_url: str, box_client_id: str | None = None) -> str:
    main = f'<h1>{escape(title)}</h1>\n<p role="alert">{escape(message)}</p>\n<p><a href="/">Back to the home page</a></p>'
    return layout(title, main, service_url=service_url, user=None, box_client_id=box_client_id)


def confirm_sign_out_page(*, service_url: str, box_client_id: str | None = None) -> str:
    """Signing out from a link on another site needs a click here first."""
    main = '<h1>Sign out?</h1>\n<form method="post" action="/logout"><button type="submit">Sign out</button></form>'
    return layout("Sign out", main, service_url=service_url, user=None, box_client_id=box_client_id)
