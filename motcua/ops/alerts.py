"""Tell someone when a nightly task has failed for good (after its retries). Off by default.

Two channels, each switched on by configuration only (docs/operations.md, "Alerts"):

* **E-mail** — set ``MOTCUA_ALERT_EMAIL`` to one or more addresses (comma-separated). Sent with
  Airflow's SMTP provider (``SmtpNotifier``) through the Airflow connection ``smtp_default``
  (or ``MOTCUA_ALERT_SMTP_CONN``), e.g. ``AIRFLOW_CONN_SMTP_DEFAULT=smtp://user:pw@host:587``.
* **Webhook** — create the Airflow connection ``motcua_alert_webhook`` (or the id in
  ``MOTCUA_ALERT_WEBHOOK_CONN``) whose URI is the webhook URL, e.g.
  ``AIRFLOW_CONN_MOTCUA_ALERT_WEBHOOK='https://chat.example.org/hooks/abc'``. A JSON
  ``{"text": ...}`` is POSTed (Slack, Mattermost, Google Chat and Teams workflows accept it).

Nothing here is imported at DAG parse time beyond this module (standard library only), and an
alert that cannot be sent is logged, never raised: the task's own failure is what matters.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from typing import Any

log = logging.getLogger(__name__)

WEBHOOK_CONN_DEFAULT = "motcua_alert_webhook"


def failure_message(context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) for a failed task instance."""
    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(ti, "dag_id", None) or "motcua_nightly"
    task_id = getattr(ti, "task_id", "?")
    run_id = context.get("run_id") or getattr(ti, "run_id", "?")
    try_number = getattr(ti, "try_number", "?")
    exc = context.get("exception")
    logical = context.get("logical_date")
    subject = f"[motcua] {dag_id}.{task_id} failed ({run_id})"
    body = (
        f"Task {task_id} of {dag_id} failed for good (try {try_number}).\n"
        f"Run: {run_id}  logical date: {logical}\n"
        f"Error: {str(exc)[:2000] if exc else 'see the task log'}\n\n"
        "The published warehouse is unchanged unless the failed task is `report`. "
        "What to do: docs/operations.md, section 'Alerts'."
    )
    return subject, body


def _webhook_url(conn_id: str) -> str | None:
    try:
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(conn_id)
    except Exception:  # noqa: BLE001 - absent connection = webhook off
        return None
    host = conn.host or ""
    if host.startswith(("http://", "https://")):
        return host
    if conn.conn_type in ("http", "https") and host:
        scheme = conn.schema if conn.schema in ("http", "https") else conn.conn_type
        port = f":{conn.port}" if conn.port else ""
        path = "" if conn.schema in (None, "", "http", "https") else "/" + conn.schema
        return f"{scheme}://{host}{port}{path}"
    log.warning("connection %s is not an http(s) URL: webhook alert skipped", conn_id)
    return None


def post_webhook(url: str, subject: str, body: str, timeout: float = 10.0) -> None:
    data = json.dumps({"text": f"{subject}\n{body}"}).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        response.read()


def notify_failure(context: dict[str, Any]) -> None:
    """``on_failure_callback`` of every nightly task: e-mail and/or webhook, when configured."""
    subject, body = failure_message(context)
    log.error("%s\n%s", subject, body)
    addresses = [a.strip() for a in os.environ.get("MOTCUA_ALERT_EMAIL", "").split(",")]
    addresses = [a for a in addresses if a]
    if addresses:
        try:
            from airflow.providers.smtp.notifications.smtp import SmtpNotifier

            SmtpNotifier(
                to=addresses,
                subject=subject,
                html_content="<pre>" + body + "</pre>",
                smtp_conn_id=os.environ.get("MOTCUA_ALERT_SMTP_CONN", "smtp_default"),
            ).notify(context)
            log.info("failure e-mailed to %s", ", ".join(addresses))
        except Exception:  # noqa: BLE001
            log.exception("could not send the failure e-mail")
    conn_id = os.environ.get("MOTCUA_ALERT_WEBHOOK_CONN", WEBHOOK_CONN_DEFAULT)
    url = _webhook_url(conn_id)
    if url:
        try:
            post_webhook(url, subject, body)
            log.info("failure posted to webhook connection %s", conn_id)
        except Exception:  # noqa: BLE001
            log.exception("could not post the failure to webhook connection %s", conn_id)
