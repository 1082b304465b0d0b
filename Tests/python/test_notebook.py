"""Examples/notebooks/steer-heat.ipynb, run headless with a real Jupyter
kernel (nbclient, ipykernel) against the heat example served with 3 engines."""

import json
import os

import pytest

from conftest import ROOT, Job, alive

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")
image = pytest.importorskip("matplotlib.image")


def test_the_heat_notebook_runs_to_the_end(tmp_path):
    job = Job("heat", 3, "heat")
    pids = job.pids()
    saved = os.environ.get("MPIPARALLEL_HOME")
    os.environ["MPIPARALLEL_HOME"] = job.home  # the kernel inherits it
    try:
        notebook = nbformat.read(os.path.join(ROOT, "Examples", "notebooks", "steer-heat.ipynb"), as_version=4)
        client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                         resources={"metadata": {"path": str(tmp_path)}})
        client.execute()
    finally:
        if saved is None:
            os.environ.pop("MPIPARALLEL_HOME", None)
        else:
            os.environ["MPIPARALLEL_HOME"] = saved
        job.end()
    errors = [output for cell in notebook.cells for output in cell.get("outputs", [])
              if output.get("output_type") == "error"]
    assert errors == []
    picture = image.imread(str(tmp_path / "heat-field.png"))
    assert picture.shape[:2] == (64, 48), "one pixel per cell of the 64 x 48 grid"
    summary = json.loads((tmp_path / "steer-heat-summary.json").read_text())
    before, after = summary["before"], summary["after"]
    assert summary["shape"] == [64, 48]
    assert (before["step"], after["step"]) == (100, 200)
    # A source 5 times as strong for as long again: the peak more than doubles, the mean grows.
    assert after["max"] > 2 * before["max"] and after["mean"] > before["mean"] > 0
    assert before["min"] >= 0 and summary["field_max"] == pytest.approx(after["max"])
    # The plot cell drew a picture in the notebook too.
    assert any("image/png" in output.get("data", {}) for cell in notebook.cells
               for output in cell.get("outputs", []))
    # The notebook's rc.stop() ended the job.
    assert [pid for pid in pids if alive(pid)] == []
