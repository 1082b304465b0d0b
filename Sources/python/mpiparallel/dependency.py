"""Dependency: ipyparallel's graph dependency of a load-balanced task on
tasks submitted earlier, for a LoadBalancedView's `after` and `follow`
flags."""

import numbers


def task_ids(value, flag="dependency"):
    """The task ids `value` stands for: an AsyncResult (its `msg_ids`), a
    task id (int), or a list, tuple or set of these (a Dependency among them
    gives its ids)."""
    if value is None:
        return []
    msg_ids = getattr(value, "msg_ids", None)
    if msg_ids is not None:
        return [int(task) for task in msg_ids]
    if isinstance(value, bool) or isinstance(value, (str, bytes)):
        raise TypeError(f"{flag}: tasks are named by AsyncResults or int task ids (ar.msg_ids), not {value!r}")
    if isinstance(value, numbers.Integral):
        return [int(value)]
    if isinstance(value, (list, tuple, set, frozenset, range)):
        ids = []
        for item in value:
            ids.extend(task_ids(item, flag))
        return ids
    raise TypeError(f"{flag}: tasks are named by AsyncResults or int task ids (ar.msg_ids), not {value!r}")


class Dependency(set):
    """The task ids a task depends on, with ipyparallel's options: `all`
    (every task, or any one of them), `success` and `failure` (which outcomes
    satisfy it; by default success only, so a task after a failed one fails
    with an impossible dependency).

    ``lview.set_flags(after=Dependency([ar1, ar2], all=False))``;
    ``Dependency(ar, success=True, failure=True)`` waits for `ar` to finish
    either way."""

    def __init__(self, dependencies=(), all=True, success=True, failure=False):
        super().__init__(task_ids(dependencies, "Dependency"))
        self.all, self.success, self.failure = bool(all), bool(success), bool(failure)
        if not (self.success or self.failure):
            raise ValueError("a Dependency must accept success, failure or both")

    def __repr__(self):
        return (f"Dependency({sorted(self)}, all={self.all}, success={self.success}, "
                f"failure={self.failure})")

    def as_wire(self):
        """The dependency as a steering request carries it."""
        return {"tasks": sorted(self), "all": self.all, "success": self.success, "failure": self.failure}


def as_dependency(value, flag):
    """`value` (None, a Dependency, AsyncResults or task ids) as a Dependency, or None."""
    if value is None or isinstance(value, Dependency):
        return value
    return Dependency(task_ids(value, flag))


__all__ = ["Dependency"]
