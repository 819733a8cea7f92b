"""Local kernels whose sockets are encrypted (CurveZMQ), for every tool that starts one.

jupyter_client starts kernels over TCP without encryption unless the program that starts
them asks for it, and the kernel then logs "Kernel is running over TCP without encryption"
each time. The book's build (myst-nb), nbval and the grader start kernels through
jupyter_client's kernel provisioners and offer no setting for it; the Makefile selects
this provisioner for all of them by setting the environment variable
``JUPYTER_DEFAULT_PROVISIONER_NAME=encrypted-local-provisioner`` (registered as an entry
point in ``pyproject.toml``).
"""

from __future__ import annotations

from typing import Any

import zmq
from jupyter_client.provisioning import LocalProvisioner


class EncryptedLocalProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner with transport encryption on where possible.

    Asks for the policy "auto": CurveZMQ keys are made for a kernel whose kernelspec says
    it supports them (ipykernel's does) and the connection stays unencrypted otherwise. A
    policy the caller passes explicitly is kept, and so is everything else the local
    provisioner does. Needs libzmq with CurveZMQ (pyzmq's wheels have it); without it
    the provisioner behaves like the local one.

    Used by the Makefile's commands, not by a chapter.
    """

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        """Prepare the launch as the local provisioner does, with encryption "auto"."""
        if zmq.has("curve"):
            kwargs.setdefault("transport_encryption", "auto")
        return await super().pre_launch(**kwargs)
