"""JupyterLab and Voila, started as `make lab` and `make demo` start them, set TCP_NODELAY on kernel websockets.

Read back from the server itself: the test opens a kernel websocket, finds the socket the server accepted for it,
takes a duplicate of that very socket out of the server process (pidfd_getfd, Linux 5.6+) and asks the kernel's
TCP stack with getsockopt. Tornado leaves TCP_NODELAY off on an upgraded connection, so only the configured
connection class (lesson_utils.kernel_websocket) can have set it.
"""

from __future__ import annotations

import base64
import ctypes
import json
import os
import secrets
import socket
from pathlib import Path

import pytest

from devtools.servers import Server, wait_until
from tests.browser.served import SAMPLE

pytestmark = pytest.mark.browser

PIDFD_GETFD = 438  # the same syscall number on every Linux architecture


def open_kernel_websocket(server: Server, kernel: str) -> socket.socket:
    """A websocket to a kernel, as a browser opens it: the HTTP upgrade, answered with 101."""
    port = int(server.base.rsplit(":", 1)[1])
    client = socket.create_connection(("127.0.0.1", port), timeout=60)
    key = base64.b64encode(secrets.token_bytes(16)).decode()
    path = f"/api/kernels/{kernel}/channels?session_id={secrets.token_hex(16)}&token={server.token}"
    client.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    status = client.recv(4096).split(b"\r\n", 1)[0]
    assert status.startswith(b"HTTP/1.1 101"), f"the kernel websocket was refused: {status!r}"
    return client


def accepted_socket(server: Server, client: socket.socket) -> socket.socket:
    """The server process's own socket at the other end of ``client``, duplicated into this process."""
    local, remote = (f"0100007F:{address[1]:04X}" for address in (client.getpeername(), client.getsockname()))
    with open(f"/proc/{server.pid}/net/tcp") as table:
        (inode,) = [f[9] for f in map(str.split, table) if f[1:3] == [local, remote]]
    fds = Path(f"/proc/{server.pid}/fd")
    (fd,) = [int(link.name) for link in fds.iterdir() if os.readlink(link) == f"socket:[{inode}]"]
    pidfd = os.pidfd_open(server.pid)
    try:
        duplicate = ctypes.CDLL(None, use_errno=True).syscall(PIDFD_GETFD, pidfd, fd, 0)
        if duplicate < 0:
            pytest.fail(f"pidfd_getfd on the server's socket failed: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(pidfd)
    return socket.socket(fileno=duplicate)


def assert_nodelay(server: Server, kernel: str) -> None:
    with open_kernel_websocket(server, kernel) as client, accepted_socket(server, client) as theirs:
        # The server sets the option as it opens the connection, just after it has answered the upgrade.
        wait_until(
            lambda: theirs.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0,
            seconds=60,
            failure=lambda: f"TCP_NODELAY is off on the kernel websocket:\n{server.log.read_text()[-2000:]}",
        )


def test_jupyterlab_sets_tcp_nodelay_on_kernel_websockets(jupyterlab):
    status, kernel = jupyterlab.api("POST", "/api/kernels")
    assert status == 201, status
    try:
        assert_nodelay(jupyterlab, kernel["id"])
    finally:
        jupyterlab.api("DELETE", f"/api/kernels/{kernel['id']}")


def test_voila_sets_tcp_nodelay_on_kernel_websockets(voila, voila_page):
    # The page keeps its kernel from being culled while the test opens a second websocket to it.
    voila_page.goto(voila.url(f"/voila/render/{SAMPLE.name}"))
    kernel = json.loads(voila_page.locator("#jupyter-config-data").text_content())["kernelId"]
    assert_nodelay(voila, kernel)
