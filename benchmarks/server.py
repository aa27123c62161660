"""A loopback server for the benchmarks: the Campaign API endpoints the exports and sensors call.

Unlike the emulator (FastAPI, events recomputed on every request) it renders answers as fast as
it can, from templates, so that what the benchmarks time is the client. It runs in its own
process (``python benchmarks/server.py``, which prints its URL on stdout) so that the client
being measured has its interpreter to itself.

Synthetic campaigns are named by their id:

* ``log-<N>-<S>``: ``N`` events spread evenly over ``S`` seconds from :data:`BASE` (the log);
* ``stats-<N>``: ``N`` recipients (per-recipient stats, paged by contact index);
* anything else: a campaign that is ``scheduled`` (for sensors and the per-call overhead).

A campaign's answers are rendered once (``POST /_bench/prepare?campaign=...`` does it before
timing starts) and sliced per request. ``GET /_bench/counts`` returns how many requests each
path got; ``POST /_bench/reset`` zeroes them; ``POST /_bench/shift?seconds=N`` moves the clock
behind the tokens' ``expires`` along with a client's simulated clock.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)
TOKEN = "bench-token"
API_DATETIME = "%Y-%m-%d %H:%M:%S"
_BASE_EPOCH = int(BASE.timestamp())

# Event templates in the document's shapes (``../shared/api/campaign-api.txt``), about 250-450
# bytes each, some with non-ASCII text, as Sinch serialises them (ensure_ascii JSON).
_CONTACT = '{"msisdn": "1555%07d", "code": "%d", "channel": "sms"}'
_TEMPLATES = [
    '{"datetime": "%s", "contact": ' + _CONTACT + ', "type": "SUBMIT", "data": {"datetime": "%s", '
    '"success": true, "message": "Bonjour Ren\\u00e9e ! Clique ici https://rsms.us/bT%d", "nb_parts": 1}}',
    '{"datetime": "%s", "contact": ' + _CONTACT + ', "type": "DELIVER", "data": {"datetime": "%s", '
    '"success": true, "code": "2", "reason": "Delivered", "nb_parts": 1, "ref": "%d"}}',
    '{"datetime": "%s", "contact": ' + _CONTACT + ', "type": "VISIT", "data": {"datetime": "%s", '
    '"user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 5_0_1 like Mac OS X) AppleWebKit/534.46 '
    '(KHTML, like Gecko) Mobile/9A405", "device": {"family": "iPhone"}, "os": {"family": "iOS", '
    '"version": "5.0.1"}, "browser": {"family": "Mobile Safari", "version": "5.0.1"}, "n": %d}}',
    '{"datetime": "%s", "contact": ' + _CONTACT + ', "type": "RESPONSE", "data": {"datetime": "%s", '
    '"message": "Merci \\ud83d\\ude00 #%d", "stop": false}}',
]
_STATS = (
    '{"msisdn": "1555%07d", "url": "https://rsms.us/bT%d", "message": "Bonjour Ren\\u00e9e ! Clique ici '
    'https://rsms.us/bT%d", "submitted": "2026-01-01 10:00:00", "delivered": "2026-01-01 10:00:02", '
    '"stopped": null, "visits": 2, "datetimes": "2026-01-01 10:05:00,2026-01-01 11:00:00", '
    '"preview": true, "user_agent": "Mozilla/5.0 (Android 14)", "npai": false}'
)


def _moment(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime(API_DATETIME)


def log_campaign(events: int, seconds: int) -> str:
    return f"log-{events}-{seconds}"


def _parse_epoch(text: str) -> int:
    return int(datetime.strptime(text, API_DATETIME).replace(tzinfo=timezone.utc).timestamp())


def render_log(events: int, seconds: int) -> list[bytes]:
    """Every event of campaign ``log-<events>-<seconds>``: event ``i`` at ``BASE + i * seconds // events``."""
    rendered = []
    moments: dict[int, str] = {}
    for i in range(events):
        second = i * seconds // events
        moment = moments.get(second)
        if moment is None:
            moment = moments[second] = _moment(_BASE_EPOCH + second)
        recipient = i // 4
        rendered.append((_TEMPLATES[i % 4] % (moment, recipient, recipient, moment, i)).encode())
    return rendered


def render_stats(recipients: int) -> list[bytes]:
    return [(_STATS % (i, i, i)).encode() for i in range(recipients)]


class Campaigns:
    """Answers rendered once per campaign (only the last one is kept), then sliced per request."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.name = ""
        self.items: list[bytes] = []

    def get(self, name: str) -> list[bytes]:
        with self.lock:
            if name != self.name:
                self.items = []  # free the previous campaign first
                kind, *sizes = name.split("-")
                self.items = (
                    render_log(int(sizes[0]), int(sizes[1])) if kind == "log" else render_stats(int(sizes[0]))
                )
                self.name = name
            return self.items


CAMPAIGNS = Campaigns()


def log_body(campaign: str, start: str, stop: str) -> bytes:
    """``{"success": true, "log": [...]}``: the events with ``start <= datetime <= stop`` (both inclusive)."""
    events, seconds = (int(x) for x in campaign.split("-")[1:])
    first_second = _parse_epoch(start) - _BASE_EPOCH
    last_second = _parse_epoch(stop) - _BASE_EPOCH
    # Event i is at second floor(i * seconds / events): the first at or after ``first_second``
    # and the last at or before ``last_second``.
    lo = max(0, -(-first_second * events // seconds))
    hi = min(events, -(-(last_second + 1) * events // seconds))
    items = CAMPAIGNS.get(campaign)
    return b'{"success": true, "log": [' + b", ".join(items[lo:hi]) + b"]}"


def stats_body(campaign: str, start: int, stop: int) -> bytes:
    items = CAMPAIGNS.get(campaign)
    summary = b'{"sms_submitted": %d, "sms_delivered": %d, "sms_stopped": 0, "clicks": 0}' % (
        len(items),
        len(items),
    )
    contacts = b", ".join(items[max(0, start) : stop])
    return b'{"success": true, "summary": ' + summary + b', "contacts": [' + contacts + b"]}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Sinch's servers and requests' sessions do
    disable_nagle_algorithm = True
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    #: Seconds added to this server's clock (``POST /_bench/shift?seconds=N``), so that the
    #: tokens' ``expires`` follows a client whose clock is simulated.
    clock_offset = 0.0

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading (an answer over its bound)

    def _count(self, path: str) -> None:
        with self.lock:
            self.counts[path] += 1

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if url.path == "/_bench/prepare":  # render a campaign before it is timed
            CAMPAIGNS.get(parse_qs(url.query)["campaign"][0])
            self._send(200, b"{}")
            return
        if url.path == "/_bench/shift":
            with self.lock:
                Handler.clock_offset += float(parse_qs(url.query)["seconds"][0])
            self._send(200, b"{}")
            return
        if url.path == "/_bench/reset":
            with self.lock:
                self.counts.clear()
            self._send(200, b"{}")
            return
        self._count(url.path)
        if url.path == "/v1/token":
            if self.headers.get("Authorization", "").startswith("Basic "):
                now = datetime.now(timezone.utc) + timedelta(seconds=Handler.clock_offset)
                expires = (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
                self._send(
                    200, json.dumps({"success": True, "access_token": TOKEN, "expires": expires}).encode()
                )
            else:
                self._send(401, b'{"success": false, "errors": "bad key"}')
            return
        self._send(404, b'{"success": false, "errors": "not found"}')

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/_bench/counts":
            with self.lock:
                self._send(200, json.dumps(dict(self.counts)).encode())
            return
        self._count(url.path)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(401, b'{"success": false, "errors": "invalid token"}')
            return
        query = parse_qs(url.query)
        campaign = (query.get("campaign_uuid") or [""])[0]
        if url.path == "/v1/campaign/log":
            self._send(200, log_body(campaign, query["start"][0], query["stop"][0]))
        elif url.path == "/v1/campaign/stats":
            start = int((query.get("start") or ["0"])[0])
            stop = int((query.get("stop") or [str(2**62)])[0])
            self._send(200, stats_body(campaign, start, stop))
        elif url.path.startswith("/v1/campaigns/"):
            campaign_id = url.path.rsplit("/", 1)[1]
            body = {
                "success": True,
                "campaign": {
                    "id": campaign_id,
                    "code": "bT",
                    "name": "bench",
                    "status": "scheduled",
                    "send_date": "2026-01-01 10:00:00",
                    "contact_count": 1000,
                    "validation_errors": {},
                },
            }
            self._send(200, json.dumps(body).encode())
        else:
            self._send(404, b'{"success": false, "errors": "not found"}')


def serve(port: int = 0) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


def main() -> None:
    server = serve()
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
