"""Unit tests of utils.plotting: no rcParams side effects, step-error plot, tensor heatmap."""

import os
import re
import subprocess
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import utils


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def rng():
    return np.random.default_rng(404)


# -- set_style and import side effects ------------------------------------------------------------


def test_import_utils_leaves_rcparams_at_defaults(tmp_path):
    """In a fresh interpreter, `import utils` leaves matplotlib.rcParams equal to the defaults."""
    script = textwrap.dedent(
        """
        import matplotlib as mpl
        keys = [k for k in mpl.rcParamsDefault if k != "backend"]
        before = {k: mpl.rcParams[k] for k in keys}
        import utils
        after = {k: mpl.rcParams[k] for k in keys}
        defaults = {k: mpl.rcParamsDefault[k] for k in keys}
        changed = sorted(k for k in keys if after[k] != before[k])
        not_default = sorted(k for k in keys if after[k] != defaults[k])
        print("changed:", changed)
        print("not default:", not_default)
        assert hasattr(utils, "set_style")
        assert not changed and not not_default
        """
    )
    # A clean matplotlib config directory and working directory, so no user matplotlibrc.
    env = {**os.environ, "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(tmp_path)}
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_import_utils_does_not_load_matplotlib(tmp_path):
    """`import utils` leaves matplotlib unloaded: it is imported when a style or figure is made."""
    script = textwrap.dedent(
        """
        import sys
        import utils
        loaded = sorted(name for name in sys.modules if name.split(".")[0] == "matplotlib")
        assert not loaded, loaded
        utils.set_style()
        assert "matplotlib" in sys.modules
        """
    )
    env = {**os.environ, "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(tmp_path)}
    completed = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr


STYLE_KEYS = {"axes.grid", "image.cmap", "axes.spines.top", "axes.spines.right", "font.size"}


def test_set_style_changes_rcparams_only_when_called():
    """set_style changes rcParams (grid, colormap, spines...) when called, and nothing else does."""
    with matplotlib.rc_context(rc=matplotlib.rcParamsDefault):
        plt.switch_backend("Agg")
        before = dict(matplotlib.rcParams)
        utils.plot_tensor_blocks(np.ones((1, 1, 2, 2)))  # other utils calls change nothing
        assert dict(matplotlib.rcParams) == before
        utils.set_style()
        after = dict(matplotlib.rcParams)
        changed = {k for k in before if before[k] != after[k]}
        assert STYLE_KEYS <= changed
        assert after["axes.grid"] is True
        assert after["image.cmap"] == "RdBu_r"
        assert after["axes.spines.top"] is False
    assert matplotlib.rcParams["axes.grid"] == before["axes.grid"]  # rc_context restored it


# -- plot_step_errors ------------------------------------------------------------------------------


@pytest.fixture
def step_problem(rng):
    """f(X) = Σ W∘sin(X) on a (3, 4) matrix with exact Df(X)[H] = Σ W∘cos(X)∘H."""
    X, H, W = (rng.standard_normal((3, 4)) for _ in range(3))
    return (lambda Y: np.sum(W * np.sin(Y))), X, H, float(np.sum(W * np.cos(X) * H))


def _curves(ax):
    return {line.get_label(): (np.asarray(line.get_xdata()), np.asarray(line.get_ydata()))
            for line in ax.get_lines()}


def test_plot_step_errors_returns_log_axes_with_one_line_per_method(step_problem):
    """An Axes with one labelled line per method, log-log axes and axis labels."""
    f, X, H, exact = step_problem
    ax = utils.plot_step_errors(f, X, H, exact)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert sorted(_curves(ax)) == ["central", "complex", "forward"]
    assert len(ax.get_lines()) == 3
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_legend() is not None


def test_plot_step_errors_curves_have_the_expected_shape(step_problem):
    """Central differences: V-shaped; complex step: ≤ 1e-12 relative error for small h."""
    f, X, H, exact = step_problem
    curves = _curves(utils.plot_step_errors(f, X, H, exact))
    h, central = curves["central"]
    assert h.min() <= 1e-15 and h.max() == 1.0
    at_one = central[np.argmin(np.abs(h - 1.0))]
    at_smallest = central[np.argmin(h)]
    assert central.min() < 1e-6 * at_one  # truncation error falls by many orders...
    assert central.min() < 1e-3 * at_smallest  # ...until round-off takes over: a V
    best_h = h[np.argmin(central)]
    assert 1e-8 < best_h < 1e-2  # near ε^(1/3) ≈ 6e-6
    h, forward = curves["forward"]
    assert forward.min() < 1e-3 * forward[np.argmin(np.abs(h - 1.0))]
    assert central.min() < forward.min()
    h, complex_errors = curves["complex"]
    small = h <= 1e-7  # the truncation error h²·f'''/6 is below 1e-14 there
    assert small.sum() >= 10
    assert np.all(complex_errors[small] <= 1e-12 * abs(exact))


def test_plot_step_errors_errors_are_the_true_errors(step_problem):
    """Each plotted point is |formula(h) − exact| (or the floor, for exact hits)."""
    f, X, H, exact = step_problem
    steps = np.array([1e-1, 1e-3])
    curves = _curves(utils.plot_step_errors(f, X, H, exact, steps=steps))
    for name, formula in (("forward", utils.forward_difference),
                          ("central", utils.central_difference)):
        h, errors = curves[name]
        np.testing.assert_array_equal(h, steps)
        expected = [abs(formula(f, X, H, s) - exact) for s in steps]
        np.testing.assert_allclose(errors, expected, rtol=1e-12)


def test_plot_step_errors_custom_methods_steps_and_axes(step_problem):
    """Given methods, steps and ax are honoured, and the given ax is returned."""
    f, X, H, exact = step_problem
    _, ax = plt.subplots()
    steps = np.logspace(-6, -1, 6)
    returned = utils.plot_step_errors(f, X, H, exact, steps=steps, methods=("central",), ax=ax)
    assert returned is ax
    curves = _curves(ax)
    assert list(curves) == ["central"]
    np.testing.assert_array_equal(curves["central"][0], steps)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"methods": ("forward", "backward")}, ValueError, "backward"),
        ({"steps": [1e-3, 0.0]}, ValueError, "positive"),
        ({"steps": [1e-3, -1e-3]}, ValueError, "positive"),
        ({"steps": np.ones((2, 2))}, ValueError, r"1 dimension.*\(2, 2\)"),
        ({"steps": []}, ValueError, r"steps is empty \(shape \(0,\)\)"),
        ({"methods": []}, ValueError, "methods is empty"),
        ({"methods": 3}, TypeError, "methods must be a str or a list of str.*got int"),
        ({"methods": ("central", None)}, ValueError, r"unknown method\(s\) \[None\]"),
        ({"ax": "x"}, TypeError, "ax must be a matplotlib Axes.*got str"),
        ({"ax": plt}, TypeError, "ax must be a matplotlib Axes.*got module"),
        ({"exact": "1.0"}, TypeError, "exact must be a real number, got str"),
        ({"exact": np.nan}, ValueError, "exact must be finite"),
    ],
)
def test_plot_step_errors_bad_input(step_problem, kwargs, error, pattern):
    """Bad methods, steps, axes and exact values raise a TypeError or ValueError naming
    the argument, before anything is drawn."""
    f, X, H, exact = step_problem
    figures = plt.get_fignums()
    with pytest.raises(error, match=pattern):
        utils.plot_step_errors(**{"f": f, "X": X, "H": H, "exact": exact, **kwargs})
    assert plt.get_fignums() == figures, "no figure is made for a call that fails"


# -- plot_tensor_blocks ----------------------------------------------------------------------------


def test_plot_tensor_blocks_layout(rng):
    """A (2, 3, 4, 5) tensor becomes an (8, 15) image whose block (i, j) is T[i, j]."""
    T = rng.standard_normal((2, 3, 4, 5))
    ax = utils.plot_tensor_blocks(T, title="J")
    images = ax.get_images()
    assert len(images) == 1
    image = np.asarray(images[0].get_array())
    assert image.shape == (8, 15)
    for i in range(2):
        for j in range(3):
            np.testing.assert_array_equal(image[4 * i : 4 * (i + 1), 5 * j : 5 * (j + 1)], T[i, j])
    assert ax.get_title() == "J"
    assert ax.get_xlabel() and ax.get_ylabel()


def test_plot_tensor_blocks_colour_scale_is_symmetric(rng):
    """The colour limits are ±max|T|, so zero is the neutral colour."""
    T = rng.standard_normal((2, 2, 3, 3)) + 0.5
    vmin, vmax = utils.plot_tensor_blocks(T).get_images()[0].get_clim()
    assert vmax == pytest.approx(np.abs(T).max())
    assert vmin == pytest.approx(-vmax)


def test_plot_tensor_blocks_of_a_jacobian(rng):
    """Plotting jacobian_tensor(F, X) for F(A) = AB works: image shape (p·m, q·n)."""
    A, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    J = utils.jacobian_tensor(lambda Y: Y @ B, A)
    _, ax = plt.subplots()
    assert utils.plot_tensor_blocks(J, ax=ax) is ax
    assert np.asarray(ax.get_images()[0].get_array()).shape == (2 * 2, 4 * 3)


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 4), (1, 2, 3, 4, 5)])
def test_plot_tensor_blocks_bad_shape(shape):
    """T must have exactly 4 dimensions; the message names the shape."""
    with pytest.raises(ValueError, match=r"4 dimension.*" + str(shape).replace("(", r"\(")
                       .replace(")", r"\)")):
        utils.plot_tensor_blocks(np.ones(shape))


def test_plot_tensor_blocks_rejects_nan_and_complex():
    """NaN entries are a ValueError, complex entries a TypeError."""
    T = np.ones((1, 1, 2, 2))
    T[0, 0, 1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        utils.plot_tensor_blocks(T)
    with pytest.raises(TypeError, match="real"):
        utils.plot_tensor_blocks(np.ones((1, 1, 2, 2), dtype=complex))


@pytest.mark.parametrize("shape", [(0, 2, 3, 4), (2, 3, 4, 0), (0, 0, 0, 0)])
def test_plot_tensor_blocks_refuses_an_empty_tensor(shape):
    """An empty T is a ValueError naming T and its shape, not numpy's reduction error."""
    with pytest.raises(ValueError, match=r"T is empty \(shape " + re.escape(str(shape))):
        utils.plot_tensor_blocks(np.zeros(shape))


@pytest.mark.parametrize(("kwargs", "error", "pattern"), [
    ({"ax": "x"}, TypeError, "ax must be a matplotlib Axes, such as plt.subplots\\(\\)\\[1\\], "
                             "or None; got str"),
    ({"ax": plt.figure}, TypeError, "ax must be a matplotlib Axes.*got function"),
    ({"title": 3}, TypeError, "title must be a str or None, got int"),
])
def test_plot_tensor_blocks_bad_axes_or_title(kwargs, error, pattern):
    """A wrong ax or title fails before drawing, naming the argument and what it got."""
    figures = plt.get_fignums()
    with pytest.raises(error, match=pattern):
        utils.plot_tensor_blocks(np.ones((1, 2, 2, 2)), **kwargs)
    assert plt.get_fignums() == figures, "no figure is made for a call that fails"
