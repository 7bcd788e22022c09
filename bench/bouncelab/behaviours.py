"""Servers that misbehave on purpose, where no MTA setting would: one that accepts connections and never says a
word, and a client that holds a connection open so a per-host connection limit is already reached."""
import socket
import threading

from lab import LOOPBACK


class SilentServer:
    """Accepts TCP connections and never sends the SMTP greeting (a stuck or black-holed MX)."""

    def __init__(self, lab):
        self.port = lab.free_port()
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((LOOPBACK, self.port))
        self._socket.listen(50)
        self._held = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()
        lab.on_close(self.close)

    def _accept(self):
        while not self._closed:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            self._held.append(connection)

    def close(self):
        self._closed = True
        self._socket.close()
        for connection in self._held:
            connection.close()


class HeldConnection:
    """One open, idle SMTP connection to a port: the first of the two a one-per-host limit allows only once."""

    def __init__(self, lab, port):
        self._socket = socket.create_connection((LOOPBACK, port), timeout=10)
        self.greeting = self._socket.recv(512).decode(errors="replace").strip()
        lab.on_close(self._socket.close)
