"""A real Apache Spark standalone cluster on this machine, for `--target spark_cluster` tests and development.

Five processes, each a JVM from the PySpark wheel's own jars, all on 127.0.0.1:

- a Hive metastore service (Derby in this cluster's folder): the catalog the two servers below share, as a
  cluster's metastore does, so a table dbt creates through Thrift is the table Spark Connect reads;
- the standalone master and one worker (its executors do the work; small, or a second application waits for
  cores for ever);
- the Thrift JDBC/ODBC server (dbt-spark's `method: thrift`, and BI tools), a Spark application;
- the Spark Connect server (the pipeline's own Spark work), a second Spark application.

Everything they write (metastore, warehouse, logs, work dirs, scratch) is under one folder. They start side
by side; the cluster is up when every port answers, within a deadline. Each process leads a session of its
own and is stopped by its PID's process group, at the end and on any failure; and the kernel ends it when the
process that started it dies without stopping it (killed, say), so nothing is left behind.

    python -m orchestration.build.local_cluster      # start one, print its settings, stop it on Ctrl-C
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

LOG_CONFIG = Path(__file__).parent / "spark_conf" / "log4j2.properties"
START_DEADLINE_SECONDS = 120
THRIFT_SERVER = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
CONNECT_SERVER = "org.apache.spark.sql.connect.service.SparkConnectServer"
METASTORE = "org.apache.hadoop.hive.metastore.HiveMetaStore"
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class ClusterError(RuntimeError):
    """The cluster did not come up; the message names the process and the end of its log."""


def spark_home() -> Path:
    import pyspark  # only here: the wheel carries Spark's jars and launch scripts

    return Path(pyspark.__file__).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class LocalCluster:
    """One cluster: its folder, its ports and, once started, its processes."""

    root: Path
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    executor_memory: str = "768m"
    worker_memory: str = "2g"

    @property
    def master_url(self) -> str:
        return f"spark://127.0.0.1:{self.ports['master']}"

    @property
    def connect_url(self) -> str:
        return f"sc://127.0.0.1:{self.ports['connect']}"

    @property
    def warehouse_dir(self) -> Path:
        return self.root / "warehouse"

    def environment(self) -> dict[str, str]:
        """The settings `--target spark_cluster` reads, pointing at this cluster."""
        return {
            "PYRAMID_SPARK_HOST": "127.0.0.1",
            "PYRAMID_SPARK_PORT": str(self.ports["thrift"]),
            "PYRAMID_SPARK_CONNECT_URL": self.connect_url,
            "PYRAMID_SPARK_LANDING_DIR": str(self.root / "landing"),
        }

    def start(self, deadline_seconds: float = START_DEADLINE_SECONDS) -> LocalCluster:
        """Start every process side by side and wait until every port answers; on failure stop them all."""
        for name in ("metastore", "master", "master_ui", "worker_ui", "thrift", "connect", "connect_ui"):
            self.ports.setdefault(name, free_port())
        for folder in ("logs", "work", "scratch", "warehouse", "landing"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        try:
            for name, command in self._commands().items():
                self._launch(name, command)
            self._wait(deadline_seconds)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every process by its group (the JVM and anything it started), then wait for each."""
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _launch(self, name: str, command: list[str]) -> None:
        log = (self.root / "logs" / f"{name}.log").open("w")
        environment = {
            **os.environ,
            "SPARK_HOME": str(spark_home()),
            "SPARK_LOG_DIR": str(self.root / "logs"),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOCAL_DIRS": str(self.root / "scratch"),
            "SPARK_NO_DAEMONIZE": "1",
        }
        self.processes[name] = subprocess.Popen(
            command,
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,
            preexec_fn=_end_with_parent,
        )
        log.close()

    def _wait(self, deadline_seconds: float) -> None:
        awaited = {"metastore": "metastore", "master": "master", "worker": "worker_ui"}
        awaited |= {"thrift": "thrift", "connect": "connect"}
        deadline = time.monotonic() + deadline_seconds
        while awaited:
            for name, port in list(awaited.items()):
                if self.processes[name].poll() is not None:
                    raise ClusterError(f"Spark {name} ended while starting:\n{self._log_tail(name)}")
                if port_answers(self.ports[port]):
                    del awaited[name]
            if awaited and time.monotonic() > deadline:
                names = ", ".join(awaited)
                tails = "\n".join(self._log_tail(name) for name in awaited)
                raise ClusterError(f"Spark {names} not answering after {deadline_seconds:.0f} s:\n{tails}")
            time.sleep(0.5)

    def _log_tail(self, name: str, lines: int = 15) -> str:
        log = self.root / "logs" / f"{name}.log"
        text = log.read_text(errors="replace").splitlines() if log.exists() else []
        return "\n".join(f"  {name}: {line}" for line in text[-lines:])

    def _commands(self) -> dict[str, list[str]]:
        home = spark_home()
        spark_class = str(home / "bin" / "spark-class")
        submit = str(home / "bin" / "spark-submit")
        java = shutil.which("java") or str(Path(os.environ.get("JAVA_HOME", "/usr")) / "bin" / "java")
        log_option = f"-Dlog4j2.configurationFile={LOG_CONFIG}"
        metastore_db = self.root / "metastore_db"
        metastore = [
            java,
            "-Xmx384m",
            f"-Dderby.system.home={self.root}",
            log_option,
            "-cp",
            f"{home / 'jars'}/*",
            METASTORE,
            "-p",
            str(self.ports["metastore"]),
            *_hiveconf(
                {
                    # Hive's default asynchronous logger needs a library the wheel does not carry.
                    "hive.async.log.enabled": "false",
                    "javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={metastore_db};create=true",
                    "datanucleus.schema.autoCreateAll": "true",
                    "hive.metastore.schema.verification": "false",
                    "hive.metastore.warehouse.dir": str(self.warehouse_dir),
                }
            ),
        ]
        master = [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"]
        master += ["--port", str(self.ports["master"]), "--webui-port", str(self.ports["master_ui"])]
        worker = [spark_class, "org.apache.spark.deploy.worker.Worker", self.master_url]
        worker += ["--host", "127.0.0.1", "--webui-port", str(self.ports["worker_ui"])]
        worker += ["--cores", "4", "--memory", self.worker_memory, "--work-dir", str(self.root / "work")]
        application = {
            "spark.master": self.master_url,
            "spark.cores.max": "1",
            "spark.executor.cores": "1",
            "spark.executor.memory": self.executor_memory,
            "spark.driver.memory": "1g",
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.sql.catalogImplementation": "hive",
            "spark.hadoop.hive.metastore.uris": f"thrift://127.0.0.1:{self.ports['metastore']}",
            "spark.sql.warehouse.dir": str(self.warehouse_dir),
            "spark.sql.shuffle.partitions": "2",
            "spark.sql.session.timeZone": "UTC",
            "spark.ui.showConsoleProgress": "false",
            "spark.driver.extraJavaOptions": log_option,
            "spark.executor.extraJavaOptions": log_option,
        }
        thrift = [submit, "--class", THRIFT_SERVER, "--name", "pyramid-thrift", *_conf(application)]
        thrift += ["--conf", "spark.ui.enabled=false", "spark-internal"]
        thrift += _hiveconf(
            {
                "hive.server2.thrift.port": str(self.ports["thrift"]),
                "hive.server2.thrift.bind.host": "127.0.0.1",
            }
        )
        connect = [submit, "--class", CONNECT_SERVER, "--name", "pyramid-connect", *_conf(application)]
        connect += ["--conf", f"spark.connect.grpc.binding.port={self.ports['connect']}"]
        connect += ["--conf", "spark.connect.grpc.binding.address=127.0.0.1"]
        connect += ["--conf", f"spark.ui.port={self.ports['connect_ui']}", "spark-internal"]
        return {
            "metastore": metastore,
            "master": master,
            "worker": worker,
            "thrift": thrift,
            "connect": connect,
        }


def _end_with_parent() -> None:
    """In the child, before Spark's launcher execs the JVM (same process): SIGTERM when the starter dies."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _conf(settings: dict[str, str]) -> list[str]:
    return [part for key, value in settings.items() for part in ("--conf", f"{key}={value}")]


def _hiveconf(settings: dict[str, str]) -> list[str]:
    return [part for key, value in settings.items() for part in ("--hiveconf", f"{key}={value}")]


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="pyramid-cluster-"))
    cluster = LocalCluster(root)
    started = time.monotonic()
    try:
        cluster.start()
        print(f"Spark cluster up in {time.monotonic() - started:.0f} s, folder {root}")
        for name, value in cluster.environment().items():
            print(f"export {name}={value}")
        print("Ctrl-C stops it.", flush=True)
        # Blocked only now: the cluster's processes, started above, must not inherit the blocked signals.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    except ClusterError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
