"""The kernel websocket for Jupyter servers, with TCP_NODELAY: a slider's new figure is sent at once.

Neither jupyter_server nor Voila sets TCP_NODELAY, so Nagle's algorithm holds a small message back until the
browser has acknowledged the last one, and browsers delay that acknowledgement by up to 40 ms: a slider step
pays it on almost every frame. The servers take this class by configuration, no patch:
``ServerApp.kernel_websocket_connection_class`` (JupyterLab, ``jupyter-config/jupyter_server_config.json``) and
``Voila.kernel_websocket_connection_class`` (``voila.json``). It lives in ``lesson_utils`` because every way of
installing the lessons installs it into the server's environment; notebooks never import it.
"""

from __future__ import annotations

import asyncio

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


class NoDelayKernelWebsocketConnection(ZMQChannelsWebsocketConnection):
    """jupyter_server's kernel websocket connection with TCP_NODELAY set on the socket as it opens."""

    def connect(self) -> asyncio.Future[None] | None:
        """Turn Nagle's algorithm off for this websocket, then connect it to the kernel as jupyter_server does."""
        self.websocket_handler.set_nodelay(True)
        return super().connect()
