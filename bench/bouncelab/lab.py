"""The workbench every mail server of the bounce lab shares: a private temporary directory, free loopback
ports, and the processes started there (all stopped at the end, by their own ids)."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

LOOPBACK = "127.0.0.1"


class Lab:
    def __init__(self, keep=False):
        self.root = tempfile.mkdtemp(prefix="bouncelab-")
        # Dovecot and the MTAs drop privileges to unprivileged users that must reach their files below.
        os.chmod(self.root, 0o755)
        self.keep = keep
        self._processes = []
        self._stops = []
        self._taken = set()

    def path(self, *parts):
        full = os.path.join(self.root, *parts)
        return full

    def directory(self, *parts):
        full = self.path(*parts)
        os.makedirs(full, exist_ok=True)
        os.chmod(full, 0o755)
        return full

    def write(self, relative, text, mode=0o644):
        full = self.path(relative)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
        os.chmod(full, mode)
        return full

    def free_port(self):
        """A loopback port nobody listens on now (and that this lab has not handed out before)."""
        while True:
            with socket.socket() as s:
                s.bind((LOOPBACK, 0))
                port = s.getsockname()[1]
            if port not in self._taken:
                self._taken.add(port)
                return port

    def spawn(self, argv, env=None, log_name=None):
        """Starts a long-running process in its own process group, stopped by `close`."""
        out = open(self.path(log_name), "ab") if log_name else subprocess.DEVNULL
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self._processes.append(process)
        return process

    def on_close(self, stop):
        """Registers a stop action (e.g. `postfix stop`) for servers that daemonise themselves."""
        self._stops.append(stop)

    def close(self):
        for stop in reversed(self._stops):
            try:
                stop()
            except Exception as error:  # a failed stop must not leave the others running
                print(f"bouncelab: stop failed: {error}")
        for process in reversed(self._processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            print(f"bouncelab: kept {self.root}")


def run(argv, env=None, check=True):
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}): {result.stdout}{result.stderr}")
    return result


def wait_for_port(port, seconds=20, what="server"):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not start listening on {LOOPBACK}:{port}")


def stop_pid_file(pid_file, seconds=10):
    """Stops the daemon whose id the file names (a server that forked itself away from us)."""
    try:
        pid = int(open(pid_file).read().split()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
