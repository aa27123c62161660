"""``make e2e-deploy``: the provider deployed the way users deploy Airflow 3, checked end to end.

Read top to bottom, this is a deployment recipe; each step is one function:

1. :func:`ensure_debian_packages`: PostgreSQL and Chromium from the Debian packages, installed only
   when absent (one ``apt-get update``).
2. :class:`PostgresCluster`: a private PostgreSQL cluster (``initdb`` in a temporary directory, run
   as the ``postgres`` user when we are root, on a free loopback port, its socket in the same
   directory) holding the ``airflow`` metadata database.
3. :func:`airflow_environment`: an Airflow home with the ``LocalExecutor`` on that database, the
   example DAGs, the default ``SimpleAuthManager`` with one ``admin`` user whose password we
   choose, connection testing enabled, every component on 127.0.0.1.
4. :func:`start_components`: ``airflow db migrate``, then the Sinch emulator, ``airflow
   api-server``, ``scheduler``, ``dag-processor`` and ``triggerer``, each in its own process
   group with its output in ``.e2e-deploy/logs/``.
5. :func:`create_connections`: the three Sinch connections, created **through the REST API** with
   the body the UI's form sends (the form's defaults from ``/ui/connections/hook_meta``, the port
   typed), then tested the way the UI's *Test* button does.
6. :func:`run_examples`: first the event-driven DAG (``sinch_launch_on_10dlc_approval``) is
   unpaused, and the script waits until its ``AssetWatcher`` polls the 10DLC project from the
   triggerer (every ``WATCHER_POLL_SECONDS``). Then every other example DAG is unpaused and
   triggered through the REST API with no logical date (``"logical_date": null``, as the UI's
   *Trigger* button does); the 10DLC DAG twice,
   once with ``{"brand_id": "BREJECT"}``, which must fail. While the Campaign DAG's deferrable
   sensor is ``deferred`` and its trigger polls, the triggerer is killed (SIGKILL) and a new one
   started; once the new one has taken the wait over, the emulator's clock is moved on so that
   the campaign finishes sending.
7. :func:`check_runs`: each run ended as expected, the deferrable sensor was ``deferred`` and
   resumed by a triggerer (its log carries the trigger's event), and the emulator counts one
   create / send / submit per run: nothing was done twice.
   :func:`check_launch`: the 10DLC run's approval started exactly one ``asset_triggered`` run of
   the launch DAG, which read that registration from the event and created the launch campaign;
   the triggerer is then restarted once more (SIGTERM, as a deploy does) and, after the new one
   has polled five more rounds, there is still one run and one asset event.
8. :mod:`e2e_deploy_ui` (``scripts/e2e_deploy_ui.py``): Chromium, headless through Playwright,
   logs in, adds one connection of each Sinch type in *Admin > Connections*, saves, presses
   *Test* and reads the success message; a screenshot of each form goes to
   ``.e2e-deploy/screenshots/``.

Everything it starts it stops, also when a step fails. It exits non-zero on the first failed check.

REST API authentication: the default ``SimpleAuthManager`` with ``simple_auth_manager_users =
admin:admin`` and a passwords file we write ourselves, so the script knows the password; it then
asks ``POST /auth/token`` for a JWT (``Authorization: Bearer ...``), and the browser logs in
through the login page, as a user would. (``simple_auth_manager_all_admins`` would skip the
login altogether, hiding the login step a real deployment has.)
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from airflow_provider_sinch.emulator.core import (
    DEFAULT_CAMPAIGN_SECRET_KEY,
    DEFAULT_KEY_ID,
    DEFAULT_KEY_SECRET,
    DEFAULT_PROJECT_ID,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
OUTPUT = REPO_ROOT / ".e2e-deploy"
DAGS_FOLDER = REPO_ROOT / "dags_examples"
BIN = Path(sys.executable).parent
#: Seconds a campaign spends ``sending`` at the emulator: the Campaign DAG's wait lasts until the
#: script has killed the triggerer and seen a new one take the wait over, then it moves the
#: emulator's clock on by as much (``POST /_emulator/advance``), whatever the machine's speed.
CAMPAIGN_SENDING_SECONDS = 600
#: Seconds between two review steps (Short Code, 10DLC) at the emulator.
REVIEW_STEP_SECONDS = 3
#: A dead triggerer's triggers go to another one after this many seconds without a heartbeat.
TRIGGERER_HEALTH_CHECK_THRESHOLD = 10
#: Seconds between two polls of the launch DAG's AssetWatcher (``SINCH_10DLC_POLL_SECONDS``).
WATCHER_POLL_SECONDS = 2
#: The event-driven DAG: started by the watcher when the 10DLC run's registration is approved.
LAUNCH_DAG = "sinch_launch_on_10dlc_approval"
DEBIAN_PACKAGES = {"postgresql": "initdb", "chromium": "chromium"}
ADMIN = "admin"


def log(message: str) -> None:
    print(f"[e2e-deploy {time.strftime('%H:%M:%S')}] {message}", flush=True)


class CheckFailed(AssertionError):
    """A deployment check failed; the message says which and why."""


def check(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)
    log(f"ok: {message}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- 1. Debian packages ---------------------------------------------------------------------
def postgres_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` (Debian's layout), else ``initdb`` on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def ensure_debian_packages() -> None:
    """Install PostgreSQL and Chromium from the Debian packages, only the missing ones."""
    missing = [
        package
        for package, probe in DEBIAN_PACKAGES.items()
        if (postgres_bindir() is None if package == "postgresql" else shutil.which(probe) is None)
    ]
    if not missing:
        log(f"Debian packages present: {', '.join(DEBIAN_PACKAGES)}")
        return
    if os.geteuid() != 0:
        raise CheckFailed(
            f"missing Debian packages {missing}: run `sudo apt-get install {' '.join(missing)}`"
        )
    log(f"installing Debian packages {missing} (apt-get update, then install)")
    apt_get = shutil.which("apt-get") or "/usr/bin/apt-get"
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock_wait = ["-o", "DPkg::Lock::Timeout=300"]  # another apt-get may be running
    subprocess.run([apt_get, *lock_wait, "update", "-qq"], check=True, env=apt_env)  # noqa: S603
    subprocess.run(  # noqa: S603
        [apt_get, *lock_wait, "install", "-y", "-qq", "--no-install-recommends", *missing],
        check=True,
        env=apt_env,
    )


# --- Processes ------------------------------------------------------------------------------
@dataclass
class Service:
    """A long-running child in its own process group, its output in ``logs/<name>.log``."""

    name: str
    command: list[str]
    env: dict[str, str]
    user: str | None = None
    #: PostgreSQL takes SIGTERM as "wait for the clients to leave": it is stopped with SIGINT.
    stop_signal: int = signal.SIGTERM
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def log_path(self) -> Path:
        return OUTPUT / "logs" / f"{self.name}.log"

    def start(self) -> Service:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603
                self.command,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stopped with every child it forks
                user=self.user,
                cwd="/" if self.user else None,
            )
        log(f"started {self.name} (pid {self.process.pid}): {' '.join(self.command[:3])} ...")
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 20) -> None:
        """``stop_signal`` to the whole group, SIGKILL after ``timeout`` seconds."""
        if self.process is None:
            return
        self.kill(self.stop_signal)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log(f"{self.name} did not stop within {timeout:.0f}s: SIGKILL")
        self.kill(signal.SIGKILL)  # whatever the group leader left behind
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)

    def tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def stop_all(services: dict[str, Service], timeout: float = 20) -> None:
    """Stop every service at once: their stop signals first, then SIGKILL what is left."""
    running = [service for service in services.values() if service.process is not None]
    for service in running:
        service.kill(service.stop_signal)
    deadline = time.monotonic() + timeout
    for service in running:
        assert service.process is not None
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log(f"{service.name} did not stop within {timeout:.0f}s: SIGKILL")
        service.kill(signal.SIGKILL)  # whatever the group leader left behind


def wait_until(what: str, probe: Callable[[], Any], *, timeout: float, every: float = 1.0) -> Any:
    """Call ``probe`` until it returns something truthy; :class:`CheckFailed` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = probe()
        except (requests.RequestException, OSError) as exc:
            last_error, value = exc, None
        if value:
            return value
        time.sleep(every)
    raise CheckFailed(f"timed out after {timeout:.0f}s waiting for {what} (last error: {last_error})")


# --- 2. PostgreSQL --------------------------------------------------------------------------
class PostgresCluster:
    """A throw-away cluster: ``initdb`` in ``workdir``, ``postgres`` on a free loopback port.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres`` user
    that Debian's package creates. Durability settings are off: the cluster dies with the test.
    """

    def __init__(self, workdir: Path) -> None:
        bindir = postgres_bindir()
        if bindir is None:
            raise CheckFailed("PostgreSQL is not installed (initdb not found)")
        self.bindir = bindir
        self.workdir = workdir
        self.data = workdir / "data"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.service: Service | None = None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://airflow@127.0.0.1:{self.port}/airflow"

    def __enter__(self) -> PostgresCluster:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.workdir, entry.pw_uid, entry.pw_gid)
        initdb = [str(self.bindir / "initdb"), "-D", str(self.data), "-U", "airflow", "--auth=trust"]
        subprocess.run(  # noqa: S603
            [*initdb, "-E", "UTF8", "--no-sync", "--no-instructions"],
            check=True,
            capture_output=True,
            user=self.user,
            cwd="/",
        )
        self.service = Service(
            "postgres",
            [
                *(str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port)),
                *("-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.workdir}"),
                *("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"),
            ],
            env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"},
            user=self.user,
            stop_signal=signal.SIGINT,
        ).start()
        try:
            wait_until("PostgreSQL to accept connections", self._create_database, timeout=60, every=0.5)
        except BaseException:
            self.__exit__()
            raise
        log(f"PostgreSQL {self.bindir.parent.name} on 127.0.0.1:{self.port}, database 'airflow'")
        return self

    def _create_database(self) -> bool:
        import psycopg2

        if self.service is not None and not self.service.alive():
            raise CheckFailed(f"postgres exited:\n{self.service.tail()}")
        try:
            conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="airflow", dbname="postgres")
        except psycopg2.OperationalError:
            return False
        conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
        try:
            with conn.cursor() as cursor:
                cursor.execute("CREATE DATABASE airflow")
        finally:
            conn.close()
        return True

    def __exit__(self, *exc: object) -> None:
        if self.service is not None:
            self.service.stop()


# --- 3. Airflow configuration ---------------------------------------------------------------
@dataclass
class Deployment:
    home: Path
    api_url: str
    password: str
    env: dict[str, str]
    emulator_url: str
    services: dict[str, Service] = field(default_factory=dict)


def airflow_environment(home: Path, database_url: str, emulator_url: str) -> Deployment:
    """What every Airflow component of the deployment shares: ``AIRFLOW__*`` settings, no connection.

    Connections are *not* given as ``AIRFLOW_CONN_*`` variables: they are created through the
    REST API and live in the metadata database, as the UI would leave them.
    """
    from cryptography.fernet import Fernet

    api_port = free_port()
    api_url = f"http://127.0.0.1:{api_port}"
    password = secrets.token_urlsafe(12)
    home.mkdir(parents=True, exist_ok=True)
    passwords_file = home / "simple_auth_manager_passwords.json"
    passwords_file.write_text(json.dumps({ADMIN: password}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "AIRFLOW__"))}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            # One secret for every component: the scheduler signs the tokens its task workers
            # present to the API server's execution API.
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__BASE_URL": api_url,
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api_url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file),
            # Off by default in Airflow: the UI's Test button is greyed out without it.
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": str(TRIGGERER_HEALTH_CHECK_THRESHOLD),
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "SINCH_DEMO_OUTPUT_DIR": str(OUTPUT / "files"),
            # The launch DAG's watcher polls the 10DLC project this often (an hour by default).
            "SINCH_10DLC_POLL_SECONDS": str(WATCHER_POLL_SECONDS),
        }
    )
    return Deployment(home, api_url, password, env, emulator_url)


# --- 4. Components --------------------------------------------------------------------------
def airflow_service(deployment: Deployment, name: str, *args: str) -> Service:
    return Service(name, [str(BIN / "airflow"), *args], deployment.env)


def start_triggerer(deployment: Deployment, name: str) -> Service:
    # --skip-serve-logs: the log server binds every interface on a fixed port; the API server
    # reads the trigger's logs from the shared log folder instead.
    service = airflow_service(deployment, name, "triggerer", "--skip-serve-logs").start()
    deployment.services[name] = service
    return service


def start_components(deployment: Deployment, stack: contextlib.ExitStack) -> None:
    log("airflow db migrate (PostgreSQL) ...")
    started = time.monotonic()
    migrated = subprocess.run(  # noqa: S603
        [str(BIN / "airflow"), "db", "migrate"],
        env=deployment.env,
        capture_output=True,
        text=True,
        check=False,
    )
    if migrated.returncode:
        raise CheckFailed(f"airflow db migrate failed:\n{(migrated.stdout + migrated.stderr)[-3000:]}")
    log(f"metadata database migrated in {time.monotonic() - started:.0f}s")

    emulator_port = deployment.emulator_url.rsplit(":", 1)[1]
    services = [
        Service(
            "emulator",
            [
                *(sys.executable, "-m", "airflow_provider_sinch.emulator", "--port", emulator_port),
                *("--sending-seconds", str(CAMPAIGN_SENDING_SECONDS)),
                *("--review-step-seconds", str(REVIEW_STEP_SECONDS)),
            ],
            deployment.env,
        ),
        airflow_service(deployment, "api-server", "api-server", "--host", "127.0.0.1", "--workers", "1"),
        airflow_service(deployment, "scheduler", "scheduler", "--skip-serve-logs"),
        airflow_service(deployment, "dag-processor", "dag-processor"),
    ]
    stack.callback(stop_all, deployment.services)
    for service in services:
        deployment.services[service.name] = service.start()
    start_triggerer(deployment, "triggerer")

    def api_up() -> bool:
        for service in deployment.services.values():
            if not service.alive():
                raise CheckFailed(f"{service.name} exited:\n{service.tail()}")
        health = requests.get(f"{deployment.api_url}/api/v2/monitor/health", timeout=5)
        return health.ok

    wait_until("the API server", api_up, timeout=180, every=1)
    requests.get(f"{deployment.emulator_url}/_emulator/health", timeout=5).raise_for_status()
    log(f"API server and UI on {deployment.api_url}; emulator on {deployment.emulator_url}")


# --- The REST API, as the UI uses it ------------------------------------------------------------
class AirflowApi:
    """The public REST API (``/api/v2``) with a JWT from ``POST /auth/token``."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url = url
        answer = requests.post(
            f"{url}/auth/token", json={"username": username, "password": password}, timeout=30
        )
        if answer.status_code != 201:
            raise CheckFailed(f"POST /auth/token: HTTP {answer.status_code} {answer.text[:300]}")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    def call(self, method: str, path: str, *, expect: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        answer = self.session.request(method, f"{self.url}{path}", timeout=60, **kwargs)
        if answer.status_code not in expect:
            raise CheckFailed(f"{method} {path}: HTTP {answer.status_code} {answer.text[:500]}")
        return answer.json() if answer.content else None

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)


# --- 5. Connections, through the REST API as the form sends them ------------------------------
def form_connections(deployment: Deployment) -> dict[str, dict[str, Any]]:
    """What a user types in each Sinch form to reach the emulator (the rest keeps its default)."""
    emulator = deployment.emulator_url
    port = int(emulator.rsplit(":", 1)[1])
    key_pair = {"host": emulator, "port": port, "login": DEFAULT_KEY_ID, "password": DEFAULT_KEY_SECRET}
    oauth = {"project_id": DEFAULT_PROJECT_ID, "oauth_url": f"{emulator}/oauth2/token"}
    return {
        "sinch_campaign_default": {
            "conn_type": "sinch_campaign",
            "host": emulator,
            "port": port,
            "password": DEFAULT_CAMPAIGN_SECRET_KEY,
            "extra": {"login_url": f"{emulator}/api/login"},
        },
        "sinch_short_code_default": {"conn_type": "sinch_us_short_code", **key_pair, "extra": oauth},
        "sinch_10dlc_default": {"conn_type": "sinch_10dlc", **key_pair, "extra": {**oauth, "auth": "oauth2"}},
    }


def form_defaults(api: AirflowApi) -> dict[str, dict[str, Any]]:
    """The extra fields' values the UI's form starts with, per connection type (``hook_meta``)."""
    meta = api.get("/ui/connections/hook_meta")
    return {
        entry["connection_type"]: {
            name: spec.get("value") for name, spec in (entry.get("extra_fields") or {}).items()
        }
        for entry in meta
        if str(entry.get("connection_type", "")).startswith("sinch_")
    }


def ui_test_body(listed: dict[str, Any]) -> dict[str, Any]:
    """The body the UI's *Test* button posts for a row of the connection list (Airflow 3.3)."""
    return {
        "connection_id": listed["connection_id"],
        "conn_type": listed["conn_type"],
        "description": listed.get("description") or "",
        "extra": listed.get("extra") or "{}",
        "host": listed.get("host") or "",
        "login": listed.get("login") or "",
        "password": listed.get("password") or "",  # "***" as listed: the server uses the stored one
        "port": int(listed.get("port") or 0),  # the UI's Number(port): 0 when the port is empty
        "schema": listed.get("schema") or "",
    }


def create_connections(api: AirflowApi, deployment: Deployment) -> None:
    defaults = form_defaults(api)
    check(
        set(defaults) == {"sinch_campaign", "sinch_us_short_code", "sinch_10dlc"},
        f"the UI offers the three Sinch connection forms ({sorted(defaults)})",
    )
    for conn_type, values in defaults.items():
        masked = sorted(name for name, value in values.items() if value == "***")
        check(not masked, f"the {conn_type} form shows no masked default (masked: {masked})")
    for conn_id, typed in form_connections(deployment).items():
        extra = {k: v for k, v in defaults[typed["conn_type"]].items() if v is not None}
        extra.update(typed["extra"])
        body = {**typed, "connection_id": conn_id, "extra": json.dumps(extra)}
        api.call("DELETE", f"/api/v2/connections/{conn_id}", expect=(204, 404))
        api.call("POST", "/api/v2/connections", json=body, expect=(201,))
        stored = json.loads(api.get(f"/api/v2/connections/{conn_id}")["extra"])
        masked = sorted(k for k, v in stored.items() if v == "***" and k in extra)
        check(not masked, f"{conn_id}: saved through the REST API, no form field comes back masked")
    listed = {c["connection_id"]: c for c in api.get("/api/v2/connections?limit=100")["connections"]}
    for conn_id in form_connections(deployment):
        result = api.call("POST", "/api/v2/connections/test", json=ui_test_body(listed[conn_id]))
        check(result["status"] is True, f"{conn_id}: the UI's Test request succeeds: {result['message']!r}")


# --- 6. Runs ------------------------------------------------------------------------------------
@dataclass
class Run:
    dag_id: str
    conf: dict[str, Any] | None
    expected: str
    run_id: str = ""
    state: str = ""
    #: task_id -> every state the poller saw, in order, with the triggerer job id while deferred.
    seen: dict[str, list[str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.dag_id}{' ' + json.dumps(self.conf) if self.conf else ''}"

    def path(self, suffix: str = "") -> str:
        return f"/api/v2/dags/{self.dag_id}/dagRuns/{self.run_id}{suffix}"


RUNS = [
    Run("sinch_campaign_example", None, "success"),
    Run("sinch_short_code_example", None, "success"),
    Run("sinch_10dlc_example", None, "success"),
    Run("sinch_10dlc_example", {"brand_id": "BREJECT"}, "failed"),
]
TERMINAL = ("success", "failed", "upstream_failed", "skipped", "removed")
#: The run whose deferrable sensor loses its triggerer mid-wait.
DEFERRED_TASK = ("sinch_campaign_example", "wait_until_sent")
#: The logger of that sensor's trigger: its lines in the task log were written by a triggerer.
TRIGGER_LOGGER = "airflow_provider_sinch.triggers.campaign.SinchCampaignStatusTrigger"


def wait_for_dags(api: AirflowApi) -> None:
    dag_ids = sorted({run.dag_id for run in RUNS} | {LAUNCH_DAG})

    def parsed() -> bool:
        errors = api.get("/api/v2/importErrors")
        if errors["total_entries"]:
            raise CheckFailed(f"import errors: {json.dumps(errors['import_errors'])[:1500]}")
        found = {d["dag_id"] for d in api.get("/api/v2/dags?limit=100")["dags"]}
        return set(dag_ids) <= found

    wait_until("the dag-processor to parse the example DAGs", parsed, timeout=180, every=2)
    check(True, f"the dag-processor parsed {dag_ids} without import errors")


def poll_task_states(api: AirflowApi, run: Run) -> dict[str, dict[str, Any]]:
    """The run's task instances by task id, recording each new state (and triggerer) seen."""
    instances = api.get(run.path("/taskInstances?limit=100"))["task_instances"]
    for ti in instances:
        state = str(ti["state"])
        if state == "deferred" and ti.get("triggerer_job"):
            state = f"deferred@triggerer{ti['triggerer_job']['id']}"
        seen = run.seen.setdefault(ti["task_id"], [])
        if not seen or seen[-1] != state:
            seen.append(state)
    return {ti["task_id"]: ti for ti in instances}


def emulator_counts(deployment: Deployment) -> dict[str, int]:
    answer = requests.get(f"{deployment.emulator_url}/_emulator/counts", timeout=10)
    answer.raise_for_status()
    return dict(answer.json()["requests"])


LISTING = f"GET /v1/projects/{DEFAULT_PROJECT_ID}/campaignRegistrations"
#: List calls of one watcher round on a quiet project: the project's size, then those in review.
LIST_CALLS_PER_ROUND = 2


def wait_for_watcher_rounds(deployment: Deployment, what: str, rounds: int, timeout: float) -> None:
    """Wait for ``rounds`` more rounds of list calls on the 10DLC project: the watcher polling.

    Only the watcher lists registrations while no 10DLC run is on (the *Test* button's list call
    is counted in the baseline), so new list calls are its rounds, :data:`LIST_CALLS_PER_ROUND`
    calls each.
    """
    baseline = emulator_counts(deployment).get(LISTING, 0)
    wanted = baseline + rounds * LIST_CALLS_PER_ROUND
    wait_until(
        what,
        lambda: emulator_counts(deployment).get(LISTING, 0) >= wanted,
        timeout=timeout,
        every=1,
    )


def start_watcher(api: AirflowApi, deployment: Deployment) -> None:
    """Unpause the launch DAG; wait until its AssetWatcher polls, before any registration exists.

    Airflow registers an unpaused DAG's watchers at its next parse and hands them to a triggerer;
    a watcher reports transitions from its first start on, so the runs start only once it polls.
    """
    api.call("PATCH", f"/api/v2/dags/{LAUNCH_DAG}", json={"is_paused": False})
    wait_for_watcher_rounds(deployment, f"the {LAUNCH_DAG} watcher to poll", 2, timeout=180)
    check(True, f"{LAUNCH_DAG}: its AssetWatcher polls the 10DLC project from a triggerer ({LISTING})")


def run_examples(api: AirflowApi, deployment: Deployment) -> None:
    wait_for_dags(api)
    start_watcher(api, deployment)
    for dag_id in sorted({run.dag_id for run in RUNS}):
        api.call("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
    for run in RUNS:
        created = api.call(
            "POST",
            f"/api/v2/dags/{run.dag_id}/dagRuns",
            json={"logical_date": None, "conf": run.conf or {}},
        )
        run.run_id = created["dag_run_id"]
        check(created["logical_date"] is None, f"triggered {run.label} with no logical date: {run.run_id}")

    campaign = next(run for run in RUNS if run.dag_id == DEFERRED_TASK[0])
    task_id = DEFERRED_TASK[1]

    def deferred() -> bool:
        instances = {id(run): poll_task_states(api, run) for run in RUNS}
        states = {t: ti["state"] for t, ti in instances[id(campaign)].items()}
        if states.get(task_id) in TERMINAL or any(
            s in ("failed", "upstream_failed") for s in states.values()
        ):
            raise CheckFailed(
                f"{campaign.label}: {task_id} never reached 'deferred'; tasks: {campaign.seen}; "
                f"failures: {failure_reasons(api, campaign)}"
            )
        ti = instances[id(campaign)].get(task_id)
        return bool(ti and ti["state"] == "deferred" and ti.get("triggerer_job"))

    wait_until(f"{task_id} to be deferred", deferred, timeout=300, every=1)

    def trigger_polling() -> bool:
        ti = poll_task_states(api, campaign)[task_id]
        return ti["state"] == "deferred" and TRIGGER_LOGGER in task_log(
            api, campaign, task_id, ti["try_number"]
        )

    wait_until("the triggerer to run the sensor's trigger", trigger_polling, timeout=120, every=1)
    old = deployment.services["triggerer"]
    log(
        f"{task_id} is deferred and its trigger polling ({campaign.seen[task_id][-1]}): SIGKILL the triggerer"
    )
    old.kill(signal.SIGKILL)
    if old.process is not None:
        old.process.wait(timeout=10)
    check(
        poll_task_states(api, campaign)[task_id]["state"] == "deferred",
        f"{task_id} is still deferred with its triggerer dead",
    )
    killed_job = poll_task_states(api, campaign)[task_id]["triggerer_job"]["id"]
    start_triggerer(deployment, "triggerer-2")

    def taken_over() -> bool:
        ti = poll_task_states(api, campaign)[task_id]
        if ti["state"] != "deferred":
            raise CheckFailed(f"{task_id} left 'deferred' before a new triggerer took it: {campaign.seen}")
        return bool(ti.get("triggerer_job") and ti["triggerer_job"]["id"] != killed_job)

    wait_until("a new triggerer to take the deferred wait over", taken_over, timeout=180, every=1)
    log(f"{task_id} is now {campaign.seen[task_id][-1]}: the campaign may finish sending")
    requests.post(
        f"{deployment.emulator_url}/_emulator/advance",
        params={"seconds": CAMPAIGN_SENDING_SECONDS},
        timeout=10,
    ).raise_for_status()

    def finished() -> bool:
        for name, service in deployment.services.items():
            if name != "triggerer" and not service.alive():
                raise CheckFailed(f"{name} exited:\n{service.tail()}")
        done = True
        for run in RUNS:
            poll_task_states(api, run)
            run.state = api.get(run.path())["state"]
            done = done and run.state in ("success", "failed")
        return done

    wait_until("every run to finish", finished, timeout=420, every=1)

    wait_until(
        f"the {LAUNCH_DAG} run started by the approval to finish",
        lambda: launch_runs(api),
        timeout=180,
        every=1,
    )


def all_launch_runs(api: AirflowApi) -> list[dict[str, Any]]:
    """Every run of the launch DAG, in whatever state."""
    return list(api.get(f"/api/v2/dags/{LAUNCH_DAG}/dagRuns?limit=100")["dag_runs"])


def launch_runs(api: AirflowApi) -> list[dict[str, Any]]:
    """The launch DAG's runs, once none is still going (empty while one is)."""
    runs = all_launch_runs(api)
    return runs if runs and all(r["state"] in TERMINAL for r in runs) else []


# --- 7. Checks ----------------------------------------------------------------------------------
def task_log_entries(api: AirflowApi, run: Run, task_id: str, try_number: int) -> list[Any]:
    """A task's log through the REST API: Airflow 3 returns structured entries (dicts)."""
    answer = api.get(run.path(f"/taskInstances/{task_id}/logs/{try_number}?full_content=true"))
    content = answer.get("content") if isinstance(answer, dict) else answer
    return content if isinstance(content, list) else [str(content)]


def task_log(api: AirflowApi, run: Run, task_id: str, try_number: int) -> str:
    entries = task_log_entries(api, run, task_id, try_number)
    return "\n".join(item if isinstance(item, str) else json.dumps(item) for item in entries)


def failure_reasons(api: AirflowApi, run: Run) -> str:
    """``task: ExcType: message`` of each failed task instance of ``run``, from its log."""
    reasons = []
    for task_id, ti in poll_task_states(api, run).items():
        if ti["state"] != "failed":
            continue
        errors = [
            f"{detail.get('exc_type')}: {detail.get('exc_value')}"
            for entry in task_log_entries(api, run, task_id, ti["try_number"])
            if isinstance(entry, dict) and entry.get("level") == "error"
            for detail in entry.get("error_detail") or []
        ]
        reasons.append(f"{task_id}: {errors[-1] if errors else 'no error in its log'}")
    return "; ".join(reasons)


def check_runs(api: AirflowApi, deployment: Deployment) -> None:
    for run in RUNS:
        if run.state != run.expected:
            states = {t: s[-1] for t, s in run.seen.items()}
            raise CheckFailed(
                f"{run.label} ended {run.state}, expected {run.expected}; tasks: {states}; "
                f"failures: {failure_reasons(api, run)}"
            )
        check(True, f"{run.label} ended {run.state}, as expected; tasks went {run.seen}")

    rejected = next(run for run in RUNS if run.expected == "failed")
    waits = poll_task_states(api, rejected)
    check(
        waits["wait_until_approved"]["state"] == "failed",
        "the BREJECT run failed at wait_until_approved (the review rejected the registration)",
    )
    reason = task_log(api, rejected, "wait_until_approved", waits["wait_until_approved"]["try_number"])
    check("REJECTED" in reason, "its log quotes the rejection")

    campaign = next(run for run in RUNS if run.dag_id == DEFERRED_TASK[0])
    task_id = DEFERRED_TASK[1]
    seen = campaign.seen[task_id]
    triggerers = [s.split("@")[1] for s in seen if s.startswith("deferred@")]
    check(seen[-1] == "success" and triggerers, f"{task_id} went deferred and succeeded: {seen}")
    check(
        len(set(triggerers)) >= 2,
        f"{task_id} was deferred on the killed triggerer, then on the new one (jobs {triggerers})",
    )
    ti = poll_task_states(api, campaign)[task_id]
    text = task_log(api, campaign, task_id, ti["try_number"])
    check(TRIGGER_LOGGER in text, f"{task_id}'s log, read through the REST API, carries its trigger's lines")

    counts = emulator_counts(deployment)
    (OUTPUT / "emulator-counts.json").write_text(json.dumps(counts, indent=2, sort_keys=True))
    project = f"/v1/projects/{DEFAULT_PROJECT_ID}"
    expected_once = {
        "POST /v1/campaign/create": 2,  # the Campaign DAG's, and the launch DAG's on the approval
        "POST /v1/campaign/sendsms": 1,
        f"POST {project}/campaigns": 1,
        f"POST {project}/campaignRegistrations:submit": 2,  # the approved run and the rejected one
    }
    for key, expected in expected_once.items():
        check(counts.get(key, 0) == expected, f"emulator: {key} x{counts.get(key, 0)} (expected {expected})")
    submits = {
        k: n
        for k, n in counts.items()
        if k.startswith(f"POST {project}/campaigns/") and k.endswith("/submit")
    }
    check(
        len(submits) == 1 and set(submits.values()) == {1},
        f"emulator: one Short Code campaign submitted once ({submits})",
    )
    uploads = {k: n for k, n in counts.items() if k.endswith("/attachments") and k.startswith("POST")}
    check(set(uploads.values()) == {1}, f"emulator: its receipt uploaded once ({uploads})")


def check_launch(api: AirflowApi, deployment: Deployment) -> None:
    """The approval started one launch run, and a restarted triggerer does not fire it again.

    The 10DLC run's registration was approved while the launch DAG's watcher polled (possibly
    across the first triggerer's SIGKILL: its cursor is in Airflow's asset state store). Then the
    triggerer is restarted once more, as a deploy would, and the watcher, taken over by the new
    one, reloads its cursor and polls several rounds: still one launch run.
    """
    approved = next(run for run in RUNS if run.dag_id == "sinch_10dlc_example" and run.expected == "success")
    submitted = api.get(approved.path("/taskInstances/submit_campaign/xcomEntries/return_value"))
    registration_id = submitted["value"]  # the submit operator returns the registration's id

    [launch] = launch_runs(api) or [None]
    check(launch is not None, f"{LAUNCH_DAG}: the approval started one run")
    check(
        launch["run_type"] == "asset_triggered" and launch["state"] == "success",
        f"{LAUNCH_DAG}: run {launch['dag_run_id']} is {launch['run_type']} and ended {launch['state']}",
    )
    run = Run(LAUNCH_DAG, None, "success", run_id=launch["dag_run_id"])
    text = task_log(api, run, "approved_registrations", 1)
    check(
        f"10DLC registration {registration_id} is " in text and "sending the launch campaign" in text,
        f"{LAUNCH_DAG}: the run read registration {registration_id} (the 10DLC run's) from the event",
    )

    current = next(name for name in reversed(deployment.services) if name.startswith("triggerer"))
    log(f"restarting the triggerer ({current} stopped with SIGTERM, triggerer-3 started)")
    deployment.services[current].stop()
    start_triggerer(deployment, "triggerer-3")
    wait_for_watcher_rounds(deployment, "the watcher to poll again from the new triggerer", 5, timeout=180)
    runs = all_launch_runs(api)
    check(
        [r["dag_run_id"] for r in runs] == [launch["dag_run_id"]],
        f"{LAUNCH_DAG}: still one run after the restart and 5 more rounds ({len(runs)} runs)",
    )
    events = api.get("/api/v2/assets/events?limit=100")["asset_events"]
    ours = [e for e in events if e.get("uri") == "sinch://10dlc/registrations/approved"]
    check(len(ours) == 1, f"one asset event for the approval ({len(ours)})")


def serve(deployment: Deployment) -> None:
    log(f"serving: {deployment.api_url} (user {ADMIN!r}, password {deployment.password!r}); Ctrl-C stops")
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)


# --- Main -------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-ui", action="store_true", help="leave out the browser test (development)")
    parser.add_argument(
        "--serve",
        action="store_true",
        help="after the checks, keep the deployment running (UI address and login printed) until Ctrl-C",
    )
    args = parser.parse_args(argv)
    # A SIGTERM (CI's timeout, `kill`) unwinds like an exception: every component still gets stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    shutil.rmtree(OUTPUT, ignore_errors=True)
    OUTPUT.mkdir(parents=True)
    (OUTPUT / "files").mkdir()
    workdir = Path(tempfile.mkdtemp(prefix="sinch-e2e-deploy-"))
    try:
        ensure_debian_packages()
        with contextlib.ExitStack() as stack:
            postgres = stack.enter_context(PostgresCluster(workdir))
            deployment = airflow_environment(
                OUTPUT / "airflow-home", postgres.url, f"http://127.0.0.1:{free_port()}"
            )
            start_components(deployment, stack)
            api = AirflowApi(deployment.api_url, ADMIN, deployment.password)
            check(True, "obtained a REST API token from POST /auth/token")
            create_connections(api, deployment)
            run_examples(api, deployment)
            check_runs(api, deployment)
            check_launch(api, deployment)
            if not args.skip_ui:
                import e2e_deploy_ui

                e2e_deploy_ui.run(
                    deployment.api_url,
                    ADMIN,
                    deployment.password,
                    deployment.emulator_url,
                    OUTPUT / "screenshots",
                    log=log,
                )
            if args.serve:
                serve(deployment)
            log("stopping every component ...")
    except AssertionError as failure:  # CheckFailed, and the UI test's failures
        log(f"FAILED: {failure}")
        log(f"component logs: {OUTPUT / 'logs'}; task logs: {OUTPUT / 'airflow-home' / 'logs'}")
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    log(f"PASSED in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
