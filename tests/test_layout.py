"""The layout's rules, read from the code's imports (README, Design):

- a blueprint module (one that makes a `Blueprint`) imports no other
  blueprint module: what two blueprints share lives in views/shared/ or
  domain/, and views/shared/ imports no blueprint;
- forms never import views; domain/ imports neither views nor forms, nor
  the made-up data of demo/;
- the project's modules import each other in no circle;
- the status of a page with a form is decided in one place,
  views.shared.answers.form_status.

The imports are read with `ast`, nothing is run."""
import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("views", "forms", "domain", "demo")
TOP_MODULES = ("app", "cli", "models", "extensions")


def module_files():
    """{module name: path} of the app's code (tests, bench and migrations
    are not the app)."""
    found = {name: os.path.join(ROOT, name + ".py") for name in TOP_MODULES}
    for package in PACKAGES:
        for folder, _dirs, files in os.walk(os.path.join(ROOT, package)):
            for file in files:
                if file.endswith(".py"):
                    path = os.path.join(folder, file)
                    name = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                    found[name.removesuffix(".__init__")] = path
    return found


MODULES = module_files()


def parsed(name):
    with open(MODULES[name], encoding="utf-8") as f:
        return ast.parse(f.read(), MODULES[name])


def imports_in(tree):
    """The project's modules that the code of `tree` imports, anywhere in it."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from views.shared import guards` imports the module views.shared.guards.
            candidates = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for candidate in candidates:
            if candidate in MODULES:
                found.add(candidate)
    return found


GRAPH = {name: imports_in(parsed(name)) - {name} for name in MODULES}


def makes_blueprint(name):
    return any(isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Blueprint"
               for node in ast.walk(parsed(name)))


BLUEPRINTS = {name for name in MODULES if name.startswith("views.") and makes_blueprint(name)}


def test_the_blueprints_are_found():
    assert {"views.auth", "views.messages", "views.staff.auth", "views.staff.agents"} <= BLUEPRINTS
    assert not any(name.startswith("views.shared") for name in BLUEPRINTS)


@pytest.mark.parametrize("name", sorted(BLUEPRINTS | {n for n in MODULES if n.startswith("views.shared")}))
def test_no_view_module_imports_a_blueprint(name):
    assert GRAPH[name] & BLUEPRINTS == set(), (
        f"{name} imports a blueprint: move what they share to views/shared/ or domain/")


@pytest.mark.parametrize("layer, forbidden", [("forms", ("views",)),
                                              ("domain", ("views", "forms", "demo")),
                                              ("demo", ("views", "forms"))])
def test_lower_layers_import_no_higher_one(layer, forbidden):
    wrong = sorted(f"{name} -> {target}" for name, targets in GRAPH.items()
                   if name.split(".")[0] == layer
                   for target in targets if target.split(".")[0] in forbidden)
    assert wrong == []


def test_no_import_circle():
    state, circles = {}, []

    def visit(name, path):
        state[name] = "open"
        for target in sorted(GRAPH[name]):
            if state.get(target) == "open":
                circles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[name] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert circles == []


def test_one_helper_decides_the_status_of_a_form_page():
    """422 is written in views.shared.answers only: every other view asks
    form_status(), so a form with a file refused for its size or the virus
    scan gets the same answer everywhere."""
    written = []
    for name, path in MODULES.items():
        if name.startswith("views.") and name != "views.shared.answers":
            with open(path, encoding="utf-8") as f:
                written += [f"{name}:{number}" for number, line in enumerate(f, 1)
                            if re.search(r"\b422\b", line.split("#")[0])]
    assert written == []


def test_the_reading_sees_every_form_of_import():
    """A blueprint imported in any of the ways Python allows, even inside a
    function, is seen."""
    tree = ast.parse("from views.shared import guards\n"
                     "from views import messages as customer_messages\n"
                     "import views.staff.agents\n"
                     "def later():\n    from views.help import bp\n")
    assert imports_in(tree) & BLUEPRINTS == {"views.messages", "views.staff.agents", "views.help"}
