"""A minimal SMTP server for tests (RFC 5321's few commands a client needs to deliver), on a
thread on a free local port; it keeps every message it receives. It can fail on purpose:
``accept`` messages, then answer every later one with a temporary error (451), and refuse the
``refused`` recipients for good (550)."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    accept: int | None = None
    refused: set[str] = field(default_factory=set)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _say(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self._say("220 localhost test SMTP")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in ("HELO", "EHLO"):
                self._say("250 localhost")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                self._say("250 OK")
            elif verb == "RCPT":
                recipient = command.split(":", 1)[1].strip(" <>")
                if recipient in self.server.mailbox.refused:
                    self._say("550 No such user here")
                    continue
                recipients.append(recipient)
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                mailbox = self.server.mailbox
                if mailbox.accept is not None and len(mailbox.messages) >= mailbox.accept:
                    self._say("451 Try again later")
                    continue
                message = message_from_bytes(b"".join(lines), policy=policy.default)
                self.server.mailbox.messages.append(message)  # type: ignore[arg-type]
                self.server.mailbox.envelopes.append((sender, recipients))
                self._say("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 Bye")
                return
            else:
                self._say("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    mailbox: Mailbox


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """Serve SMTP on 127.0.0.1 (a free port) for the duration of the block."""
    with _Server(("127.0.0.1", 0), _Handler) as server:
        host, port = server.server_address[:2]
        server.mailbox = Mailbox(str(host), int(port))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.mailbox
        finally:
            server.shutdown()
            thread.join()
