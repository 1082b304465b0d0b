"""DirectView and LoadBalancedView, with ipyparallel's methods. Functions
are named by the names the job registered (`rc.functions()` lists them with
their Swift signatures); arguments and values are JSON-like Python and numeric
arrays (numpy, array.array), which travel as raw bytes."""

import contextlib
import math
import numbers

from .asyncresult import AsyncResult
from .dependency import as_dependency

#: Flags every view takes.
_VIEW_FLAGS = {"block", "targets"}
#: The hub's task flags, ipyparallel's: a LoadBalancedView's tasks carry them.
_TASK_FLAGS = {"retries", "after", "follow", "timeout"}


def _name(function):
    if isinstance(function, str):
        return function
    name = getattr(function, "name", None)
    if isinstance(name, str):
        return name
    raise TypeError(
        f"a served job runs the remote functions it registered, named by str (see rc.functions()), not {function!r}")


def _partition(count, parts):
    """The block partition of `count` items over `parts` (the first count % parts get one more), as the hub's."""
    base, extra = divmod(count, parts)
    ranges, lower = [], 0
    for part in range(parts):
        upper = lower + base + (1 if part < extra else 0)
        ranges.append((lower, upper))
        lower = upper
    return ranges


class View:
    """What DirectView and LoadBalancedView share: flags and map's spelling."""

    _flag_names = _VIEW_FLAGS

    def __init__(self, client, targets=None, block=False):
        self.client = client
        self.targets = targets
        self.block = block

    def set_flags(self, **flags):
        """Sets view flags: block, targets (and on a LoadBalancedView chunksize,
        ordered and the task flags retries, after, follow, timeout)."""
        checked = {}
        for key, value in flags.items():
            if key not in self._flag_names:
                if key in _TASK_FLAGS:
                    raise ValueError(
                        f"the '{key}' flag schedules load-balanced tasks: a DirectView runs on the engines it "
                        f"names and refuses it (ipyparallel's ignores it); set it on a LoadBalancedView")
                raise KeyError(f"no flag '{key}' on {type(self).__name__}; flags: {', '.join(sorted(self._flag_names))}")
            checked[key] = self._checked_flag(key, value)
        for key, value in checked.items():
            setattr(self, key, value)

    def _checked_flag(self, key, value):
        return value

    @contextlib.contextmanager
    def temp_flags(self, **flags):
        """Sets flags for the block of a `with`, then restores them."""
        saved = {key: getattr(self, key) for key in flags if key in self._flag_names}
        try:
            self.set_flags(**flags)
            yield self
        finally:
            for key, value in saved.items():
                setattr(self, key, value)

    def _finish(self, result, block):
        block = self.block if block is None else block
        return result.get() if block else result

    def apply(self, f, *args, **kwargs):
        """Calls `f` with `args`; blocks (returning values) or not (returning an AsyncResult) per `self.block`."""
        return self._finish(self._apply(f, args, kwargs), None)

    def apply_sync(self, f, *args, **kwargs):
        return self._apply(f, args, kwargs).get()

    def apply_async(self, f, *args, **kwargs):
        return self._apply(f, args, kwargs)

    def map(self, f, *sequences, block=None, **options):
        return self._finish(self._map(f, sequences, **options), block)

    def map_sync(self, f, *sequences, **options):
        return self._map(f, sequences, **options).get()

    def map_async(self, f, *sequences, **options):
        return self._map(f, sequences, **options)

    @staticmethod
    def _calls(sequences):
        if not sequences:
            raise TypeError("map needs at least one sequence")
        lists = [list(sequence) for sequence in sequences]
        return [list(arguments) for arguments in zip(*lists)]

    def _apply(self, f, args, kwargs):
        if kwargs:
            raise TypeError(f"remote functions take positional arguments only, not {', '.join(kwargs)}")
        return self._apply_positional(_name(f), list(args))

    def _submit_map(self, name, calls, chunksize, ordered, targets, flags=None):
        command = {"function": name, "items": calls, "chunkSize": chunksize, "ordered": ordered}
        if targets is not None:
            command["targets"] = targets
        if flags:
            command["flags"] = flags
        submission = self.client._submit({"map": command})
        return AsyncResult(self.client, f"map({name})", [submission], ordered=ordered)


class DirectView(View):
    """A fixed set of engines: `apply` runs on each (one value per engine; a
    view of one engine, `rc[0]`, gives the value itself).

    Its flags are `block` and `targets`. The load-balanced task flags
    (`retries`, `after`, `follow`, `timeout`) are refused with a ValueError:
    ipyparallel's DirectView ignores them, which would hide that they do
    nothing here."""

    def __repr__(self):
        return f"<DirectView {'all' if self.targets is None else self.targets}>"

    def _target_list(self, targets=None):
        targets = self.targets if targets is None else targets
        if targets is None or targets == "all":
            return None
        return [targets] if isinstance(targets, int) else list(targets)

    def _single(self, targets=None):
        return isinstance(self.targets if targets is None else targets, int)

    def _engines(self, targets=None):
        listed = self._target_list(targets)
        return self.client.ids if listed is None else listed

    def _apply_positional(self, name, args):
        command = {"function": name, "arguments": args}
        targets = self._target_list()
        if targets is not None:
            command["targets"] = targets
        submission = self.client._submit({"apply": command})
        return AsyncResult(self.client, f"apply({name})", [submission], single=self._single())

    def _map(self, f, sequences, chunksize=None, ordered=True):
        """ipyparallel's DirectView.map: the calls split into one block per engine."""
        calls = self._calls(sequences)
        engines = self._engines()
        size = chunksize or max(1, math.ceil(len(calls) / max(1, len(engines))))
        return self._submit_map(_name(f), calls, size, ordered, engines)

    def push(self, ns, targets=None, block=None):
        """Sets each name of the dict `ns` to its value on every engine."""
        if not isinstance(ns, dict):
            raise TypeError(f"push takes a dict of names and values, not {type(ns).__name__}")
        submissions = []
        for key, value in ns.items():
            if not isinstance(key, str):
                raise TypeError(f"push: names are str, not {type(key).__name__} {key!r}")
            command = {"name": key, "value": value}
            listed = self._target_list(targets)
            if listed is not None:
                command["targets"] = listed
            submissions.append(self.client._submit({"push": command}))
        label = f"push({', '.join(ns)})"
        return self._finish(AsyncResult(self.client, label, submissions, shape="none"), block)

    def pull(self, names, targets=None, block=None):
        """Each engine's value of `names` (a name, or a list of names: then a list per engine)."""
        several = isinstance(names, (list, tuple))
        submissions = []
        for key in (names if several else [names]):
            command = {"name": key}
            listed = self._target_list(targets)
            if listed is not None:
                command["targets"] = listed
            submissions.append(self.client._submit({"pull": command}))
        label = f"pull({', '.join(names) if several else names})"
        result = AsyncResult(self.client, label, submissions, single=self._single(targets),
                             shape="columns" if several else "list")
        return self._finish(result, block)

    def scatter(self, key, seq, targets=None, block=None):
        """Splits `seq` (a list or a numpy array) into one block per engine and sets `key` to each block."""
        engines = self._engines(targets)
        if not engines:
            raise ValueError("scatter: no engines to scatter to")
        submissions = []
        for engine, (lower, upper) in zip(engines, _partition(len(seq), len(engines))):
            block_value = seq[lower:upper]
            if isinstance(block_value, tuple):
                block_value = list(block_value)
            submissions.append(self.client._submit({"push": {"name": key, "value": block_value, "targets": [engine]}}))
        return self._finish(AsyncResult(self.client, f"scatter({key})", submissions, shape="none"), block)

    def gather(self, key, targets=None, block=None):
        """The engines' arrays `key` joined in engine order (one numpy array for numeric arrays)."""
        command = {"name": key}
        listed = self._target_list(targets)
        if listed is not None:
            command["targets"] = listed
        submission = self.client._submit({"gather": command})
        return self._finish(AsyncResult(self.client, f"gather({key})", [submission], shape="flatten"), block)

    def __getitem__(self, key):
        return self.pull(key, block=True)

    def __setitem__(self, key, value):
        self.push({key: value}, block=True)

    def abort(self, jobs=None):
        """Aborts tasks (ids or AsyncResults) not started."""
        return self.client.abort(jobs)


class LoadBalancedView(View):
    """The hub's load balancer: each call goes to the engine its scheme picks.

    Besides `block`, `targets`, `chunksize` and `ordered`, it takes
    ipyparallel's task flags (`set_flags`, `temp_flags`), carried by each of
    its tasks:

    - `retries`: how many times a failed task runs again, on another engine
      where one exists (0 to 1000);
    - `after`: run only once these tasks have finished; `follow`: run on the
      engine where they ran. Each is an AsyncResult, a task id, a list of
      these, or a `Dependency` (`all`, `success`, `failure`);
    - `timeout`: seconds a task may wait to be scheduled (its dependencies met
      and an engine free), then it fails with a RemoteError whose `ename` is
      `ParallelError.dependencyTimeout`; None or 0: no limit. It does not
      limit the run time.

    The hub refuses, with a HubError naming the flag, an id it never gave and
    more than 10000 tasks in one dependency."""

    _flag_names = _VIEW_FLAGS | {"chunksize", "ordered"} | _TASK_FLAGS

    def __init__(self, client, targets=None, block=False, chunksize=1, ordered=True):
        super().__init__(client, targets, block)
        self.chunksize = chunksize
        self.ordered = ordered
        self.retries = 0
        self.after = None
        self.follow = None
        self.timeout = None

    def _checked_flag(self, key, value):
        if key == "retries":
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"retries is an int, not {value!r}")
            if value < 0:
                raise ValueError(f"retries must be 0 or more, not {value}")
            return int(value)
        if key == "timeout":
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"timeout is a number of seconds or None, not {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"timeout must be 0 or more seconds (0: no limit), not {value}")
            return float(value)
        if key in ("after", "follow"):
            return as_dependency(value, key)
        return value

    def _task_flags(self):
        """The task flags as a request carries them (None when all are defaults)."""
        flags = {}
        if self.retries:
            flags["retries"] = self.retries
        for key in ("after", "follow"):
            dependency = getattr(self, key)
            if dependency:
                flags[key] = dependency.as_wire()
        if self.timeout:
            flags["timeout"] = self.timeout
        return flags or None

    def __repr__(self):
        return f"<LoadBalancedView {'any' if self.targets is None else self.targets}>"

    def _targets(self):
        if self.targets is None or self.targets == "all":
            return None
        return [self.targets] if isinstance(self.targets, int) else list(self.targets)

    def _apply_positional(self, name, args):
        result = self._submit_map(name, [args], 1, True, self._targets(), self._task_flags())
        result._single = True
        result.label = f"apply({name})"
        return result

    def _map(self, f, sequences, chunksize=None, ordered=None):
        """Each chunk of `chunksize` calls is one task; `ordered=False` iterates in completion order."""
        calls = self._calls(sequences)
        size = self.chunksize if chunksize is None else chunksize
        return self._submit_map(_name(f), calls, size, self.ordered if ordered is None else ordered,
                                self._targets(), self._task_flags())
