"""Steer a served MPIParallel job from Python, IPython or Jupyter, with ipyparallel's names.

    import mpiparallel
    rc = mpiparallel.Client()              # the job `mpiparallel start` serves under profile "default"
    dview = rc[:]
    dview.apply_sync("heat.init", 64, 48, 0.2)
    u = dview.gather("heat.u", block=True) # numpy array (numbers travel as raw bytes)
"""

from .asyncresult import AsyncResult, TaskResult
from .client import Client, FunctionInfo, profile_directory
from .dependency import Dependency
from .errors import (BadConnectionFile, BadReplySignature, CompositeError, ConnectionLost, FrameTooLarge,
                     HubError, HubUnreachable, MalformedReply, MPIParallelError, NoConnectionFile, Refused,
                     RemoteError, TimeoutError)
from .reference import Reference
from .view import DirectView, LoadBalancedView

__version__ = "0.1.0"

__all__ = [
    "AsyncResult", "BadConnectionFile", "BadReplySignature", "Client", "CompositeError", "ConnectionLost",
    "Dependency", "DirectView", "FrameTooLarge", "FunctionInfo", "HubError", "HubUnreachable", "LoadBalancedView",
    "MalformedReply", "MPIParallelError", "NoConnectionFile", "Reference", "Refused", "RemoteError",
    "TaskResult", "TimeoutError", "profile_directory",
]
