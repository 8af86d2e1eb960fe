"""Repository conventions: notebook anatomy, clean sources, dependency lists agree, no secrets."""

from __future__ import annotations

import re
import sys
import tomllib

import nbformat
import pytest
import yaml
from packaging.version import Version

from tests.conftest import NOTEBOOKS, ROOT, checkout_files, run_python

NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOK_PATHS) >= 3


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_notebook_anatomy(path):
    assert re.fullmatch(r"\d\d_[a-z_]+\.ipynb", path.name), "name must be NN_topic.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    cells = nb.cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    assert "Course exercise" in cells[0].source
    setup = cells[1].source
    assert cells[1].cell_type == "code" and '"google.colab" in sys.modules' in setup
    assert "__version__" in setup
    tagged = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged parameters"
    for cell in cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "outputs committed"
        if "solution" in cell.metadata.get("tags", []):
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True
    assert "sys.path" not in "".join(c.source for c in cells)


KEY_LIKE = re.compile(r"(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])|WANDB_API_KEY\s*=\s*['\"]?\w{20,}")


def test_no_api_key_like_string_in_the_repository():
    offenders = []
    for path in checkout_files():
        text = path.read_text(errors="ignore")
        if KEY_LIKE.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def _split(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"\s*([A-Za-z0-9_.\-\[\]]+)\s*(.*)", requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(
        _split(r)
        for r in project["dependencies"]
        + project["optional-dependencies"]["local"]
        + project["optional-dependencies"]["lab"]
    )
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed: dict[str, str] = {}
    for dep in env["dependencies"]:
        for item in dep["pip"] if isinstance(dep, dict) else [dep]:
            if item.startswith("-e") or item in ("pip",) or item.startswith("python="):
                continue
            name, spec = _split(item)
            listed[name] = spec
    assert listed == wanted


def test_badges_links_and_readme_table_are_current():
    """Rerunning the generator would change nothing (else: python scripts/notebook_links.py)."""
    result = run_python("", ROOT, args=["scripts/notebook_links.py", "--check"])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.name)
def test_each_badge_points_at_its_own_notebook(path):
    repo = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    owner_name = repo.removeprefix("https://github.com/")
    first = nbformat.read(path, as_version=4).cells[0].source
    colab = re.findall(r"\]\((https://colab\.research\.google\.com/github/[^)]+)\)", first)
    binder = re.findall(r"\]\((https://mybinder\.org/v2/gh/[^)]+)\)", first)
    assert colab == [
        f"https://colab.research.google.com/github/{owner_name}/blob/main/notebooks/{path.name}"
    ]
    assert binder == [
        f"https://mybinder.org/v2/gh/{owner_name}/main?labpath=notebooks%2F{path.name}"
    ]
    setup = nbformat.read(path, as_version=4).cells[1].source
    assert f"git+https://github.com/{owner_name}" in setup


def test_readme_lists_every_notebook_with_its_badges():
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOK_PATHS:
        assert f"](notebooks/{path.name})" in readme
        assert f"blob/main/notebooks/{path.name})" in readme
        assert f"labpath=notebooks%2F{path.name})" in readme
    assert "make run" in readme and "make test" in readme


def test_the_link_generator_refuses_a_notebook_without_its_markers(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import notebook_links
    finally:
        sys.path.pop(0)
    with pytest.raises(ValueError, match="no <!-- badges --> marker"):
        notebook_links._between("# 01 · Title\n", "badges", "x")
    text = "a\n<!-- nav -->\nold\n<!-- /nav -->\nb"
    once = notebook_links._between(text, "nav", "new")
    assert once == "a\n<!-- nav -->\nnew\n<!-- /nav -->\nb"
    assert notebook_links._between(once, "nav", "new") == once  # idempotent


def test_oldest_constraints_pin_every_lower_bound():
    """`make test-oldest` runs on exactly the lower bounds pyproject.toml declares."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"].values()
    requirements = project["dependencies"] + [r for extra in extras for r in extra]
    lower = {}
    for requirement in requirements:
        name, spec = _split(requirement)
        bound = re.search(r">=([\w.]+)", spec)
        assert bound, f"{requirement} has no lower bound"
        lower[re.sub(r"\[.*\]", "", name)] = Version(bound.group(1))
    pinned = dict(
        _split(line)
        for line in (ROOT / "tests" / "constraints-oldest.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert {name: Version(spec.removeprefix("==")) for name, spec in pinned.items()} == lower


def test_the_oldest_seat_has_the_wandb_minor_release_of_make_test():
    """`make test-oldest` leaves out the `slow` tests, which drive wandb end to end: that holds
    only while the oldest wandb allowed is the minor release every other seat installs."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (wandb,) = [r for r in project["dependencies"] if r.startswith("wandb")]
    low, high = re.fullmatch(r"wandb\[sweeps\]>=([\d.]+),<([\d.]+)", wandb).groups()
    low_minor, high_minor = Version(low).release[:2], Version(high).release[:2]
    assert (high_minor[0], high_minor[1] - 1) == low_minor, f"{wandb} spans several releases"


# What unattended runs need lives in helpers; a student reads the lesson only.
NOT_FOR_STUDENTS = re.compile(
    r"raise_if_failed|if stored else|if len\(table\)|papermill|nbmake|\bCI\b|choose_mode"
)


@pytest.mark.parametrize(
    "path",
    NOTEBOOK_PATHS + sorted((NOTEBOOKS / "exercises").glob("*.ipynb")),
    ids=lambda p: p.relative_to(NOTEBOOKS).as_posix(),
)
def test_only_lesson_code_and_one_setup_call_in_sight(path):
    nb = nbformat.read(path, as_version=4)
    found = [m.group(0) for c in nb.cells for m in NOT_FOR_STUDENTS.finditer(c.source)]
    assert found == [], "unattended-run code or text in the student's view"
    [parameters] = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    after = nb.cells[parameters + 1].source
    assert after.startswith("MODE = setup(") and "MODE=MODE" in after
    names = re.findall(r"^(\w+) = ", nb.cells[parameters].source, re.M)
    for name in names:  # every parameter goes through setup's validation
        assert f"{name}={name}" in after, f"setup(...) is not given {name}"


def test_the_course_has_one_sweep_config_and_the_helpers_read_it():
    from helpers.sweep import COURSE_SWEEP, load_sweep_config

    configs = [
        p for p in checkout_files() if p.name.endswith((".yaml", ".yml")) and "sweep" in p.name
    ]
    assert configs == [NOTEBOOKS / "sweep.yaml"], "one sweep config: notebooks/sweep.yaml"
    assert not configs[0].is_symlink(), "a symlink is a text file in a Windows checkout"
    assert COURSE_SWEEP.resolve() == configs[0]
    assert load_sweep_config() == yaml.safe_load(configs[0].read_text())
